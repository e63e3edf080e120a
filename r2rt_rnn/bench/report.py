"""The benchmark's report: ``benchmark.md`` (our figures beside the post's) and the ``benchmark.png`` chart."""
import numpy as np
from matplotlib.figure import Figure  # no pyplot: the chart must not switch an importer's backend

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


def markdown(results):
    """``benchmark.md``: the run's machine and sizes, then one table per part, our figures beside the post's."""
    config, train = results["meta"]["config"], results["train"]
    lines = _header(results)
    if results["build"]:
        lines += _build_table(results["build"])
    graphs = {train[k]["label"]: train[k] for k in train if k in GRAPH_LABELS}
    cells = {k: v for k, v in train.items() if k not in GRAPH_LABELS}
    if graphs:
        lines += _training_table("post's graph styles", "graph", graphs, config["graph_epochs"], 1)
    if cells:
        lines += _training_table("cells", "cell", cells, config["cell_epochs"], 0)
    if results["generate"]:
        lines += _generation_table(results["generate"])
    if results["peers"]:
        lines += _peers_table(results)
    lines.append(f"Total benchmark time: {_f(results['meta'].get('total_s'), 1)} s.")
    if results.get("targets"):
        lines += _targets_table(results["targets"])
    return "\n".join(lines) + "\n"


def plot(results, path):
    """``benchmark.png``: build times (ours and the post's, log scale) and training chars/s (ours and the peers')."""
    fig = Figure(figsize=(13, 4.8))
    ax1, ax2 = fig.subplots(1, 2)
    build = results["build"]
    if build:
        names = list(build)
        xs = np.arange(len(names))
        ax1.bar(xs - 0.2, [build[n]["build_s"] for n in names], 0.4, label="ours")
        ax1.bar(xs + 0.2, [build[n]["post_build_s"] for n in names], 0.4, label="post (2016)")
        ax1.set_xticks(xs, [n.replace("_", "\n") for n in names])
        ax1.set_yscale("log")
        ax1.set_ylabel("graph build (s, log)")
        ax1.legend()
    ax1.set_title("Graph build time")
    bars = {k: v["chars_per_s"] for k, v in results["train"].items()}
    bars.update({f"peer:{k}": v["chars_per_s"] for k, v in results["peers"].items() if v.get("ok")})
    if bars:
        colors = ["tab:orange" if k.startswith("peer:") else "tab:blue" for k in bars]
        ax2.bar(range(len(bars)), list(bars.values()), color=colors)
        ax2.set_xticks(range(len(bars)), list(bars), rotation=45, ha="right", fontsize=8)
        ax2.set_ylabel("training chars/s")
    d = results["meta"]["device"]
    ax2.set_title(f"Training throughput ({d['type']}: {d['name'][:40]})")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
