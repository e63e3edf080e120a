#!/usr/bin/env python
"""Bind every number the README, ``docs/*.md`` and notebook 02's Markdown quote to the record it comes from.

A quoted number is one written with a decimal point or a thousands comma. Each is either

* **bound** in ``docs/numbers.json`` to one field of a record (``docs/results/*.json``, the benchmark's
  ``docs/bench/*/benchmark.json``, ``docs/inspect/*/*.json``, the shipped model's ``training.json``, the H200
  anchor) or to a value :func:`derived` from records (a median, a difference, a conversion), whose value,
  rounded to the digits written, must be the number written; or
* **not ours**, listed in :data:`NOT_RECORDED` with where it comes from (the post's, the tutorial's, a paper's,
  a version, the tuning runs of REPRODUCTION section 6 that only survive as logs).

``tests/test_quoted_numbers.py`` fails on any other number: one typed by hand, a record's changed by a digit,
a record re-run without the documents following. Binding a new number is deliberate and shows in the diff:

    python scripts/quoted_numbers.py            # list what is unbound or no longer matches; exit 1 if any
    python scripts/quoted_numbers.py --write    # bind the unbound ones to a record field that holds them

Where several fields hold a number, ``--write`` prefers a record named near the number's first occurrence,
then the file's own kind of record (the benchmark's for BENCHMARK.md). Notebooks 01-04 quote no measured number
in Markdown (``tests/test_notebook_numbers.py``); 01 passes what it measures live through ``say(f"...")``.
"""
import argparse
import glob
import json
import math
import re
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BINDINGS = REPO / "docs" / "numbers.json"
NUMBER = re.compile(r"(?<![\w.,/#])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\w.]*\d)")
FILES = ["README.md", "docs/REPRODUCTION.md", "docs/BENCHMARK.md", "docs/EQUATIONS.md",
         "notebooks/02_r2rt_rnns_in_tensorflow_ii.ipynb"]

TUNING = "a tuning run of REPRODUCTION section 6, kept in its log only (the recorded run is beyond_the_post)"
PTB_FAULTS = "REPRODUCTION section 5's fault table: the PTB script under each fault, from its test runs' logs"
SPEED_HISTORY = "BENCHMARK's speed-work history: before/after timings of each change, from development logs"
LENT = "a lent machine's benchmark of an earlier implementation, from before docs/bench/ kept its records"
STDLIB = "the stdlib_source model's training log (it is not a recorded run)"
SETTING = "a size or setting, not a measurement"
KEEP = "a keep probability, a bias or a threshold (0.81 = 0.9 x 0.9), not a measurement"

# Numbers that come from no record: {file: {number as written: where it comes from}}.
NOT_RECORDED = {
    "README.md": {
        "3.11": "a Python version",
        "1.397": STDLIB, "1.097": STDLIB, "2.02": STDLIB, "1.33": STDLIB,
        "1.4494": "a retraining of the beyond_the_post preset with its seed, from its log",
        **dict.fromkeys(["4,096", "2,000,000", "5,859", "8,192"], SETTING),
        "2,400": "the list graph's MatMul ops, counted once (the record keeps its node count)",
        **dict.fromkeys(["0.9", "1.0"], KEEP),
        **dict.fromkeys(["3.5", "5.5"], "a notebook's full-run time, which its last cell prints"),
    },
    "docs/REPRODUCTION.md": {
        "1409.2329": "the paper's arXiv number",
        **dict.fromkeys(["86.2", "82.7", "82.2", "78.4"], "the tutorial's published medium and large perplexities"),
        **dict.fromkeys(["860.0", "837.6", "848.8", "1,005.5", "954.7", "957.0", "0.9978", "0.9995", "1.029",
                         "1.045", "840.6", "683.8", "3,501", "3,621"], PTB_FAULTS),
        **dict.fromkeys(["1.4751", "1.4870", "1.4492", "1.4451", "1.7654", "1.6126", "1.5628", "1.5309", "1.5147",
                         "1.4791", "1.4604", "1.4532", "1.4503", "1.4474", "1.4456", "1.543", "1.475", "1.5104",
                         "1.4914", "1.510", "1.4974", "1.166", "0.0049", "1,634", "1,653", "1,914", "1,200"],
                        TUNING),
        "1.4697": "nanoGPT's published character-level validation loss",
        **dict.fromkeys(["929,589", "73,760", "82,430", "42,068", "3,370", "3,761", "2,323", "1,620"],
                        "a count of the PTB files (tests/test_ptb_real.py checks it), not a measurement"),
        **dict.fromkeys(["4,200", "4,893", "8,944", "10,124", "926,529"], PTB_FAULTS),
        **dict.fromkeys(["3,216", "3,487", "2,641", "3,391", "7,083"], TUNING),
        "8,228": "the November PTB run's words/s on the Intel host, from its log (its record keeps epoch seconds)",
        "8,700": "notebook 04's earlier full run on the Intel host (its output, since re-run)",
    },
    "docs/BENCHMARK.md": {
        "3.12": "a Python version",
        **dict.fromkeys(["39.6", "39.3"], "a development measurement on the loaded VM (its log)"),
        **dict.fromkeys(["33.6", "48.9", "42.9", "38.6", "34.1", "1.56"], SPEED_HISTORY),
        **dict.fromkeys(["51.6", "67.3"], "two noise runs on the same 2 cores (their logs)"),
        **dict.fromkeys(["5,000", "20,000"], SETTING),
        "1,115,394": "the size of tiny-shakespeare in characters, the post's corpus",
        "20,700": "the op count of one training step, counted once during development",
        **dict.fromkeys(["95.8", "132.7", "154.8", "45.6", "114.9", "180.6", "76.5", "203.6", "0.99"], LENT),
    },
    "docs/EQUATIONS.md": dict.fromkeys(["0.9", "1.0", "0.81"], KEEP),
    "notebooks/02_r2rt_rnns_in_tensorflow_ii.ipynb": {"1.397": STDLIB, "300,000": SETTING,
                                                      **dict.fromkeys(["0.9", "1.0", "0.81"], KEEP)},
}


def _flatten(x, path, out):
    if isinstance(x, dict):
        for k, v in x.items():
            _flatten(v, f"{path}/{k}", out)
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            _flatten(v, f"{path}/{i}", out)
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        out[path] = float(x)
    return out


def records():
    """``{path relative to the repository: record}`` for every record of every kind."""
    found = {}
    for pattern in ("docs/results/*.json", "docs/bench/*/benchmark.json", "docs/inspect/*/*.json",
                    "r2rt_rnn/pretrained/*/*.json"):
        for path in sorted(glob.glob(str(REPO / pattern))):
            found[str(Path(path).relative_to(REPO))] = json.loads(Path(path).read_text(encoding="utf-8"))
    for path in sorted(glob.glob(str(REPO / "docs/results/*.jsonl")) + glob.glob(str(REPO / "docs/bench/*/*.jsonl"))):
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        found[str(Path(path).relative_to(REPO))] = [json.loads(line) for line in lines if line.strip()]
    return found


def _derived_slides(res):
    """The slides' runs at full size: each held-out point's training loss (the mean of the 25 steps before it)."""
    text = res["slides_text"]["many_to_many"]
    runs = {"slides_text": text, **{f"slides_rates/{rate}": run for rate, run in res["slides_rates"]["runs"].items()}}
    out = {f"derived:{name}: mean training loss of the 25 steps before step {step}": statistics.mean(
        run["losses"][step - 25:step]) for name, run in runs.items() for step, _ in run["valid_losses"]}
    out["derived:slides_text: steps x characters per step"] = len(text["losses"]) * text["chars_per_step"]
    return out


def derived(recs):
    """Values computed from records: ``{"derived:<formula>": value}``."""
    res = {Path(p).stem: r for p, r in recs.items() if p.startswith("docs/results/") and p.endswith(".json")}
    out = {}
    for name, record in res.items():
        for model, run in record.items():
            if isinstance(run, dict) and run.get("epoch_seconds"):
                out[f"derived:{name}/{model}: median epoch seconds"] = statistics.median(run["epoch_seconds"])
                out[f"derived:{name}/{model}: sum of epoch seconds"] = sum(run["epoch_seconds"])
    for size, m in res["ptb_speed"]["models"].items():
        out[f"derived:ptb_speed/{size}: seconds per epoch / 60"] = m["seconds_per_epoch"] / 60
    cells, tuned = res["cell_comparison"], res["beyond_the_post"]["tuned"]
    out["derived:ln 65 (a uniform guess over tiny-shakespeare's 65 characters)"] = math.log(65)
    for model in ("GRU", "LN_LSTM"):
        out[f"derived:cell_comparison/{model} last validation - beyond_the_post best"] = (
            cells[model]["valid_losses"][-1] - tuned["best_valid_loss"])
    for normalised, plain in (("LN_LSTM", "LSTM"), ("LN_GRU", "GRU")):
        out[f"derived:cell_comparison: {normalised} median epoch seconds / {plain}'s"] = (
            statistics.median(cells[normalised]["epoch_seconds"]) / statistics.median(cells[plain]["epoch_seconds"]))
    out["derived:cell_comparison: the post's LN_LSTM seconds / its LSTM seconds"] = (
        cells["LN_LSTM"]["post"]["train_seconds"] / cells["LSTM"]["post"]["train_seconds"])
    out["derived:the goal 1.45 - beyond_the_post best"] = 1.45 - tuned["best_valid_loss"]
    for name, run in (("ptb_small", res["ptb_small"]), ("ptb_dropout keep 0.5", res["ptb_dropout"]["keep_prob 0.5"])):
        last = run["epochs"][-1]
        out[f"derived:{name} last validation - training perplexity"] = (last["valid_perplexity"]
                                                                        - last["train_perplexity"])
    out.update(_derived_slides(res))
    decay, small = res["ptb_dropout_decay"], res["ptb_small"]
    out["derived:ptb_dropout_decay last validation - ptb_small last validation"] = (
        small["epochs"][-1]["valid_perplexity"] - decay["epochs"][-1]["valid_perplexity"])
    out["derived:ptb_dropout_decay last validation - training perplexity"] = (
        decay["epochs"][-1]["valid_perplexity"] - decay["epochs"][-1]["train_perplexity"])
    out["derived:ptb_dropout_decay last validation gain"] = (
        decay["epochs"][-2]["valid_perplexity"] - decay["epochs"][-1]["valid_perplexity"])
    out["derived:200 / 30 (updates per epoch, 30 steps against 200)"] = 200 / 30
    return out


def fields(recs=None):
    """``{"record#/key/path" or "derived:...": value}``."""
    recs = records() if recs is None else recs
    out = {}
    for path, record in recs.items():
        out.update({f"{path}#{k}": v for k, v in _flatten(record, "", {}).items()})
    out.update(derived(recs))
    return out


def text_of(name):
    """The file's text; for a notebook, its Markdown cells only (code output is printed from values)."""
    text = (REPO / name).read_text(encoding="utf-8")
    if name.endswith(".ipynb"):
        return "\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "markdown")
    return text


def quoted(text):
    return NUMBER.findall(text)


def shows(written, value):
    """Does ``written`` (e.g. ``"1.858"``, ``"48,617"``) show ``value`` to its digits (either way at a half)?"""
    digits = len(written.split(".")[1]) if "." in written else 0
    return abs(float(written.replace(",", "")) - value) <= 0.5 * 10 ** -digits + 1e-9


def problems(name, bindings, values):
    """What is wrong with ``name``'s numbers: unbound, bound to a field that no longer holds them, or stale."""
    out = []
    bound, allowed = bindings.get(name, {}), NOT_RECORDED[name]
    shown = set(quoted(text_of(name)))
    for n in sorted(shown):
        if n in allowed:
            continue
        if n not in bound:
            out.append(f"{name}: {n} is bound to no record (scripts/quoted_numbers.py --write, or NOT_RECORDED)")
        elif bound[n] not in values:
            out.append(f"{name}: {n} is bound to {bound[n]}, which no record holds now")
        elif not shows(n, values[bound[n]]):
            out.append(f"{name}: {n} is bound to {bound[n]}, which now holds {values[bound[n]]:.6g}")
    out += [f"{name}: {n} is bound but no longer quoted" for n in sorted(set(bound) - shown)]
    out += [f"{name}: {n} is in NOT_RECORDED but no longer quoted" for n in sorted(set(allowed) - shown)]
    return out


def best_field(name, text, n, values):
    """The field a new binding of ``n`` names: a record named nearby first, then the file's kind of record."""
    matches = [k for k, v in values.items() if shows(n, v)]
    if not matches:
        return None
    before = text[max(0, text.find(n) - 2000):text.find(n)]
    prefer_bench = name == "docs/BENCHMARK.md"

    def rank(key):
        record = key.split("#")[0]
        named = Path(record).stem in before or Path(record).parent.name in before
        kind = record.startswith("docs/bench/") == prefer_bench
        return (not named, not kind, key.count("/"), key)

    return min(matches, key=rank)


def load_bindings():
    return json.loads(BINDINGS.read_text(encoding="utf-8")) if BINDINGS.exists() else {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="bind unbound numbers; drop bindings no longer quoted")
    args = parser.parse_args(argv)
    values, bindings = fields(), load_bindings()
    if args.write:
        for name in FILES:
            text, bound = text_of(name), bindings.setdefault(name, {})
            shown = set(quoted(text))
            for n in sorted(shown - set(bound) - set(NOT_RECORDED[name])):
                key = best_field(name, text, n, values)
                if key:
                    bound[n] = key
            bindings[name] = {n: bound[n] for n in sorted(bound) if n in shown}
        BINDINGS.write_text(json.dumps(bindings, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    found = [p for name in FILES for p in problems(name, bindings, values)]
    print("\n".join(found) or "every quoted number is bound to its record or marked as not ours")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
