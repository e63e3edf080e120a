"""``python -m r2rt_rnn bench``: run the chosen parts and write ``benchmark.json``, ``.md`` and ``.png``
(and ``scaling.png`` with the scaling part)."""
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from ..checkpoint import check_writable_folder
from ..errors import R2RTError
from .config import PARTS, BenchConfig
from .generation import bench_generate
from .peers import bench_peers
from .report import markdown, plot, plot_scaling
from .scaling import bench_scaling
from .targets import speed_targets
from .timing import device_info, log
from .training import bench_cells, bench_graphs


def run_benchmark(out="bench_out", parts=PARTS, cfg=None, command=None):
    """Run the chosen ``parts`` and write ``benchmark.json``, ``benchmark.md`` and ``benchmark.png`` into ``out``
    (and ``scaling.png`` when the scaling part runs).

    Returns the results dict (what ``benchmark.json`` holds).
    """
    cfg = cfg or BenchConfig()
    parts = tuple(parts)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise R2RTError(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    out = Path(out)
    # Before any timing: a folder we cannot write would otherwise be found only minutes later.
    check_writable_folder(out, "choose another --out folder")
    t0 = time.perf_counter()
    results = {"meta": {"command": command or f"run_benchmark(parts={list(parts)})", "parts": list(parts),
                        "config": asdict(cfg), "device": device_info(),
                        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")},
               "build": {}, "train": {}, "generate": {}, "peers": {}, "scaling": {}}
    d = results["meta"]["device"]
    log(f"bench  {d['type']}: {d['name']} | TF {d['tf_version']} | {d['cores_usable']} cores | "
        f"session threads intra/inter = 0/0 (TF default) | parts: {','.join(parts)}")
    if "build" in parts or "train" in parts:
        bench_graphs(cfg, parts, results)
    if "train" in parts or "peers" in parts:
        bench_cells(cfg, results)  # the peers' ratios need our LSTM's figure
    if "generate" in parts:
        bench_generate(cfg, results)
    if "peers" in parts:
        bench_peers(cfg, results)
    if "scaling" in parts:
        bench_scaling(cfg, results)
    results["targets"] = speed_targets(results)
    results["meta"]["total_s"] = time.perf_counter() - t0
    (out / "benchmark.json").write_text(json.dumps(results, indent=1))
    (out / "benchmark.md").write_text(markdown(results))
    plot(results, out / "benchmark.png")
    written = "benchmark.md, benchmark.png"
    if results["scaling"]:
        plot_scaling(results, out / "scaling.png")
        written += ", scaling.png"
    log(f"bench  done in {results['meta']['total_s']:.1f} s: {out / 'benchmark.json'}, {written}")
    return results


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


def main(args):
    cfg = BenchConfig.quick_config() if args.quick else BenchConfig()
    if args.repeats is not None:
        cfg.build_repeats = args.repeats
    if args.steps is not None:
        cfg.timed_steps = args.steps
    if args.max_seconds is not None:
        cfg.scaling_max_s = args.max_seconds
    if cfg.build_repeats < 1 or cfg.timed_steps < 1:
        raise R2RTError("--repeats and --steps must be at least 1")
    if not 0 <= cfg.scaling_max_s < float("inf"):
        raise R2RTError(f"--max-seconds must be a number of seconds, 0 or more; got {args.max_seconds}")
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    command = "python -m r2rt_rnn bench " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] else None
    run_benchmark(args.out, parts, cfg, command=command)
    return 0
