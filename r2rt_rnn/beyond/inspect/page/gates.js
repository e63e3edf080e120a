// The gate-saturation scatter of Karpathy, Johnson and Fei-Fei (2015), drawn in the page as SVG (`--figures` writes
// the same as gates.png): one panel per gate kind, one dot per gate unit at (fraction of positions where it is
// below `low`, fraction where it is above `high`), coloured by layer.

const SVG_NS = "http://www.w3.org/2000/svg";
const LAYER_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function gatePanel(gate, G) {  // one gate kind's square, 0 to 1 on both axes
  const size = 200, left = 40, top = 24, panel = svgEl("svg", {width: left + size + 12, height: top + size + 40,
                                                              "class": "gate-panel", "data-gate": gate});
  const x = (f) => left + f * size, y = (f) => top + (1 - f) * size;
  panel.appendChild(svgEl("text", {x: left, y: 14, "class": "title"}, "gate " + gate));
  panel.appendChild(svgEl("rect", {x: left, y: top, width: size, height: size, "class": "frame"}));
  panel.appendChild(svgEl("line", {x1: x(0), y1: y(1), x2: x(1), y2: y(0), "class": "diagonal"}));
  for (const f of [0, 0.5, 1]) {
    panel.appendChild(svgEl("text", {x: x(f), y: top + size + 13, "class": "tick", "text-anchor": "middle"}, f));
    panel.appendChild(svgEl("text", {x: left - 4, y: y(f) + 4, "class": "tick", "text-anchor": "end"}, f));
  }
  panel.appendChild(svgEl("text", {x: x(0.5), y: top + size + 30, "class": "axis", "text-anchor": "middle"},
                          "fraction < " + G.low + " (shut)"));
  panel.appendChild(svgEl("text", {x: 10, y: y(0.5), "class": "axis", "text-anchor": "middle",
                                   transform: "rotate(-90 10 " + y(0.5) + ")"}, "fraction > " + G.high + " (open)"));
  G.layers.forEach(function (layer, k) {
    const [shut, open] = layer[gate];
    shut.forEach(function (s, i) {
      const dot = svgEl("circle", {cx: x(s), cy: y(open[i]), r: 2.5, fill: LAYER_COLOURS[k % LAYER_COLOURS.length],
                                   "class": "dot"});
      dot.appendChild(svgEl("title", {}, "layer " + k + " " + gate + " unit " + i + ": < " + G.low + " " +
                                         (100 * s).toFixed(1) + "%, > " + G.high + " " + (100 * open[i]).toFixed(1) + "%"));
      panel.appendChild(dot);
    });
  });
  return panel;
}

function drawGateScatter(box, G) {  // G: {low, high, layers: [{gate: [[shut fractions], [open fractions]]}]}
  if (!G.layers.length || !Object.keys(G.layers[0]).length) return;
  for (const gate of Object.keys(G.layers[0])) box.appendChild(gatePanel(gate, G));
  const legend = document.createElement("p");
  legend.className = "hint";
  G.layers.forEach(function (_, k) {
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = LAYER_COLOURS[k % LAYER_COLOURS.length];
    legend.append(swatch, " layer " + k + "  ");
  });
  box.appendChild(legend);
}
