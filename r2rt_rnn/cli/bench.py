"""The ``bench`` command: ``python -m r2rt_rnn bench [--quick] [--parts build,train,...] [--out DIR]``.

Reads the options into a :class:`~r2rt_rnn.bench.config.BenchConfig`, checks them, and
runs :func:`r2rt_rnn.bench.run.run_benchmark`, which checks the parts and the ``--out``
folder before any timing and writes ``benchmark.json``, ``.md`` and ``.png`` (and
``scaling.png`` with the scaling part) there.
"""
import sys

from ..bench.config import PARTS, BenchConfig
from ..bench.run import run_benchmark
from ..runtime import checks
from .common import flags

FLAGS = {"out": "--out", "parts": "--parts"}


def add_arguments(parser):
    parser.add_argument("--out", default="bench_out", help="directory for benchmark.json / .md / .png")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few steps (seconds; for tests)")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated subset of " + ",".join(PARTS))
    parser.add_argument("--repeats", type=int, default=None, help="graph builds per graph (median reported)")
    parser.add_argument("--steps", type=int, default=None, help="timed training steps per model (after warm-up)")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="time budget of the scaling part, in seconds; lengths predicted to overrun it are "
                             f"skipped, with a note (default {BenchConfig.scaling_max_s:.0f}, with --quick "
                             f"{BenchConfig.quick_config().scaling_max_s:.0f})")


def config(args):
    """The :class:`BenchConfig` the options ask for; R2RTError naming the flag of a value out of range."""
    cfg = BenchConfig.quick_config() if args.quick else BenchConfig()
    if args.repeats is not None:
        cfg.build_repeats = args.repeats
    if args.steps is not None:
        cfg.timed_steps = args.steps
    if args.max_seconds is not None:
        cfg.scaling_max_s = args.max_seconds
    checks.integer("--repeats", cfg.build_repeats, what="at least 1")
    checks.integer("--steps", cfg.timed_steps, what="at least 1")
    checks.real("--max-seconds", cfg.scaling_max_s, low_open=False, what="a number of seconds, 0 or more")
    return cfg


def main(args):
    cfg = config(args)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    command = "python -m r2rt_rnn bench " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] else None
    with flags(FLAGS):
        run_benchmark(args.out, parts, cfg, command=command)
    return 0
