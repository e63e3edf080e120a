"""The ``inspect`` command: ``python -m r2rt_rnn inspect CHECKPOINT [--text FILE] [--out report.html] ...``.

Every input is checked before the tracing starts (the checkpoint, the passage's tokens,
the features, spans and units, that each output can be written), so a mistake costs a
second and one ``error:`` line, not a long run. The outputs are written only at the end,
each through a temporary file and a rename.
"""
import json
import math
import sys

from .. import checkpoint
from ..data import load_text
from ..errors import R2RTError
from .analysis import KEEP, inspect_passage
from .features import BUILT_IN, feature_names_and_patterns, parse_span
from .files import check_folder, check_writable, write_atomically
from .passage import default_text
from .trace import CHUNK, model_spec

DEFAULT_CHARS = 5000


def add_arguments(parser):
    parser.add_argument("checkpoint", help="checkpoint path given to `train --save` (or `ptb --save`)")
    parser.add_argument("--text", default=None, metavar="FILE",
                        help="UTF-8 passage to look at (default: the last tenth of tiny-shakespeare, which "
                             "`train` holds out; for a PTB model, ptb.valid.txt in $R2RT_PTB_DIR)")
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
                        help="also write PNG figures: units.png (the best unit per feature), predictions.png, "
                             "gates.png")
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


def _check_numbers(args):
    for flag, value in (("--chars", args.chars), ("--page-chars", args.page_chars), ("--chunk", args.chunk),
                        ("--top", args.top)):
        if value < 1:
            raise R2RTError(f"{flag} must be a whole number, 1 or more, got {value}")
    if not 0 < args.threshold < 1 or not math.isfinite(args.threshold):
        raise R2RTError(f"--threshold must be between 0 and 1 (activations lie in [-1, 1]), got {args.threshold}")


def main(args):
    _check_numbers(args)
    out = check_writable(args.out, "--out")
    json_path = check_writable(args.json, "--json") if args.json else None
    figures = check_folder(args.figures, "--figures") if args.figures else None
    feature_names_and_patterns(args.feature or [])  # a regular expression that does not compile fails here
    spans = [parse_span(s) for s in args.span]
    ckpt = checkpoint.load(args.checkpoint)  # a damaged checkpoint fails here, in one line
    spec = model_spec(ckpt)
    for unit in args.unit:
        spec.layout().parse(unit)
    text = load_text(args.text) if args.text else default_text(spec.level)
    found = inspect_passage(ckpt, text, features=args.feature, spans=spans, units=args.unit, unknown=args.unknown,
                            max_tokens=args.chars, keep=args.page_chars, chunk=args.chunk, top=args.top,
                            threshold=args.threshold)
    _print_summary(found)
    from .page import write_page  # the page and figures load only once the trace has succeeded

    write_page(found, out)
    print(f"page: {out} (open it in a browser; it needs nothing else)")
    if json_path:
        write_atomically(json_path, json.dumps(found.summary(), indent=1) + "\n", flag="--json")
        print(f"summary: {json_path}")
    if figures:
        for path in _write_figures(found, figures):
            print(f"figure: {path}")
    return 0


def _print_summary(found):
    s = found.summary()
    token = s["token"]
    loss = (f"mean loss {s['loss_nats']} nats = {s['bits_per_token']} bits per {token}" if s["loss_nats"] is not None
            else f"no next {token} to score")
    print(f"traced {s['tokens']:,} {token}(s) in {s['trace_seconds']:.1f} s ({s['tokens_per_second']:,.0f} {token}s/s, "
          f"peak memory {s['peak_rss_mib']:,.0f} MiB); {loss}")
    print(f"{'feature':24s} {'best unit':>9s} {'r':>7s} {'inside':>7s} {'outside':>7s}")
    for name, f in s["features"].items():
        best = f["best"]
        if best is None:
            print(f"{name[:24]:24s} {'-':>9s}   ({f['note']})")
        else:
            print(f"{name[:24]:24s} {best['unit']:>9s} {best['correlation']:+7.3f} {_pct(best['inside']):>7s} "
                  f"{_pct(best['outside']):>7s}")
    layers = s["gate_saturation"]["layers"]
    if layers:
        print("gate saturation, mean fraction of positions < 0.1 / > 0.9:")
        for layer, gates in layers.items():
            print(f"  layer {layer}: " + "  ".join(f"{g} {v['left']:.2f}/{v['right']:.2f}" for g, v in gates.items()))
    sys.stdout.flush()


def _pct(x):
    return "-" if x is None else f"{100 * x:.0f}%"


def _write_figures(found, folder):
    from .figures import gate_saturation_figure, predictions_figure, save_png, unit_figure

    shown = found.shown
    written = [save_png(predictions_figure(shown, 0, min(40, len(shown))), folder / "predictions.png"),
               save_png(gate_saturation_figure(found.gates), folder / "gates.png")]
    for name, ranked in found.rankings.items():
        if ranked:
            best = ranked[0]
            safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in name)[:40]
            written.append(save_png(unit_figure(shown, best.unit, 0, min(600, len(shown)),
                                                title=f"{name}: unit {best.unit}, r = {best.correlation:+.2f}"),
                                    folder / f"unit_{safe}.png"))
    for unit in found.units:
        written.append(save_png(unit_figure(shown, unit, 0, min(600, len(shown))),
                                folder / f"unit_{str(unit).replace(':', '_')}.png"))
    return written
