// The inspect page: colours the passage by one unit and shows, for each token, what the model expected next.
// Everything comes from the JSON in <script id="data">; nothing is fetched.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const text = document.getElementById("text");
  const info = document.getElementById("info");
  const select = document.getElementById("unit");
  const spans = [];
  let pinned = -1;

  function shown(token) {  // how a token is written on the page
    if (token === "\n" || token === "<eos>") return "\u21b5\n";
    if (token === "\t") return "\u2192";
    return token;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  // --- the passage: one element per token ---------------------------------------------------------
  const fragment = document.createDocumentFragment();
  D.tokens.forEach(function (token, i) {
    const span = el("span", {"class": "t" + (token === "\n" || token === "<eos>" ? " nl" : ""), "data-i": i,
                             text: shown(token)});
    spans.push(span);
    fragment.appendChild(span);
    if (D.level === "word" && token !== "<eos>") fragment.appendChild(document.createTextNode(" "));
  });
  text.appendChild(fragment);
  document.body.dataset.tokens = String(spans.length);

  // --- colours ---------------------------------------------------------------------------------------
  function colour(v) {  // v in [-1, 1]: blue below 0, white at 0, red above
    const a = Math.min(1, Math.abs(v));
    const [r, g, b] = v >= 0 ? [178, 24, 43] : [33, 102, 172];
    const mix = (c) => Math.round(255 + (c - 255) * a);
    return "rgb(" + mix(r) + ", " + mix(g) + ", " + mix(b) + ")";
  }

  function paint(unit) {
    const values = D.units[unit];
    if (!values) return;
    for (let i = 0; i < spans.length; i++) {
      const v = values[i] / 100;
      spans[i].style.backgroundColor = colour(v);
      spans[i].style.color = Math.abs(v) > 0.6 ? "#fff" : "";
    }
    select.value = unit;
    document.body.dataset.unit = unit;
    document.getElementById("unit-note").textContent = D.unitNotes[unit] || "";
    if (pinned >= 0) describe(pinned);
  }

  // the unit menu: the units asked for, then the best few for each feature
  for (const group of D.menu) {
    const optgroup = el("optgroup", {label: group.label});
    for (const item of group.units) {
      optgroup.appendChild(el("option", {value: item.unit, text: item.label}));
    }
    select.appendChild(optgroup);
  }
  select.addEventListener("change", function () { paint(select.value); });

  // --- what the model expected ---------------------------------------------------------------------
  function fmt(p) {  // a probability or fraction as a percentage
    if (p === null) return "\u2013";
    return p === 0 ? "0%" : (100 * p).toFixed(p < 0.001 ? 3 : 1) + "%";
  }

  function describe(i) {
    const next = i + 1 < D.tokens.length ? D.tokens[i + 1] : null;
    const p = D.nextP[i];
    const unit = select.value;
    const rows = D.topIds[i].map(function (id, k) {
      const guess = D.vocab[id];
      const prob = D.topP[i][k];
      return el("tr", {"class": guess === next ? "actual" : ""}, [
        el("td", {text: JSON.stringify(guess)}),
        el("td", {"class": "num", text: fmt(prob)}),
        el("td", {}, [el("span", {"class": "bar", style: "width:" + Math.round(prob * 120) + "px"})]),
      ]);
    });
    const parts = [
      el("p", {}, [el("b", {text: "position " + i + ": "}), el("code", {text: JSON.stringify(D.tokens[i])})]),
      el("p", {text: "unit " + unit + ": " + (D.units[unit][i] / 100).toFixed(2)}),
      el("p", {text: "top " + D.topIds[i].length + " guesses for the next " + D.tokenName + ":"}),
      el("table", {}, rows),
    ];
    if (next !== null) {
      parts.push(el("p", {text: "it was " + JSON.stringify(next) + ": p = " + fmt(p) + ", surprisal " +
                               (p > 0 ? (-Math.log2(p)).toFixed(2) : "\u221e") + " bits"}));
    } else {
      parts.push(el("p", {text: "(the passage ends here)"}));
    }
    info.replaceChildren.apply(info, parts);
  }

  text.addEventListener("mouseover", function (event) {
    const i = event.target.dataset ? event.target.dataset.i : undefined;
    if (i !== undefined && pinned < 0) describe(Number(i));
  });
  text.addEventListener("click", function (event) {
    const i = event.target.dataset ? event.target.dataset.i : undefined;
    if (i === undefined) return;
    if (pinned >= 0) spans[pinned].classList.remove("sel");
    pinned = Number(i) === pinned ? -1 : Number(i);
    if (pinned >= 0) { spans[pinned].classList.add("sel"); describe(pinned); }
  });

  // --- tables ----------------------------------------------------------------------------------------
  const featureRows = document.querySelector("#features tbody");
  for (const f of D.features) {
    if (!f.units.length) {
      featureRows.appendChild(el("tr", {}, [el("td", {text: f.name}), el("td", {colspan: "4", text: f.note})]));
      continue;
    }
    f.units.forEach(function (s, k) {
      const link = el("a", {"class": "unit", text: s.unit});
      link.addEventListener("click", function () { paint(s.unit); });
      featureRows.appendChild(el("tr", {}, [
        el("td", {text: k === 0 ? f.name : ""}), el("td", {}, [link]),
        el("td", {"class": "num", text: s.correlation === null ? "\u2013"
                                        : (s.correlation >= 0 ? "+" : "") + s.correlation.toFixed(3)}),
        el("td", {"class": "num", text: fmt(s.inside)}), el("td", {"class": "num", text: fmt(s.outside)}),
      ]));
    });
  }
  const gateRows = document.querySelector("#gates tbody");
  for (const [layer, gates] of Object.entries(D.gates)) {
    for (const [gate, g] of Object.entries(gates)) {
      gateRows.appendChild(el("tr", {}, [el("td", {text: layer}), el("td", {text: gate}),
        el("td", {"class": "num", text: String(g.units)}), el("td", {"class": "num", text: fmt(g.left)}),
        el("td", {"class": "num", text: fmt(g.right)})]));
    }
  }
  if (!gateRows.children.length) {
    gateRows.appendChild(el("tr", {}, [el("td", {colspan: "5", text: "this cell has no gates"})]));
  }
  document.getElementById("meta").textContent = D.meta;

  paint(D.firstUnit);
  document.body.dataset.ready = "1";
})();
