#!/usr/bin/env python
"""Rewrite the README's two ``inspect`` tables from ``docs/inspect/*/summary.json``.

The first table gives each model's best unit per tiny-shakespeare feature as ``unit r / chance``,
struck out where the unit does not clear its chance level (see r2rt_rnn/beyond/inspect/baseline.py);
the second, the rise of the loss (nats) where the feature is on / off when that unit is
clamped to its mean. Run it after regenerating a folder with ``inspect --json``:

    python scripts/inspect_tables.py            # rewrite the tables in README.md
    python scripts/inspect_tables.py --print    # only print them
"""
import argparse
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS = {"GRU, 20 epochs": "GRU_20_epochs", "LSTM, 20 epochs": "LSTM_20_epochs",
          "`beyond_the_post`": "beyond_the_post"}
FEATURES = ["line_position", "line_start", "in_word", "word_length", "upper_run", "speaker_line"]
# Each table follows the first line that ends with its lead-in, after a blank line.
LEAD_INS = ("and is not a finding (`summary.json` in each folder;", "in nats, where the feature is on / off:")


def signed(x, digits=2):
    return ("\u2212" if x < 0 else "+") + f"{abs(x):.{digits}f}"


def found_cell(summary, feature):
    best = summary["features"][feature]["best"]
    if best is None:
        return "-"
    if best.get("chance") is None:
        return f"`{best['unit']}` {signed(best['correlation'])} / no chance level yet"
    text = f"`{best['unit']}` {signed(best['correlation'])} / {best['chance']:.2f}"
    return text if best["finding"] else f"~~{text}~~"


def ablation_cell(summary, feature):
    best = summary["features"][feature]["best"]
    ablated = summary.get("ablations", {}).get(best["unit"]) if best else None
    if not ablated:
        return "not yet computed"
    x = ablated["by_feature"][feature]
    return (f"`{best['unit']}` {signed(x['loss_on_ablated'] - x['loss_on'], 3)} / "
            f"{signed(x['loss_off_ablated'] - x['loss_off'], 3)}")


def seconds(summary):
    extra = "".join(f" + {summary[k]:.0f} s" for k in ("baseline_seconds", "ablation_seconds") if k in summary)
    return f"{summary['trace_seconds']:.0f} s{extra}, {summary['peak_rss_mib']:.0f} MiB peak"


def tables(summaries):
    head = "| feature | " + " | ".join(summaries) + " |\n|---|" + "---|" * len(summaries) + "\n"
    found = head + "".join(f"| `{f}` | " + " | ".join(found_cell(s, f) for s in summaries.values()) + " |\n"
                           for f in FEATURES)
    found += ("| held-out loss, bits/char | " + " | ".join(f"{s['bits_per_token']:.2f}" for s in summaries.values())
              + " |\n| trace + chance + ablation, 100,000 characters | "
              + " | ".join(seconds(s) for s in summaries.values()) + " |\n")
    ablation = head + "".join(f"| `{f}` | " + " | ".join(ablation_cell(s, f) for s in summaries.values()) + " |\n"
                              for f in FEATURES)
    return found, ablation


def rewrite(readme, new_tables):
    text = readme.read_text(encoding="utf-8")
    for lead_in, table in zip(LEAD_INS, new_tables):
        start = text.index("| feature |", text.index(lead_in))
        end = text.index("\n\n", start)
        text = text[:start] + table.rstrip("\n") + text[end:]
    readme.write_text(text, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print the tables instead of rewriting README.md")
    args = parser.parse_args()
    summaries = {label: json.loads((REPO / "docs" / "inspect" / folder / "summary.json").read_text())
                 for label, folder in MODELS.items()}
    new_tables = tables(summaries)
    if args.print:
        print("\n".join(new_tables))
    else:
        rewrite(REPO / "README.md", new_tables)


if __name__ == "__main__":
    main()
