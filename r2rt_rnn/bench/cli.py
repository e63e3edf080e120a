"""``python -m r2rt_rnn bench``: run the chosen parts and write ``benchmark.json``, ``.md`` and ``.png``."""
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from ..errors import R2RTError
from .config import PARTS, BenchConfig
from .generation import bench_generate
from .peers import bench_peers
from .report import markdown, plot
from .targets import speed_targets
from .timing import device_info, log
from .training import bench_cells, bench_graphs


def run_benchmark(out="bench_out", parts=PARTS, cfg=None, command=None):
    """Run the chosen ``parts`` and write ``benchmark.json``, ``benchmark.md`` and ``benchmark.png`` into ``out``.

    Returns the results dict (what ``benchmark.json`` holds).
    """
    cfg = cfg or BenchConfig()
    parts = tuple(parts)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise R2RTError(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results = {"meta": {"command": command or f"run_benchmark(parts={list(parts)})", "parts": list(parts),
                        "config": asdict(cfg), "device": device_info(),
                        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")},
               "build": {}, "train": {}, "generate": {}, "peers": {}}
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
    results["targets"] = speed_targets(results)
    results["meta"]["total_s"] = time.perf_counter() - t0
    (out / "benchmark.json").write_text(json.dumps(results, indent=1))
    (out / "benchmark.md").write_text(markdown(results))
    plot(results, out / "benchmark.png")
    log(f"bench  done in {results['meta']['total_s']:.1f} s: {out / 'benchmark.json'}, benchmark.md, benchmark.png")
    return results


def add_arguments(parser):
    parser.add_argument("--out", default="bench_out", help="directory for benchmark.json / .md / .png")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few steps (seconds; for tests)")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated subset of " + ",".join(PARTS))
    parser.add_argument("--repeats", type=int, default=None, help="graph builds per graph (median reported)")
    parser.add_argument("--steps", type=int, default=None, help="timed training steps per model (after warm-up)")


def main(args):
    cfg = BenchConfig.quick_config() if args.quick else BenchConfig()
    if args.repeats is not None:
        cfg.build_repeats = args.repeats
    if args.steps is not None:
        cfg.timed_steps = args.steps
    if cfg.build_repeats < 1 or cfg.timed_steps < 1:
        raise R2RTError("--repeats and --steps must be at least 1")
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    command = "python -m r2rt_rnn bench " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] else None
    run_benchmark(args.out, parts, cfg, command=command)
    return 0
