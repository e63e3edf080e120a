"""The page: one self-contained HTML file that shows what a model saw in a passage.

After Karpathy's "The Unreasonable Effectiveness of Recurrent Neural Networks" (the text
coloured by one neuron, the model's top guesses under each character) and LSTMVis (the
units that follow a marked span): the passage is coloured by a chosen unit, with a
menu of the best units for each feature, and hovering over (or clicking) a token shows
the five likeliest next tokens with their probabilities and the surprisal of the one
that came. Tables list the units per feature and the gate saturation per layer.

The HTML, CSS and script are files beside this module (``page/``); the data go in as
JSON. The page loads nothing (its Content-Security-Policy forbids it) and opens from
disk in any browser.
"""
import html
import json
import string
from pathlib import Path

import numpy as np

from ..files import write_file

PARTS = Path(__file__).resolve().parent / "page"


def _json_for_script(value):
    """JSON that is safe inside ``<script>``: no ``<`` at all, so no ``</script>`` can end it early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _probability_list(values):
    return [None if not np.isfinite(p) else round(float(p), 4) for p in values]


def _menu(inspection, units, per_feature):
    """The unit menu (``[{label, units}]``), the notes on the best units and the features' table rows."""
    menu, notes, features = [], {}, []
    if inspection.units:
        menu.append({"label": "asked for", "units": [{"unit": str(u), "label": str(u)} for u in inspection.units]})
    for name, ranked in inspection.rankings.items():
        offered = ranked[:per_feature]
        if offered:
            menu.append({"label": name, "units": [
                {"unit": str(s.unit), "label": f"{s.unit}  (r = {s.correlation:+.2f})"} for s in offered]})
            notes.setdefault(str(offered[0].unit), f"best unit for {name}: r = {offered[0].correlation:+.3f}")
        features.append({"name": name, "units": [s.as_dict() for s in offered],
                         "note": "does not vary in this passage: no unit can follow it"})
    if not menu:
        menu.append({"label": "units", "units": [{"unit": str(u), "label": str(u)} for u in units]})
    return menu, notes, features


def _meta(inspection):
    """The line under the title: the model, what was traced and shown, the loss."""
    spec, shown, total = inspection.spec, inspection.shown, inspection.num_tokens
    token = "word" if spec.level == "word" else "character"
    return (f"{inspection.checkpoint}: {spec.cell_type or 'basic RNN'} cell, {spec.num_layers} layer(s) of "
            f"{spec.state_size} units. {total:,} {token}s traced"
            + (f", the first {len(shown):,} shown" if len(shown) < total else "")
            + (f"; mean loss {inspection.loss:.3f} nats = {inspection.loss / np.log(2):.3f} bits per {token}"
               if np.isfinite(inspection.loss) else "") + ".")


def page_data(inspection, per_feature=3):
    """The page's data, a JSON-able dict; ``per_feature`` units are offered for each feature."""
    shown, spec = inspection.shown, inspection.spec
    layout = spec.layout()
    units = inspection.page_units(per_feature)
    values = {str(u): np.round(np.clip(layout.activation(shown.layers, u), -1, 1) * 100).astype(int).tolist()
              for u in units}
    menu, notes, features = _menu(inspection, units, per_feature)
    return {
        "tokens": list(shown.tokens), "level": spec.level,
        "tokenName": "word" if spec.level == "word" else "character",
        "vocab": shown.vocab.tokens, "topIds": shown.top_ids.tolist(),
        "topP": [_probability_list(row) for row in shown.top_probs], "nextP": _probability_list(shown.next_prob),
        "units": values, "firstUnit": str(units[0]), "menu": menu, "unitNotes": notes, "features": features,
        "gates": inspection.gates.summary(), "meta": _meta(inspection),
    }


def page_html(inspection, title=None, per_feature=3):
    """The whole page as a string."""
    path = Path(inspection.checkpoint)
    title = title or f"Inside {path.parent.name if path.name == 'checkpoint' else path.name}"  # a folder's checkpoint
    template = string.Template((PARTS / "page.html").read_text(encoding="utf-8"))
    return template.substitute(title=html.escape(title), style=(PARTS / "page.css").read_text(encoding="utf-8"),
                               script=(PARTS / "page.js").read_text(encoding="utf-8"),
                               data=_json_for_script(page_data(inspection, per_feature)))


def write_page(inspection, path, title=None, per_feature=3):
    """Write the page to ``path``, whole or not at all (see :mod:`r2rt_rnn.files`); returns the path."""
    return write_file(path, page_html(inspection, title, per_feature), "path")
