// The heat strip: every unit as one cell, one row per layer (and per part, c and h, for an LSTM), coloured by its
// activation at one position or by its r with the marked span. Clicking a cell picks that unit.

function Strip(canvas, acts, onPick, onHover) {
  this.canvas = canvas; this.acts = acts;
  this.rows = acts.layers * acts.parts.length;
  this.margin = 64;  // room for the row labels
  this.rowHeight = 14;
  const room = Math.max(200, canvas.parentElement.clientWidth - this.margin - 8);
  this.cell = Math.max(1, Math.min(14, Math.floor(room / acts.width)));
  canvas.width = this.margin + this.cell * acts.width;
  canvas.height = this.rows * this.rowHeight;
  const column = (event) => this.columnAt(event);
  canvas.addEventListener("click", (event) => { const c = column(event); if (c !== null) onPick(acts.name(c)); });
  canvas.addEventListener("mousemove", (event) => onHover(column(event)));
  canvas.addEventListener("mouseleave", () => onHover(null));
}

Strip.prototype.columnAt = function (event) {  // the unit under the mouse, by column, or null
  const box = this.canvas.getBoundingClientRect();
  const x = (event.clientX - box.left) * this.canvas.width / box.width - this.margin;
  const row = Math.floor((event.clientY - box.top) * this.canvas.height / box.height / this.rowHeight);
  const index = Math.floor(x / this.cell);
  if (x < 0 || index >= this.acts.width || row < 0 || row >= this.rows) return null;
  return row * this.acts.width + index;
};

Strip.prototype.place = function (column) {  // the cell's rectangle [x, y, w, h]
  return [this.margin + (column % this.acts.width) * this.cell, Math.floor(column / this.acts.width) * this.rowHeight,
          this.cell, this.rowHeight - 2];
};

Strip.prototype.draw = function (valueOf, selected) {  // valueOf(column): a value in [-1, 1], or null (grey)
  const ctx = this.canvas.getContext("2d"), acts = this.acts;
  ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  for (let row = 0; row < this.rows; row++) {
    const layer = Math.floor(row / acts.parts.length), part = acts.parts[row % acts.parts.length];
    ctx.fillStyle = "#555";
    ctx.fillText("layer " + layer + (acts.parts.length > 1 ? " " + part : ""), 2, row * this.rowHeight + 6);
  }
  for (let c = 0; c < acts.count; c++) {
    const v = valueOf(c);
    ctx.fillStyle = v === null || isNaN(v) ? "#ddd" : diverging(v);
    ctx.fillRect.apply(ctx, this.place(c));
  }
  if (selected !== null && selected !== undefined) {
    const [x, y, w, h] = this.place(selected);
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
    ctx.strokeRect(x - 1, y - 1, w + 2, h + 2);
  }
};
