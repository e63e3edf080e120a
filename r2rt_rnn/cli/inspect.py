"""The ``inspect`` command: ``python -m r2rt_rnn inspect CHECKPOINT [--text FILE] [--out report.html] ...``.

Every input is checked before the tracing starts (the numbers, the features, spans and
units, the checkpoint, and that each output can be written without replacing one of
the run's inputs, another output or a checkpoint's file, and replaces an existing
file only with ``--overwrite``: :func:`r2rt_rnn.runtime.files.check_output`), so a
mistake costs a second and one ``error:`` line, not a long run. The passage is read
only as far as it is traced. The outputs are written at the end, each whole or not at
all (:func:`r2rt_rnn.runtime.files.write_file`), and a Ctrl-C is honoured between figures.
"""
import json
import re

from .. import pretrained
from ..beyond.inspect.ablation import MODES
from ..beyond.inspect.analysis import KEEP, inspect_passage
from ..beyond.inspect.baseline import DEFAULT_SEEDS, MARGIN
from ..beyond.inspect.features import BUILT_IN, feature_names, feature_names_and_patterns, parse_span
from ..beyond.inspect.passage import UnknownTokens, default_source, default_text, read_passage
from ..beyond.inspect.trace import CHUNK, model_spec
from ..runtime import checkpoint, checks, interrupts
from ..runtime.errors import R2RTError
from ..runtime.files import check_output, check_writable_folder, write_file
from .common import flags

DEFAULT_CHARS = 5000
# The library's parameter names, as this command's flags.
FLAGS = {"out": "--out", "json": "--json", "figures": "--figures", "overwrite": "--overwrite", "text": "--text",
         "feature": "--feature", "span": "--span", "unit": "--unit", "max_tokens": "--chars", "keep": "--page-chars",
         "chunk": "--chunk", "unknown": "--unknown", "baseline_seeds": "--baseline-seeds", "ablate": "--ablate",
         "ablation": "--ablation"}
UNKNOWN_REMEDIES = {"skip": "--skip-unknown", "unk": "--unknown unk"}
# Option values that start with "-" and a digit, such as "--span -5:10", are values, not options (argparse's own
# rule covers only plain numbers); the span is then refused for lying outside the passage.
NEGATIVE_VALUE = re.compile(r"^-\d+(:-?\d+)?$|^-\d*\.\d+$")


def add_arguments(parser):
    parser._negative_number_matcher = NEGATIVE_VALUE
    parser.add_argument("checkpoint", help="checkpoint path given to `train --save` (or `ptb --save`), or the name "
                        f"of a model shipped with r2rt_rnn: {', '.join(pretrained.names())}")
    parser.add_argument("--text", default=None, metavar="FILE",
                        help="UTF-8 passage to look at, read only as far as it is traced (default: the last tenth "
                             "of tiny-shakespeare, which `train` holds out; for a PTB model, ptb.valid.txt in "
                             "$R2RT_PTB_DIR)")
    parser.add_argument("--chars", type=int, default=DEFAULT_CHARS, metavar="N",
                        help="trace the first N tokens of the passage (characters; words for a PTB model)")
    parser.add_argument("--feature", action="append", default=None, metavar="NAME|REGEX",
                        help=f"find the units that follow this feature: a built-in ({', '.join(BUILT_IN)}) or a "
                             "regular expression (1 on the tokens a match covers); repeat for more "
                             "(default: every built-in)")
    parser.add_argument("--span", action="append", default=[], metavar="START:END",
                        help="a stretch of the passage you mark (token positions START to END-1): find the "
                             "units that are on there and off elsewhere; repeat for more")
    parser.add_argument("--unit", action="append", default=[], metavar="LAYER:INDEX",
                        help="a unit to colour the page by first, layers from 0 next to the input "
                             "(LAYER:INDEX:h for an LSTM's output h; LAYER:INDEX is its cell c); repeat for more")
    parser.add_argument("--out", default="inspect.html", metavar="FILE", help="the HTML page to write")
    parser.add_argument("--json", default=None, metavar="FILE",
                        help="also write a summary: the best unit and its correlation per feature, gate "
                             "saturation per layer, loss, and the seconds and peak memory of the trace")
    parser.add_argument("--figures", default=None, metavar="DIR",
                        help="also write PNG figures into DIR: predictions.png, gates.png, unit_FEATURE.png (the "
                             "best unit of each feature) and unit_LAYER_INDEX.png (each --unit)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace --out, --json and figures that exist (default: refuse); never one of the "
                             "run's inputs or a checkpoint's file")
    unknown = parser.add_mutually_exclusive_group()
    unknown.add_argument("--skip-unknown", dest="unknown", action="store_const", const="skip", default="error",
                         help="leave out tokens the model never saw (default: refuse the passage, naming them)")
    unknown.add_argument("--unknown", dest="unknown", choices=["error", "skip", "unk"],
                         help="tokens the model never saw: refuse, leave out, or (word models) read as <unk>")
    parser.add_argument("--page-chars", type=int, default=KEEP, metavar="N",
                        help="show at most the first N tokens on the page and figures (statistics use all)")
    parser.add_argument("--chunk", type=int, default=CHUNK, metavar="N", help="tokens per session.run")
    parser.add_argument("--threshold", type=float, default=0.5,
                        help="a unit is 'on' beyond this activation (for the inside/outside fractions)")
    parser.add_argument("--top", type=int, default=5, metavar="N", help="units listed per feature")
    parser.add_argument("--baseline-seeds", type=int, default=DEFAULT_SEEDS, metavar="N",
                        help="trace N untrained copies of the model (seeds 1 to N) over the same passage; a "
                             f"feature's chance level is their best |r|, and a unit is a finding only above it by "
                             f"{MARGIN}; 0 = no baseline")
    parser.add_argument("--ablate", action="append", default=[], metavar="LAYER:INDEX",
                        help="also clamp this unit during a second trace and report the loss where its feature is "
                             "on and off (each feature's best unit is ablated anyway); repeat for more")
    parser.add_argument("--ablation", default="mean", metavar="MODE",
                        help=f"what an ablated unit is clamped to: {' or '.join(MODES)} (its mean over the passage, "
                             "or 0), or off (no ablation)")


def _check_numbers(args):
    for flag, value in (("--chars", args.chars), ("--page-chars", args.page_chars), ("--chunk", args.chunk),
                        ("--top", args.top)):
        checks.integer(flag, value, what="a whole number, 1 or more")
    if args.ablation not in (*MODES, "off"):
        raise R2RTError(f"--ablation {args.ablation!r} is not a mode; choose {', '.join(MODES)} or off")
    checks.real("--threshold", args.threshold, 0.0, 1.0, high_open=True,
                what="between 0 and 1 (activations lie in [-1, 1])")


def main(args):
    with flags(FLAGS):
        try:
            return _inspect(args)
        except UnknownTokens as exc:
            raise exc.spelled(UNKNOWN_REMEDIES) from None


def _inspect(args):
    _check_numbers(args)
    feature_names_and_patterns(args.feature or [])  # a regular expression that does not compile fails here
    spans = [parse_span(s) for s in args.span]
    ckpt = checkpoint.load(args.checkpoint)  # a damaged checkpoint fails here, in one line
    spec = model_spec(ckpt)
    units = [spec.layout().parse(u) for u in args.unit]
    for unit in args.ablate:
        with flags({"unit": "--ablate"}):
            spec.layout().parse(unit)
    source = args.text or default_source(spec.level)
    outputs = _check_outputs(args, ckpt, source, feature_names(args.feature, spans), units)
    token = "word" if spec.level == "word" else "character"
    print(f"inspecting {ckpt.path}: up to {args.chars:,} {token}s of {args.text or 'the held-out passage'}",
          flush=True)
    if args.text:
        counted = getattr(ckpt.vocab, "vocab_to_idx", None) if args.unknown == "skip" else None
        text = read_passage(args.text, spec.level, args.chars, counted)
    else:
        text = default_text(spec.level)
    found = inspect_passage(ckpt, text, features=args.feature, spans=spans, units=args.unit, unknown=args.unknown,
                            max_tokens=args.chars, keep=args.page_chars, chunk=args.chunk, top=args.top,
                            threshold=args.threshold, baseline_seeds=args.baseline_seeds, ablate=args.ablate,
                            ablation=args.ablation)
    _print_summary(found)
    _write(found, *outputs)
    return 0


def _check_outputs(args, ckpt, source, features, units):
    """``(page, summary or None, {figure path: (kind, what)})``, each checked: none may replace an input or another."""
    inputs, overwrite = [*checkpoint.files(ckpt.path), source], args.overwrite
    out = check_output(args.out, "out", inputs, overwrite=overwrite)
    summary = check_output(args.json, "json", inputs, [("out", out)], overwrite) if args.json else None
    figures = {}
    if args.figures:
        from ..beyond.inspect.figures import figure_names  # matplotlib, only for figures

        folder = check_writable_folder(args.figures, "figures")
        for name, what in figure_names(features, units).items():
            path = check_output(folder / name, "figures", inputs, [("out", out), ("json", summary)], overwrite)
            figures[path] = what
    return out, summary, figures


def _print_summary(found):
    s = found.summary()
    token = s["token"]
    loss = (f"mean loss {s['loss_nats']} nats = {s['bits_per_token']} bits per {token}" if s["loss_nats"] is not None
            else f"no next {token} to score")
    lines = [f"traced {s['tokens']:,} {token}(s) in {s['trace_seconds']:.1f} s ({s['tokens_per_second']:,.0f} "
             f"{token}s/s, peak memory {s['peak_rss_mib']:,.0f} MiB); {loss}"]
    if found.baselines:
        seeds = next(iter(found.baselines.values()))["seeds"]
        lines.append(f"chance: the best |r| of {seeds} untrained copies ({s['baseline_seconds']:.1f} s); a finding "
                     f"clears it by {MARGIN}")
    lines.append(f"{'feature':24s} {'best unit':>9s} {'r':>7s} {'chance':>7s} {'finding':>8s} {'inside':>7s} "
                 f"{'outside':>7s}")
    for name, f in s["features"].items():
        best = f["best"]
        if best is None:
            lines.append(f"{name[:24]:24s} {'-':>9s}   ({f['note']})")
        else:
            chance = "-" if best.get("chance") is None else f"{best['chance']:.3f}"
            finding = {True: "yes", False: "no", None: "-"}[best.get("finding")]
            lines.append(f"{name[:24]:24s} {best['unit']:>9s} {best['correlation']:+7.3f} {chance:>7s} {finding:>8s} "
                         f"{_pct(best['inside']):>7s} {_pct(best['outside']):>7s}")
    lines += _ablation_lines(found.ablations, s["ablation_seconds"])
    layers = s["gate_saturation"]["layers"]
    if layers:
        lines.append("gate saturation, mean fraction of positions < 0.1 / > 0.9:")
        lines += [f"  layer {layer}: " + "  ".join(f"{g} {v['left']:.2f}/{v['right']:.2f}" for g, v in gates.items())
                  for layer, gates in layers.items()]
    print("\n".join(lines), flush=True)


def _ablation_lines(ablations, seconds):
    if not ablations:
        return []
    mode = next(iter(ablations.values()))["mode"]
    value = "its mean over the passage" if mode == "mean" else "zero"
    lines = [f"ablation (each unit clamped to {value}; {seconds:.1f} s): next-token loss in nats where the feature "
             "is on / off, as traced -> ablated"]
    for unit, a in ablations.items():
        lines.append(f"  {unit:>9s} ({a['feature'][:20]}): on {_nats(a['loss_on'])} -> {_nats(a['loss_on_ablated'])}"
                     f", off {_nats(a['loss_off'])} -> {_nats(a['loss_off_ablated'])}")
    return lines


def _nats(x):
    return "-" if x is None else f"{x:.3f}"


def _pct(x):
    return "-" if x is None else f"{100 * x:.0f}%"


def _write(found, out, summary, figures):
    """The page, the summary and the figures, each whole or not at all; a Ctrl-C is honoured between figures."""
    from ..beyond.inspect.figures import (  # matplotlib loads only once the trace has succeeded
        inspection_figure,
        png_bytes,
    )
    from ..beyond.inspect.page import page_html

    write_file(out, page_html(found), "out")
    print(f"page: {out} (open it in a browser; it needs nothing else)", flush=True)
    if summary:
        write_file(summary, json.dumps(found.summary(), indent=1) + "\n", "json")
        print(f"summary: {summary}", flush=True)
    for path, (kind, what) in figures.items():
        interrupts.check()
        fig = inspection_figure(found, kind, what)
        if fig is not None:
            write_file(path, png_bytes(fig), "figures")
            print(f"figure: {path}", flush=True)
