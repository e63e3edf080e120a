"""The page: one self-contained HTML file to explore what a model saw in a passage.

After Karpathy's "The Unreasonable Effectiveness of Recurrent Neural Networks" (the text
coloured by one neuron, the model's top guesses under each character), Karpathy, Johnson
and Fei-Fei's "Visualizing and Understanding Recurrent Networks" (gate saturation) and
LSTMVis (mark a span, get the units that follow it). The reader can colour the passage
by any unit (typed as ``LAYER:INDEX``, picked from the menu of the best units for each
feature, or clicked in a heat strip of all units) or by the model's surprisal; hover
over a token for the five likeliest next tokens; drag over the text to mark a span and
get the units ranked for it, computed in the page. Tables list the units per feature
(with the chance level and the ablation effect when the inspection has them), the gate
saturation (drawn as a scatter too), and what each name and column means.

Every unit's activations travel in the page, packed to 8 or 4 bits a value
(:mod:`.packing`) within a size budget; the units the menu offers are also carried at
8 bits at every shown position. The HTML, CSS and scripts are files beside this module
(``page/``); the data go in as JSON. The page loads nothing (its Content-Security-Policy
forbids it) and opens from disk in any browser.
"""
import html
import json
import re
import string
from pathlib import Path

import numpy as np

from ...runtime.files import write_file
from . import features as features_module
from .packing import pack, plan
from .ranking import clears

PARTS = Path(__file__).resolve().parent / "page"
SCRIPTS = ("data.js", "ranking.js", "strip.js", "gates.js", "page.js")  # joined in this order, in one scope
ALL_UNITS_BYTES = 8_000_000  # the most the activations of all units may take in the page (base64 characters)
THRESHOLD = 0.5  # a unit is "on" beyond this, when the inspection does not say its own
SURPRISAL_CAP = 99.99  # bits written for a token given probability 0 (JSON has no infinity)


def _json_for_script(value):
    """JSON that is safe inside ``<script>``: no ``<`` at all, so no ``</script>`` can end it early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _rounded(x, digits=4):
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def _probability_list(values):
    return [_rounded(p) for p in values]


def feature_definitions():
    """``{built-in feature: one-line definition}``, read from the table in :mod:`.features`' docstring."""
    # a row is ``name`` and its text, which may go on in lines indented to the text's column
    rows = re.findall(r"^``(\w+)``\s+(.+(?:\n {20}.+)*)$", features_module.__doc__ or "", re.M)
    return {name: " ".join(text.replace("``", "").split()) for name, text in rows}


def _definitions(names):
    """A definition of every built-in feature and of each other feature on the page (a regex or a span)."""
    built_in = feature_definitions()
    out = {name: built_in.get(name, "(no definition written)") for name in features_module.BUILT_IN}
    for name in names:
        if name not in out:
            out[name] = ("1 on the tokens of the span you marked (--span)" if name.startswith("span ")
                         else "1 on every token that a match of this regular expression covers (--feature)")
    return out


def _baselines(inspection):
    """``inspection.baselines`` when the analysis gave one, JSON-able: ``{feature: {chance, seeds, margin}}``."""
    found = getattr(inspection, "baselines", None) or {}
    return {name: {"chance": _rounded(b["chance"]), "seeds": int(b.get("seeds", 0)),
                   "margin": _rounded(b.get("margin", 0.0))} for name, b in found.items()}


def _ablations(inspection):
    """``inspection.ablations`` when the analysis gave one, JSON-able: ``{unit: {feature, loss_on, ...}}``."""
    found = getattr(inspection, "ablations", None) or {}
    keys = ("loss_on", "loss_on_ablated", "loss_off", "loss_off_ablated")
    return {str(unit): {"feature": str(a.get("feature", "")), **{k: _rounded(a.get(k)) for k in keys}}
            for unit, a in found.items()}


def _unit_note(name, score, baseline):
    note = f"best unit for {name}: r = {score.correlation:+.3f}"
    above = clears(score.correlation, baseline)
    if above is not None:
        note += f" ({'above' if above else 'not above'} chance |r| {baseline['chance']:.2f})"
    return note


def _menu(inspection, units, per_feature, baselines):
    """The unit menu (``[{label, units}]``), the notes on the best units and the features' table rows."""
    menu, notes, rows = [], {}, []
    if inspection.units:
        menu.append({"label": "asked for", "units": [{"unit": str(u), "label": str(u)} for u in inspection.units]})
    for name, ranked in inspection.rankings.items():
        offered, baseline = ranked[:per_feature], baselines.get(name)
        if offered:
            menu.append({"label": name, "units": [
                {"unit": str(s.unit), "label": f"{s.unit}  (r = {s.correlation:+.2f})"} for s in offered]})
            notes.setdefault(str(offered[0].unit), _unit_note(name, offered[0], baseline))
        rows.append({"name": name, "chance": baseline,
                     "units": [{**s.as_dict(), "above": clears(s.correlation, baseline)} for s in offered],
                     "note": "does not vary in this passage: no unit can follow it"})
    if not menu:
        menu.append({"label": "units", "units": [{"unit": str(u), "label": str(u)} for u in units]})
    return menu, notes, rows


def _meta(inspection):
    """The line under the title: the model, what was traced and shown, the loss."""
    spec, shown, total = inspection.spec, inspection.shown, inspection.num_tokens
    token = "word" if spec.level == "word" else "character"
    return (f"{inspection.checkpoint}: {spec.cell_type or 'basic RNN'} cell, {spec.num_layers} layer(s) of "
            f"{spec.state_size} units. {total:,} {token}s traced"
            + (f", the first {len(shown):,} shown" if len(shown) < total else "")
            + (f"; mean loss {inspection.loss:.3f} nats = {inspection.loss / np.log(2):.3f} bits per {token}"
               if np.isfinite(inspection.loss) else "") + ".")


def _activations(inspection, chosen, budget):
    """Every unit's activations, packed within ``budget`` bytes, and the chosen units' at 8 bits if need be."""
    layout = inspection.spec.layout()
    values = layout.activations(inspection.shown.layers)  # [T, units], tanh(c) for an LSTM cell
    bits, carried = plan(len(values), len(layout), budget)
    whole = bits == 8 and carried == len(values)  # then the chosen units need no copy of their own
    return {
        "all": {"layers": layout.num_layers, "width": layout.width, "parts": list(layout.parts),
                "main": layout.main, "values": pack(values[:carried], bits)},
        "chosen": None if whole else {"units": [str(u) for u in chosen],
                                      "values": pack(values[:, [layout.column(u) for u in chosen]], 8)},
    }


def _surprisal(shown):
    """Bits of surprise at each next token, ``-log2 p``: a list, None at the end, capped where p is 0."""
    return [None if np.isnan(s) else round(float(min(s, SURPRISAL_CAP)), 2) for s in shown.surprisal]


def _gate_units(gates):
    """Each gate unit's fractions of positions below ``low`` and above ``high``, per layer and gate, for the scatter."""
    return {"low": gates.low, "high": gates.high,
            "layers": [{g: [np.round(left, 3).tolist(), np.round(right, 3).tolist()] for g, (left, right) in
                        layer.items()} for layer in gates.per_unit()]}


def page_data(inspection, per_feature=3, budget=ALL_UNITS_BYTES):
    """The page's data, a JSON-able dict.

    ``per_feature`` units of each feature are offered in the menu; every unit's activations
    are carried in at most ``budget`` bytes (8 bits a value if they fit, else 4, else 4 bits
    for the first positions that fit; see :func:`.packing.plan`).
    """
    shown, spec = inspection.shown, inspection.spec
    units = inspection.page_units(per_feature)
    baselines = _baselines(inspection)
    menu, notes, rows = _menu(inspection, units, per_feature, baselines)
    return {
        "tokens": list(shown.tokens), "level": spec.level,
        "tokenName": "word" if spec.level == "word" else "character",
        "vocab": shown.vocab.tokens, "topIds": shown.top_ids.tolist(),
        "topP": [_probability_list(row) for row in shown.top_probs], "nextP": _probability_list(shown.next_prob),
        "surprisal": _surprisal(shown), "activations": _activations(inspection, units, budget),
        "threshold": float(getattr(inspection, "threshold", THRESHOLD)),
        "firstUnit": str(units[0]), "menu": menu, "unitNotes": notes, "features": rows,
        "ablations": _ablations(inspection), "definitions": _definitions(inspection.rankings),
        "gates": inspection.gates.summary(), "gateUnits": _gate_units(inspection.gates), "meta": _meta(inspection),
    }


def page_html(inspection, title=None, per_feature=3, budget=ALL_UNITS_BYTES):
    """The whole page as a string."""
    path = Path(inspection.checkpoint)
    title = title or f"Inside {path.parent.name if path.name == 'checkpoint' else path.name}"  # a folder's checkpoint
    template = string.Template((PARTS / "page.html").read_text(encoding="utf-8"))
    script = "\n".join((PARTS / name).read_text(encoding="utf-8") for name in SCRIPTS)
    script = f'"use strict";\n(function () {{\n{script}\n}})();'  # one scope for the scripts, none leaks out
    return template.substitute(title=html.escape(title), style=(PARTS / "page.css").read_text(encoding="utf-8"),
                               script=script, data=_json_for_script(page_data(inspection, per_feature, budget)))


def write_page(inspection, path, title=None, per_feature=3, budget=ALL_UNITS_BYTES):
    """Write the page to ``path``, whole or not at all (see :mod:`r2rt_rnn.runtime.files`); returns the path."""
    return write_file(path, page_html(inspection, title, per_feature, budget), "path")
