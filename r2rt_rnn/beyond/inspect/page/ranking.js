// Ranking every unit for a span the reader marks, in the page (LSTMVis's "select a range"), as ranking.py does for
// `--span`: the Pearson correlation r of each unit with the span's 0/1 indicator over the positions that carry
// every unit, and how often the unit is on (beyond the threshold, on the side r points to) inside and outside.
// Sums are kept in the packed integer levels: r does not depend on the scale.

function Totals(acts, threshold) {  // per unit, over every carried position: sum, sum of squares, positions on
  const n = acts.carried, u = acts.count, levels = acts.all.levels, cut = threshold * acts.all.scale;
  this.sum = new Float64Array(u); this.squares = new Float64Array(u);
  this.above = new Float64Array(u); this.below = new Float64Array(u);
  this.cut = cut;
  for (let t = 0; t < n; t++) {
    const row = t * u;
    for (let c = 0; c < u; c++) {
      const v = levels[row + c];
      this.sum[c] += v; this.squares[c] += v * v;
      if (v > cut) this.above[c]++; else if (v < -cut) this.below[c]++;
    }
  }
}

function spanProblem(acts, start, end) {  // why the span [start, end) cannot be ranked, or "" if it can
  const n = acts.carried;
  if (start >= n) {
    return "every unit is carried for the first " + n.toLocaleString() + " positions only; mark a span among them";
  }
  if (Math.min(end, n) - start >= n) return "the span covers every position; mark a shorter one";
  return "";
}

// -> {rows: the top units [{unit, r, inside, outside}], r: every unit's r by column (NaN if it does not vary), end}
// or {error}
function rankSpan(acts, totals, start, end, top) {
  const problem = spanProblem(acts, start, end);
  if (problem) return {error: problem};
  const n = acts.carried, u = acts.count, levels = acts.all.levels, cut = totals.cut;
  end = Math.min(end, n);
  const m = end - start, p = m / n;
  const inside = new Float64Array(u), onAbove = new Float64Array(u), onBelow = new Float64Array(u);
  for (let t = start; t < end; t++) {
    const row = t * u;
    for (let c = 0; c < u; c++) {
      const v = levels[row + c];
      inside[c] += v;
      if (v > cut) onAbove[c]++; else if (v < -cut) onBelow[c]++;
    }
  }
  const rows = [], all = new Float64Array(u).fill(NaN);
  for (let c = 0; c < u; c++) {
    const mean = totals.sum[c] / n, variance = totals.squares[c] / n - mean * mean;
    if (!(variance > 1e-9)) continue;  // a unit that does not vary follows nothing
    const r = Math.max(-1, Math.min(1, (inside[c] / n - mean * p) / Math.sqrt(variance * p * (1 - p))));
    all[c] = r;
    const onInside = r >= 0 ? onAbove[c] : onBelow[c], onAll = r >= 0 ? totals.above[c] : totals.below[c];
    rows.push({unit: acts.name(c), r: r, inside: onInside / m, outside: (onAll - onInside) / (n - m)});
  }
  rows.sort((a, b) => Math.abs(b.r) - Math.abs(a.r));
  return {rows: rows.slice(0, top), r: all, end: end};
}
