"""The benchmark's report: ``benchmark.md`` (our figures beside the post's), the ``benchmark.png`` chart and,
for the scaling part, the ``scaling.png`` log-log curves (each chart a matplotlib Figure, which
:func:`png_bytes` renders)."""
import io

import numpy as np
from matplotlib.figure import Figure  # no pyplot: the chart must not switch an importer's backend
from matplotlib.ticker import FuncFormatter, NullFormatter, NullLocator

from .scaling import SINGLE_BUILD_S
from .training import GRAPH_LABELS


def _f(x, digits=2):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _ratio(x, digits=2):
    return "—" if x is None else f"{_f(x, digits)}x"


def _header(results):
    m, d, c = results["meta"], results["meta"]["device"], results["meta"]["config"]
    lines = [f"# r2rt_rnn benchmark — {d['type']}: {d['name']}", ""]
    if c["quick"]:
        lines += ["**Quick mode**: sizes scaled down (see config); projections are not comparable with the post.", ""]
    return lines + [
        f"- command: `{m['command']}`",
        f"- TensorFlow {d['tf_version']} (graph mode, tf.compat.v1), Python {d['python']}",
        f"- device: {d['type']} — {d['name']}; CPU {d['cpu_model']}, {d['cores_usable']} usable of "
        f"{d['cores_total']} cores; 1-min load average at start {_f(d.get('load_average_1m'))}",
        f"- session threads: intra_op {d['session']['intra_op_parallelism_threads']}, inter_op "
        f"{d['session']['inter_op_parallelism_threads']} ({d['session']['note']})",
        f"- sizes: batch {c['batch_size']}, state {c['state_size']}, {c['num_layers']} layers; "
        f"{c['timed_steps']} timed steps after {c['warmup_steps']} warm-up; builds: median of {c['build_repeats']}",
        "- The post's figures: a 2016 TensorFlow (0.x) on the author's unnamed machine.", "",
    ]


def _build_table(build):
    lines = ["## Graph build", "",
             "| graph | steps | build (s, ours) | build (s, post) | post / ours | first session.run (s) |",
             "|---|---|---|---|---|---|"]
    for r in build.values():
        lines.append(f"| {r['label']} | {r['num_steps']} | {_f(r['build_s'], 3)} | {r['post_build_s']} | "
                     f"{_ratio(r['post_over_ours'], 1)} | {_f(r['first_run_s'], 3)} |")
    return lines + [""]


def _training_table(title, first_column, rows, epochs, digits):
    lines = [f"## Training, {title} ({epochs} epochs of tiny-shakespeare)", "",
             f"| {first_column} | steps | ms/step | chars/s | s/epoch | {epochs} epochs (s, projected) | "
             f"{epochs} epochs (s, post) | post / ours |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['num_steps']} | {_f(r['step_s'] * 1e3, 1)} | {_f(r['chars_per_s'], 0)} | "
                     f"{_f(r['epoch_s'], 1)} | {_f(r['projected_s'], digits)} | {_f(r.get('post_s'), digits)} | "
                     f"{_ratio(r.get('post_over_ours'), 1)} |")
    return lines + [""]


def _generation_table(gen):
    lines = ["## Generation (3-layer GRU, state 100, top-5 sampling)", "",
             "| method | chars | seconds | chars/s | per-char rate (chars/s) |", "|---|---|---|---|---|"]
    for k in ("generate_characters", "sample_in_graph"):
        if k in gen:
            r = gen[k]
            per_char = r.get("loop_chars_per_s", r["marginal_chars_per_s"])
            lines.append(f"| {r['label']} | {r['chars']} | {_f(r['seconds'], 3)} | {_f(r['chars_per_s'], 0)} | "
                         f"{_f(per_char, 0)} |")
    if "in_graph_over_python" in gen:
        lines += ["", "Per character: generate_characters' marginal rate (two lengths, fixed costs cancel); "
                      "sample_in_graph's loop timed the same way in one session, its graph built once.", "",
                  f"sample_in_graph / generate_characters: {_f(gen['in_graph_over_python'], 1)}x end to end, "
                  f"{_f(gen['in_graph_over_python_marginal'], 1)}x per character."]
    return lines + [""]


def _peers_table(results):
    train, device = results["train"], results["meta"]["device"]["type"]
    fastest = results.get("ours_fastest_lstm", {})
    lines = ["## Peers: the same 3-layer LSTM (embedding 65->100, 3x LSTM(100), dense 65, Adam 1e-4)", "",
             f"Our fastest LSTM here: `{fastest.get('cell_type', '—')}` at "
             f"{_f(fastest.get('chars_per_s'), 0)} chars/s.", "",
             "| implementation | device | ms/step | chars/s | vs our LSTM | vs our fastest LSTM |",
             "|---|---|---|---|---|---|"]
    if "LSTM" in train:
        ours = train["LSTM"]
        vs_fastest = _ratio(ours["chars_per_s"] / fastest["chars_per_s"]) if fastest else "—"
        lines.append(f"| ours: build_graph(cell_type='LSTM') | {device} | {_f(ours['step_s'] * 1e3, 1)} | "
                     f"{_f(ours['chars_per_s'], 0)} | {_ratio(1.0)} | {vs_fastest} |")
    for k, r in results["peers"].items():
        if r.get("ok"):
            lines.append(f"| {r['label']} | {r.get('device', '')} | {_f(r['step_s'] * 1e3, 1)} | "
                         f"{_f(r['chars_per_s'], 0)} | {_f(r.get('ratio_to_our_lstm'), 2)}x | "
                         f"{_f(r.get('ratio_to_our_fastest_lstm'), 2)}x |")
        else:
            error = " ".join(str(r.get("error", "")).replace("|", "/").split())[-200:]
            lines.append(f"| {r.get('label', k)} | — | — | — | not run: {error} | |")
    return lines + [""]


def _targets_table(targets):
    lines = ["", "## Speed targets", "", "| ratio | this run | target | met |", "|---|---|---|---|"]
    for t in targets.values():
        lines.append(f"| {t['what']} | {_f(t['ratio'], 2)} | {t['target']} | {'yes' if t['met'] else 'no'} |")
    return lines


_MEMORY_METHODS = {
    "hwm_reset": "the rise of the process's resident memory over its level at the start of that measurement "
                 "(kernel high-water mark reset before each; freed heap returned first)",
    "lifetime_peak": "the rise of the process's lifetime peak (ru_maxrss); zero where an earlier measurement "
                     "went higher",
}


def _scaling_tables(results):
    scaling, c = results["scaling"], results["meta"]["config"]
    lines = ["## Scaling with num_steps (`scaling.png`)", "",
             f"Each graph style at num_steps {', '.join(map(str, scaling['lengths']))}, shortest first, within "
             f"a budget of {_f(scaling['max_seconds'], 0)} s (`--max-seconds`; this part took "
             f"{_f(scaling['total_s'], 0)} s). Build: median of {c['build_repeats']} fresh graphs (one where a "
             f"build is predicted to take over {_f(SINGLE_BUILD_S, 0)} s); later step: median of "
             f"{c['scaling_timed_steps']} training steps after the first, fed as the first. Growth exponent: the "
             "least-squares slope of log(figure) against log(num_steps) over the measured lengths (1: proportional "
             f"to the length; 0: independent of it). Peak memory: {_MEMORY_METHODS[scaling['memory_method']]}.", "",
             "| graph | lengths measured | exponent: build | build, CPU time | first session.run | later step | "
             "nodes | GraphDef |", "|---|---|---|---|---|---|---|---|"]
    for s in scaling["styles"].values():
        e = s["exponents"]
        lines.append(f"| {s['label']} | {len(s['points'])} | {_f(e['build_s'])} | {_f(e['build_cpu_s'])} | "
                     f"{_f(e['first_run_s'])} | {_f(e['step_s'])} | {_f(e['nodes'])} | {_f(e['graphdef_bytes'])} |")
    lines += ["", "| graph | steps | build (s) | builds | build, CPU (s) | first session.run (s) | "
                  "later step (ms) | nodes | GraphDef (MB) | peak memory (+MiB) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for s in scaling["styles"].values():
        rows = [(p["num_steps"], f"{_f(p['build_s'], 3)} | {len(p['builds_s'])} | {_f(p['build_cpu_s'], 3)} | "
                                 f"{_f(p['first_run_s'], 3)} | "
                                 f"{_f(p['step_s'] * 1e3, 1)} | {p['nodes']:,} | {_f(p['graphdef_bytes'] / 1e6, 2)} | "
                                 f"{_f(p['peak_memory_mib'], 0)}")
                for p in s["points"]]
        rows += [(k["num_steps"], k["note"] + " |" * 7) for k in s["skipped"]]
        lines += [f"| {s['label']} | {n} | {cells} |" for n, cells in sorted(rows)]
    return lines + [""]


def _plot_style(i, style, ax_build, ax_run):
    """One graph style's curves, in colour ``C{i}``: its measured points on both axes (the legend gives the growth
    exponent), the post's 200-step build time as a star, and its skipped lengths as crosses at the axes' foot."""
    steps = [p["num_steps"] for p in style["points"]]
    for ax, key in ((ax_build, "build_s"), (ax_run, "first_run_s")):
        e = style["exponents"][key]
        ax.plot(steps, [p[key] for p in style["points"]], "o-", color=f"C{i}",
                label=style["label"] + ("" if e is None else f" (slope {e:.2f})"))
    ax_build.plot([200], [style["post_build_s"]], "*", color=f"C{i}", markersize=15, markeredgecolor="black")
    skipped = [k["num_steps"] for k in style.get("skipped", [])]
    if skipped:  # crosses at the foot of the axes (x in data, y in axes units): lengths not measured
        for ax in (ax_build, ax_run):
            ax.plot(skipped, [0.03 + 0.035 * i] * len(skipped), "x", color=f"C{i}", markersize=8,
                    transform=ax.get_xaxis_transform(), clip_on=False)


def _legend_keys(scaling, ax_build, ax_run):
    """Legend entries for the markers no single style explains: the post's star and, where any length was
    skipped, the cross."""
    if any(s.get("skipped") for s in scaling["styles"].values()):
        for ax in (ax_build, ax_run):
            ax.plot([], [], "x", color="gray", label="x at the foot: length skipped, over the time budget")
    ax_build.plot([], [], "*", color="lightgray", markersize=15, markeredgecolor="black",
                  label="the post (2016), 200 steps")


def _log_log_axis(ax, ticks, title):
    """Log-log scales with plain numbers, the measured lengths as ticks, labels, grid and legend."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("num_steps (log)")
    ax.set_ylabel("seconds (log)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)


def draw_scaling(scaling, axes):
    """Draw build and first ``session.run`` seconds against num_steps (log-log) on two matplotlib ``axes``;
    the post's four 200-step build times are the stars, in their graphs' colours, and the lengths the time
    budget skipped are crosses at the foot of both axes, in the skipped graph's colour."""
    ax_build, ax_run = axes
    for i, style in enumerate(scaling["styles"].values()):
        _plot_style(i, style, ax_build, ax_run)
    _legend_keys(scaling, ax_build, ax_run)
    ticks = sorted(set(scaling["lengths"]) | {200})
    _log_log_axis(ax_build, ticks, "graph build")
    _log_log_axis(ax_run, ticks, "first session.run (init + first training step)")


def png_bytes(fig, dpi=90):
    """``fig`` rendered as a PNG file's bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def scaling_figure(results):
    """``scaling.png``: :func:`draw_scaling` for the run's scaling part, with the device in the title."""
    fig = Figure(figsize=(13, 4.8))
    draw_scaling(results["scaling"], fig.subplots(1, 2))
    d = results["meta"]["device"]
    fig.suptitle(f"Cost against sequence length ({d['type']}: {d['name'][:50]})")
    fig.tight_layout()
    return fig


def _training_tables(results):
    """The training part's two tables: the post's graph styles, then the cells (each only if measured)."""
    config, train = results["meta"]["config"], results["train"]
    graphs = {train[k]["label"]: train[k] for k in train if k in GRAPH_LABELS}
    cells = {k: v for k, v in train.items() if k not in GRAPH_LABELS}
    lines = []
    if graphs:
        lines += _training_table("post's graph styles", "graph", graphs, config["graph_epochs"], 1)
    if cells:
        lines += _training_table("cells", "cell", cells, config["cell_epochs"], 0)
    return lines


def _part_tables(results):
    """One table (or more) per part this run measured, in the order the benchmark runs them."""
    lines = _build_table(results["build"]) if results["build"] else []
    lines += _training_tables(results)
    if results["generate"]:
        lines += _generation_table(results["generate"])
    if results["peers"]:
        lines += _peers_table(results)
    if results.get("scaling"):
        lines += _scaling_tables(results)
    return lines


def markdown(results):
    """``benchmark.md``: the run's machine and sizes, then one table per part, our figures beside the post's."""
    lines = _header(results) + _part_tables(results)
    lines.append(f"Total benchmark time: {_f(results['meta'].get('total_s'), 1)} s.")
    if results.get("targets"):
        lines += _targets_table(results["targets"])
    return "\n".join(lines) + "\n"


def _draw_build_bars(ax, build):
    """Ours beside the post's build time for each graph style (log scale); nothing if no build was measured."""
    if build:
        names = list(build)
        xs = np.arange(len(names))
        ax.bar(xs - 0.2, [build[n]["build_s"] for n in names], 0.4, label="ours")
        ax.bar(xs + 0.2, [build[n]["post_build_s"] for n in names], 0.4, label="post (2016)")
        ax.set_xticks(xs, [n.replace("_", "\n") for n in names])
        ax.set_yscale("log")
        ax.set_ylabel("graph build (s, log)")
        ax.legend()
    ax.set_title("Graph build time")


def _draw_throughput_bars(ax, results):
    """Training chars/s: ours in blue, then the peers that ran in orange."""
    bars = {k: v["chars_per_s"] for k, v in results["train"].items()}
    bars.update({f"peer:{k}": v["chars_per_s"] for k, v in results["peers"].items() if v.get("ok")})
    if bars:
        colors = ["tab:orange" if k.startswith("peer:") else "tab:blue" for k in bars]
        ax.bar(range(len(bars)), list(bars.values()), color=colors)
        ax.set_xticks(range(len(bars)), list(bars), rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("training chars/s")
    d = results["meta"]["device"]
    ax.set_title(f"Training throughput ({d['type']}: {d['name'][:40]})")


def benchmark_figure(results):
    """``benchmark.png``: build times (ours and the post's, log scale) and training chars/s (ours and the peers')."""
    fig = Figure(figsize=(13, 4.8))
    ax1, ax2 = fig.subplots(1, 2)
    _draw_build_bars(ax1, results["build"])
    _draw_throughput_bars(ax2, results)
    fig.tight_layout()
    return fig
