"""Running the benchmark: the chosen parts, then ``benchmark.json``, ``benchmark.md``, ``benchmark.png``
(and ``scaling.png`` with the scaling part) in one folder, each file whole or not at all."""
import json
import os
import time
from dataclasses import asdict

from ..runtime.errors import R2RTError
from ..runtime.files import check_writable_folder, write_file
from .config import PARTS, BenchConfig
from .generation import bench_generate
from .peers import bench_peers
from .report import benchmark_figure, markdown, png_bytes, scaling_figure
from .scaling import bench_scaling
from .targets import speed_targets
from .timing import device_info, log
from .training import bench_cells, bench_graphs


def check_parts(parts):
    """``parts`` as a tuple, or an R2RTError naming the valid ones when it is empty or names another."""
    parts = tuple(parts)
    if not parts:
        raise R2RTError(f"parts names no part; choose one or more of {', '.join(PARTS)}", params=("parts",))
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise R2RTError(f"parts names unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}",
                        params=("parts",))
    return parts


def run_benchmark(out="bench_out", parts=PARTS, cfg=None, command=None):
    """Run the chosen ``parts`` and write ``benchmark.json``, ``benchmark.md`` and ``benchmark.png`` into folder
    ``out`` (and ``scaling.png`` when the scaling part runs); returns the results dict (what the JSON holds).

    The parts and the folder are checked before any timing (errors name ``parts`` and ``out``).
    """
    cfg = cfg or BenchConfig()
    # GPU memory taken as needed, not all at once, by every session of this process (generate_characters' and the
    # in-graph sampler's too): ours and the peers' processes share one GPU. TensorFlow reads it at its first GPU
    # session, so a benchmark run is where it is set, not the package's import.
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    parts = check_parts(parts)
    out = check_writable_folder(out, "out")  # before any timing: an unwritable folder would show only at the end
    t0 = time.perf_counter()
    results = _new_results(parts, cfg, command)
    _run_parts(cfg, parts, results)
    results["targets"] = speed_targets(results)
    results["meta"]["total_s"] = time.perf_counter() - t0
    written = write_reports(results, out)
    log(f"bench  done in {results['meta']['total_s']:.1f} s: {', '.join(str(p) for p in written)}")
    return results


def _new_results(parts, cfg, command):
    """The results dict before any part runs: the run's command, parts, config and device (logged), and an empty
    entry for each part's figures."""
    results = {"meta": {"command": command or f"run_benchmark(parts={list(parts)})", "parts": list(parts),
                        "config": asdict(cfg), "device": device_info(),
                        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")},
               "build": {}, "train": {}, "generate": {}, "peers": {}, "scaling": {}}
    d = results["meta"]["device"]
    log(f"bench  {d['type']}: {d['name']} | TF {d['tf_version']} | {d['cores_usable']} cores | "
        f"session threads intra/inter = 0/0 (TF default) | parts: {','.join(parts)}")
    return results


def _run_parts(cfg, parts, results):
    """Run the chosen ``parts`` in the benchmark's order, each adding its figures to ``results``."""
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


def write_reports(results, out):
    """Write the run's files into folder ``out`` (each whole or not at all; errors name ``out``); returns their paths.

    The charts are rendered before anything is written, so a full disk is the only way a write can fail.
    """
    files = {"benchmark.json": json.dumps(results, indent=1), "benchmark.md": markdown(results),
             "benchmark.png": png_bytes(benchmark_figure(results))}
    if results["scaling"]:
        files["scaling.png"] = png_bytes(scaling_figure(results))
    return [write_file(out / name, data, "out") for name, data in files.items()]
