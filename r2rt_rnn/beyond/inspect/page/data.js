// The page's data: unpacking the activations (see r2rt_rnn/inspect/packing.py), naming units, and the two colour
// scales. Plain functions; page.js joins them with ranking.js, strip.js and gates.js in one scope.

function unpack(packed) {  // {bits, rows, cols, data (base64)} -> {levels: Int8Array [rows * cols], scale}
  const text = atob(packed.data);
  const bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
  const n = packed.rows * packed.cols;
  if (packed.bits === 8) return {levels: new Int8Array(bytes.buffer, 0, n), scale: 127};
  const levels = new Int8Array(n);  // 4 bits: two values a byte, the first in the low nibble, stored as level + 7
  for (let k = 0; k < n; k++) levels[k] = ((k & 1 ? bytes[k >> 1] >> 4 : bytes[k >> 1]) & 15) - 7;
  return {levels: levels, scale: 7};
}

// Every unit's activations (position-major, columns in the layout's order: layer by layer, part by part), and
// the menu's units at 8 bits at every shown position where the others are carried coarser or for fewer positions.
function Activations(A, numTokens) {
  const all = unpack(A.all.values);
  this.layers = A.all.layers; this.width = A.all.width; this.parts = A.all.parts; this.main = A.all.main;
  this.count = A.all.values.cols;  // units
  this.carried = A.all.values.rows;  // positions that have every unit
  this.bits = A.all.values.bits;
  this.numTokens = numTokens;
  this.all = all;
  this.chosen = {};
  this.columns = {};  // unit name -> column, as they are asked for
  if (A.chosen) {
    const c = unpack(A.chosen.values);
    A.chosen.units.forEach((name, k) => { this.chosen[name] = {levels: c.levels, scale: c.scale, k: k,
                                                               cols: A.chosen.units.length}; });
  }
}

Activations.prototype.name = function (column) {  // the unit in a column, as LAYER:INDEX[:PART]
  const perLayer = this.width * this.parts.length;
  const layer = Math.floor(column / perLayer), part = this.parts[Math.floor((column % perLayer) / this.width)];
  return layer + ":" + (column % this.width) + (part === this.main ? "" : ":" + part);
};

Activations.prototype.parse = function (text) {  // "LAYER:INDEX[:PART]" -> {name, column} or {error}
  const form = "LAYER:INDEX (e.g. 0:12)" + (this.parts.length > 1 ? ", or LAYER:INDEX:h for an LSTM's output" : "");
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*(?::\s*([a-z]+)\s*)?$/.exec(text);
  if (!m) return {error: "unit " + JSON.stringify(text) + " is not of the form " + form};
  const layer = Number(m[1]), index = Number(m[2]), part = m[3] || this.main;
  if (layer >= this.layers) {
    return {error: "unit " + text.trim() + ": there is no layer " + layer + "; this model has layers 0 to " +
                   (this.layers - 1)};
  }
  if (!this.parts.includes(part)) {
    return {error: "unit " + text.trim() + ": a layer of this model has no part " + JSON.stringify(part) +
                   "; its parts are " + this.parts.join(", ")};
  }
  if (index >= this.width) {
    return {error: "unit " + text.trim() + ": layer " + layer + " has no index " + index + "; its units are 0 to " +
                   (this.width - 1)};
  }
  const column = (layer * this.parts.length + this.parts.indexOf(part)) * this.width + index;
  return {name: this.name(column), column: column};
};

Activations.prototype.value = function (name, t) {  // a unit's activation at position t, or null if not carried
  const c = this.chosen[name];
  if (c) return c.levels[t * c.cols + c.k] / c.scale;
  if (t >= this.carried) return null;
  if (!(name in this.columns)) this.columns[name] = this.parse(name).column;
  return this.all.levels[t * this.count + this.columns[name]] / this.all.scale;
};

Activations.prototype.at = function (t, column) {  // every unit at a carried position t, by column
  return this.all.levels[t * this.count + column] / this.all.scale;
};

// --- colours ------------------------------------------------------------------------------------------------
function rgb(c) { return "rgb(" + c.map(Math.round).join(", ") + ")"; }

function mix(from, to, a) { return from.map((f, k) => f + (to[k] - f) * a); }

const WHITE = [255, 255, 255], RED = [178, 24, 43], BLUE = [33, 102, 172], PURPLE = [63, 0, 125];

function diverging(v) {  // v in [-1, 1]: blue below 0, white at 0, red above (Karpathy's figures)
  return rgb(mix(WHITE, v >= 0 ? RED : BLUE, Math.min(1, Math.abs(v))));
}

function sequential(a) {  // a in [0, 1]: white to dark purple (surprisal)
  return rgb(mix(WHITE, PURPLE, Math.max(0, Math.min(1, a))));
}
