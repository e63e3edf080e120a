// The inspect page: colours the passage by a unit or by surprisal, shows for each token what the model expected
// next, ranks the units for a span marked with the mouse, and draws the heat strip, tables and gate scatter.
// Everything comes from the JSON in <script id="data">; nothing is fetched.
const D = JSON.parse(document.getElementById("data").textContent);
const $ = (id) => document.getElementById(id);
const acts = new Activations(D.activations, D.tokens.length);
const spans = [];
const TOP = 10;  // units listed for a marked span
const state = {mode: "unit", unit: null, pinned: -1, hovered: -1, span: null, ranked: null, totals: null};

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

function fmt(p) {  // a probability or fraction as a percentage
  if (p === null || p === undefined || isNaN(p)) return "\u2013";
  return p === 0 ? "0%" : (100 * p).toFixed(p < 0.001 ? 3 : 1) + "%";
}

function signed(r, digits) { return r === null ? "\u2013" : (r >= 0 ? "+" : "") + r.toFixed(digits); }

function unitLink(name) {
  const link = el("a", {"class": "unit", text: name});
  link.addEventListener("click", function () { showUnit(name); });
  return link;
}

// --- the passage: one element per token -----------------------------------------------------------------
const fragment = document.createDocumentFragment();
D.tokens.forEach(function (token, i) {
  const span = el("span", {"class": "t" + (token === "\n" || token === "<eos>" ? " nl" : ""), "data-i": i,
                           text: shown(token)});
  spans.push(span);
  fragment.appendChild(span);
  if (D.level === "word" && token !== "<eos>") fragment.appendChild(document.createTextNode(" "));
});
$("text").appendChild(fragment);
document.body.dataset.tokens = String(spans.length);

// --- colouring: by a unit, or by surprisal; the colour bar says which -------------------------------------
// the darkest colour: as surprised as a uniform guess among the whole vocabulary, or more
const surprisalTop = Math.log2(Math.max(2, D.vocab.length));

function colourBar() {
  const unit = state.mode === "unit";
  const stops = unit ? [-1, -0.5, 0, 0.5, 1].map(diverging) : [0, 0.25, 0.5, 0.75, 1].map(sequential);
  $("colourbar-ramp").style.background = "linear-gradient(to right, " + stops.join(", ") + ")";
  $("colourbar-low").textContent = unit ? "\u22121" : "0";
  $("colourbar-high").textContent = unit ? "+1" : "\u2265 " + surprisalTop.toFixed(1) + " bits";
  $("colourbar-caption").textContent = unit
    ? "activation of unit " + state.unit + " (red above 0, blue below" +
      (acts.parts.length > 1 && !state.unit.endsWith(":h") ? "; tanh of the LSTM cell c" : "") + ")"
    : "surprisal of the " + D.tokenName + " that came next, \u2212log2 p (darkest: as surprised as a uniform " +
      "guess among all " + D.vocab.length.toLocaleString() + " " + D.tokenName + "s, or more)";
}

function paint() {
  let missing = 0;
  for (let i = 0; i < spans.length; i++) {
    let v = null, colour = "";
    if (state.mode === "unit") {
      v = acts.value(state.unit, i);
      if (v === null) missing++; else colour = diverging(v);
    } else if (D.surprisal[i] !== null) {
      v = D.surprisal[i] / surprisalTop;
      colour = sequential(v);
    }
    spans[i].style.backgroundColor = colour;
    spans[i].style.color = v !== null && Math.abs(v) > 0.6 ? "#fff" : "";
  }
  document.body.dataset.mode = state.mode;
  $("mode").value = state.mode;
  colourBar();
  $("unit-note").textContent = state.mode === "unit" ? unitNote(state.unit, missing) : "";
}

function unitNote(name, missing) {
  const parts = [D.unitNotes[name] || ""];
  const a = D.ablations[name];
  if (a) {
    parts.push("clamped: loss where " + a.feature + " is on " + nats(a.loss_on) + " \u2192 " +
               nats(a.loss_on_ablated) + ", where off " + nats(a.loss_off) + " \u2192 " + nats(a.loss_off_ablated));
  }
  if (missing) parts.push("not carried past position " + acts.carried.toLocaleString() + ": left white there");
  return parts.filter(Boolean).join("; ");
}

function nats(x) { return x === null ? "\u2013" : x.toFixed(3) + " nats"; }

function menuOption(name) {  // the menu's option for a unit, added under "chosen here" when it has none
  let option = Array.from($("unit").options).find((o) => o.value === name);
  if (!option) {
    let group = $("unit").querySelector("optgroup[data-chosen]");
    if (!group) { group = el("optgroup", {label: "chosen here", "data-chosen": "1"}); $("unit").appendChild(group); }
    option = el("option", {value: name, text: name});
    group.appendChild(option);
  }
  return option;
}

function showUnit(name) {  // colour the text by a unit (its name as the menu writes it)
  state.unit = name; state.mode = "unit";
  $("unit").value = menuOption(name).value;
  document.body.dataset.unit = name;
  $("unit-message").textContent = "";
  paint();
  drawStrip();
  if (state.pinned >= 0) describe(state.pinned);
}

function typedUnit() {
  const text = $("unit-input").value;
  const found = acts.parse(text);
  if (found.error) { $("unit-message").textContent = found.error; return; }
  showUnit(found.name);
}

// the unit menu: the units asked for, then the best few for each feature
for (const group of D.menu) {
  const optgroup = el("optgroup", {label: group.label});
  for (const item of group.units) optgroup.appendChild(el("option", {value: item.unit, text: item.label}));
  $("unit").appendChild(optgroup);
}
$("unit").addEventListener("change", function () { showUnit($("unit").value); });
$("mode").addEventListener("change", function () { state.mode = $("mode").value; paint(); });
$("unit-go").addEventListener("click", typedUnit);
$("unit-input").addEventListener("keydown", function (event) { if (event.key === "Enter") typedUnit(); });

// --- the heat strip of every unit ----------------------------------------------------------------------
const strip = new Strip($("strip"), acts, showUnit, function (column) {
  $("strip-label").textContent = column === null ? "" : "unit " + acts.name(column) + ": " + stripValue(column);
});

function stripPosition() { return state.pinned >= 0 ? state.pinned : Math.max(state.hovered, 0); }

function stripValue(column) {
  if (state.ranked && state.ranked.r) return isNaN(state.ranked.r[column]) ? "does not vary" : "r = " +
    signed(state.ranked.r[column], 3);
  const t = stripPosition();
  return t < acts.carried ? acts.at(t, column).toFixed(2) : "not carried here";
}

function drawStrip() {
  const ranked = state.ranked && state.ranked.r, t = stripPosition();
  const top = ranked ? Math.max(1e-9, ...Array.from(ranked).filter((r) => !isNaN(r)).map(Math.abs)) : 1;
  strip.draw(ranked ? (c) => ranked[c] / top : (c) => (t < acts.carried ? acts.at(t, c) : null),
             acts.parse(state.unit).column);
  $("strip-caption").textContent = "All " + acts.count.toLocaleString() + " units, " +
    (ranked ? "coloured by their r with the marked span " + state.span.start + ":" + state.span.end +
              " (full colour at the largest |r|, " + top.toFixed(2) + ")"
            : "coloured by their activation at position " + t + " (" + JSON.stringify(D.tokens[t]) + ")" +
              (t < acts.carried ? "" : ": every unit is carried for the first " + acts.carried + " positions only")) +
    ". Click one to colour the text by it.";
}

// --- what the model expected ---------------------------------------------------------------------------
function describe(i) {
  const next = i + 1 < D.tokens.length ? D.tokens[i + 1] : null;
  const v = state.unit === null ? null : acts.value(state.unit, i);
  const rows = D.topIds[i].map(function (id, k) {
    const guess = D.vocab[id], prob = D.topP[i][k];
    return el("tr", {"class": guess === next ? "actual" : ""}, [
      el("td", {text: JSON.stringify(guess)}), el("td", {"class": "num", text: fmt(prob)}),
      el("td", {}, [el("span", {"class": "bar", style: "width:" + Math.round(prob * 120) + "px"})]),
    ]);
  });
  const parts = [
    el("p", {}, [el("b", {text: "position " + i + ": "}), el("code", {text: JSON.stringify(D.tokens[i])})]),
    el("p", {text: "unit " + state.unit + ": " + (v === null ? "not carried at this position" : v.toFixed(2))}),
    el("p", {text: "top " + D.topIds[i].length + " guesses for the next " + D.tokenName + ":"}),
    el("table", {}, rows),
  ];
  const s = D.surprisal[i];
  parts.push(el("p", {text: next === null ? "(the passage ends here)"
    : "it was " + JSON.stringify(next) + ": p = " + fmt(D.nextP[i]) + ", surprisal " + s.toFixed(2) + " bits"}));
  $("info").replaceChildren.apply($("info"), parts);
}

// --- marking a span with the mouse, and the units ranked for it ----------------------------------------
let anchor = -1, reach = -1;

function tokenIndex(event) {
  const i = event.target.dataset ? event.target.dataset.i : undefined;
  return i === undefined ? -1 : Number(i);
}

function highlight(start, end) {  // tokens [start, end) get the "span" class
  spans.forEach(function (span, i) { span.classList.toggle("span", i >= start && i < end); });
}

function setSpan(start, end) {
  state.span = {start: start, end: end};
  highlight(start, end);
  if (!state.totals) state.totals = new Totals(acts, D.threshold);
  state.ranked = rankSpan(acts, state.totals, start, end, TOP);
  document.body.dataset.span = start + ":" + end;
  showRanking();
  drawStrip();
}

function clearSpan() {
  state.span = null; state.ranked = null;
  highlight(0, 0);
  delete document.body.dataset.span;
  $("ranking").replaceChildren();
  drawStrip();
}

function showRanking() {
  const {start, end} = state.span, ranked = state.ranked;
  const clear = el("button", {type: "button", id: "span-clear", text: "clear"});
  clear.addEventListener("click", clearSpan);
  const head = el("p", {}, [el("b", {text: "span " + start + ":" + end + " "}),
                            document.createTextNode("(" + (end - start) + " " + D.tokenName + "s) "), clear]);
  if (ranked.error) {
    $("ranking").replaceChildren(head, el("p", {"class": "message", text: ranked.error}));
    return;
  }
  const rows = ranked.rows.map((row) => el("tr", {}, [
    el("td", {}, [unitLink(row.unit)]), el("td", {"class": "num", text: signed(row.r, 3)}),
    el("td", {"class": "num", text: fmt(row.inside)}), el("td", {"class": "num", text: fmt(row.outside)})]));
  const over = ranked.end < end ? "; ranked over its first " + (ranked.end - start) + " (the positions that carry " +
    "every unit)" : "";
  $("ranking").replaceChildren(head,
    el("p", {"class": "hint", text: "the units that follow it, by |r| with the span over the first " +
                                    acts.carried.toLocaleString() + " positions" + over}),
    el("table", {id: "ranking-table"}, [
      el("tr", {}, ["unit", "r", "inside", "outside"].map((h) => el("th", {text: h}))), ...rows]));
}

function pin(i) {
  if (state.pinned >= 0) spans[state.pinned].classList.remove("sel");
  state.pinned = i === state.pinned ? -1 : i;
  if (state.pinned >= 0) { spans[state.pinned].classList.add("sel"); describe(state.pinned); }
  drawStrip();
}

$("text").addEventListener("mousedown", function (event) {
  const i = tokenIndex(event);
  if (i < 0 || event.button !== 0) return;
  anchor = reach = i;
  event.preventDefault();  // no text selection: the drag marks a span
});
$("text").addEventListener("mouseover", function (event) {
  const i = tokenIndex(event);
  if (i < 0) return;
  if (anchor >= 0) { reach = i; highlight(Math.min(anchor, i), Math.max(anchor, i) + 1); return; }
  state.hovered = i;
  if (state.pinned < 0) { describe(i); if (!state.ranked) drawStrip(); }
});
document.addEventListener("mouseup", function () {
  if (anchor < 0) return;
  const start = Math.min(anchor, reach), end = Math.max(anchor, reach) + 1;
  anchor = -1;
  if (end - start > 1) setSpan(start, end);
  else { if (state.span) highlight(state.span.start, state.span.end); pin(start); }
});

// --- tables and definitions ----------------------------------------------------------------------------
function featureRow(f, s, k) {
  const chance = f.chance ? f.chance.chance.toFixed(2) + " (" + f.chance.seeds + " seeds)" : "\u2013";
  const verdict = s.above === null ? "" : s.above ? "above chance" : "not above chance";
  return el("tr", {"class": s.above === false ? "below-chance" : ""}, [
    el("td", {text: k === 0 ? f.name : ""}), el("td", {}, [unitLink(s.unit)]),
    el("td", {"class": "num", text: signed(s.correlation, 3)}),
    el("td", {"class": "num", text: fmt(s.inside)}), el("td", {"class": "num", text: fmt(s.outside)}),
    el("td", {"class": "num", text: k === 0 ? chance : ""}), el("td", {"class": "verdict", text: verdict})]);
}

const featureRows = document.querySelector("#features tbody");
for (const f of D.features) {
  if (!f.units.length) {
    featureRows.appendChild(el("tr", {}, [el("td", {text: f.name}), el("td", {colspan: "6", text: f.note})]));
  }
  f.units.forEach((s, k) => featureRows.appendChild(featureRow(f, s, k)));
}

const ablationRows = document.querySelector("#ablations tbody");
for (const [unit, a] of Object.entries(D.ablations)) {
  ablationRows.appendChild(el("tr", {}, [el("td", {}, [unitLink(unit)]), el("td", {text: a.feature}),
    ...[a.loss_on, a.loss_on_ablated, a.loss_off, a.loss_off_ablated].map((x) => el("td", {"class": "num",
      text: x === null ? "\u2013" : x.toFixed(3)}))]));
}
$("ablation-box").hidden = !ablationRows.children.length;

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
drawGateScatter($("gate-scatter"), D.gateUnits);

for (const [name, text] of Object.entries(D.definitions)) {
  $("feature-definitions").append(el("dt", {}, [el("code", {text: name})]), el("dd", {text: text}));
}
document.querySelectorAll(".threshold").forEach((node) => { node.textContent = "\u00b1" + D.threshold; });
$("meta").textContent = D.meta + " Every one of the " + acts.count.toLocaleString() + " units is carried at " +
  acts.bits + " bits for " + (acts.carried === spans.length ? "every shown position"
                              : "the first " + acts.carried.toLocaleString() + " shown positions") + ".";

showUnit(D.firstUnit);
document.body.dataset.ready = "1";
