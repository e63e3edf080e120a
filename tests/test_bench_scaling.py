"""The benchmark's scaling part on the quick sizes: every style measured at every length, graphs that grow
(or do not) by exact node counts, and the growth fit; and through ``bench --parts scaling``, a budget that
skips lengths with a note, in the results, ``benchmark.md`` and ``scaling.png``.

tests/test_benchmark.py's quick run times the other parts."""
import json

import pytest

from conftest import REPO
from r2rt_rnn import cli as r2rt_cli
from r2rt_rnn.bench import scaling as scaling_module
from r2rt_rnn.bench.config import BenchConfig
from r2rt_rnn.bench.report import scaling_figure
from r2rt_rnn.bench.scaling import FITTED, SWEEP_STYLES, growth_exponent, plan, predict, sweep
from r2rt_rnn.bench.timing import median

pytestmark = pytest.mark.slow  # the scaling sweep builds and runs every graph style at three lengths


@pytest.fixture(scope="module")
def quick_sweep():
    cfg = BenchConfig.quick_config()
    lines = []  # the progress lines, through log= instead of standard output
    return cfg, sweep(cfg, max_seconds=3600, log=lines.append), lines  # a budget no quick sweep reaches


def nodes_by_length(result, name):
    return {p["num_steps"]: p["nodes"] for p in result["styles"][name]["points"]}


@pytest.mark.slow
def test_every_style_is_measured_at_every_length(quick_sweep):
    cfg, r, _ = quick_sweep
    assert list(r["styles"]) == list(SWEEP_STYLES)
    assert r["lengths"] == sorted(cfg.scaling_lengths) and r["memory_method"] in ("hwm_reset", "lifetime_peak")
    for s in r["styles"].values():
        assert [p["num_steps"] for p in s["points"]] == r["lengths"] and s["skipped"] == []
        for p in s["points"]:
            assert p["build_s"] == median(p["builds_s"]) and p["step_s"] == median(p["steps_s"])
            assert p["build_cpu_s"] == median(p["builds_cpu_s"]) and len(p["builds_cpu_s"]) == len(p["builds_s"])
            assert len(p["steps_s"]) == cfg.scaling_timed_steps
            for key in ("build_s", "build_cpu_s", "first_run_s", "step_s", "nodes", "graphdef_bytes",
                        "cost_s"):
                assert p[key] > 0, key
            assert p["first_run_s"] == pytest.approx(p["init_s"] + p["first_step_s"])
            assert p["peak_memory_mib"] >= 0
        assert set(s["exponents"]) == set(FITTED) and all(isinstance(e, float) for e in s["exponents"].values())
        assert s["post_build_s"] > 0


@pytest.mark.slow
def test_list_graphs_add_the_same_nodes_every_step(quick_sweep):
    _, r, _ = quick_sweep
    per_step = {}
    for name in ("list_basic_rnn", "list_lstm"):
        nodes = nodes_by_length(r, name)
        steps = sorted(nodes)
        increments = {(nodes[b] - nodes[a]) / (b - a) for a, b in zip(steps, steps[1:])}
        assert len(increments) == 1, (name, nodes)  # one copy of the cell (and its gradient) per step
        per_step[name] = increments.pop()
        assert per_step[name] > 0 and per_step[name] == int(per_step[name])
    layers = BenchConfig.quick_config().num_layers  # an LSTM cell per layer against one basic cell, each step
    assert per_step["list_lstm"] > layers * per_step["list_basic_rnn"]


@pytest.mark.slow
def test_loop_graphs_stay_the_same_size(quick_sweep):
    _, r, _ = quick_sweep
    for name in ("dynamic_lstm", "scan_lstm"):
        assert len(set(nodes_by_length(r, name).values())) == 1, nodes_by_length(r, name)
        assert r["styles"][name]["exponents"]["nodes"] == pytest.approx(0.0, abs=1e-9)
    # the list graphs' node counts, fitted the same way, grow
    assert r["styles"]["list_lstm"]["exponents"]["nodes"] > 0.5


@pytest.mark.slow
def test_progress_goes_to_log_one_line_per_measurement(quick_sweep, capsys):
    _, r, lines = quick_sweep
    measured = sum(len(s["points"]) for s in r["styles"].values())
    assert len(lines) == 1 + measured + len(r["styles"]) and all(line.startswith("scaling  ") for line in lines)
    assert capsys.readouterr().out == ""
    assert sweep(BenchConfig.quick_config(), lengths=[5], styles=("dynamic_lstm",), log=lambda line: None)["styles"]
    assert capsys.readouterr().out == ""  # a log that drops the lines: nothing printed


@pytest.mark.slow
def test_scaling_budget_skips_lengths_with_a_note(monkeypatch, tmp_path, capsys):
    """``bench --quick --parts scaling --max-seconds 0``: each style's shortest length runs, the rest are skipped
    with a note in the JSON and in benchmark.md's table, and scaling.png is drawn from the one point each.

    The sweep is the benchmark's own, with the budget from the command line, over the two cheapest styles
    (every style's every length is measured by the sweep above)."""
    cheap = ("list_basic_rnn", "list_lstm")

    monkeypatch.setattr(scaling_module, "sweep", lambda cfg, **kwargs: sweep(cfg, **kwargs, styles=cheap))
    out = tmp_path / "bench"
    assert r2rt_cli.main(["bench", "--quick", "--parts", "scaling", "--max-seconds", "0", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    r, md = json.loads((out / "benchmark.json").read_text()), (out / "benchmark.md").read_text()
    assert r["meta"]["parts"] == ["scaling"] and "## Scaling with num_steps" in md
    scaling = r["scaling"]
    assert list(scaling["styles"]) == list(cheap)
    shortest, *rest = scaling["lengths"]
    assert scaling["lengths"] == sorted(BenchConfig.quick_config().scaling_lengths)
    assert scaling["max_seconds"] == 0 and rest  # --max-seconds is the sweep's budget
    for s in scaling["styles"].values():
        assert [p["num_steps"] for p in s["points"]] == [shortest]  # the shortest length always runs
        assert [k["num_steps"] for k in s["skipped"]] == rest
        for k in s["skipped"]:
            assert k["note"].startswith("skipped: predicted") and "--max-seconds" in k["note"]
            assert k["predicted_s"] > 0 and f"| {s['label']} | {k['num_steps']} | {k['note']} |" in md
        assert all(e is None for e in s["exponents"].values())  # one length: no slope to fit
    for png in ("benchmark.png", "scaling.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_growth_exponent_is_the_log_log_slope():
    steps = [10, 20, 40, 80]
    assert growth_exponent(steps, [3.0 * n for n in steps]) == pytest.approx(1.0)
    assert growth_exponent(steps, [0.5] * 4) == pytest.approx(0.0, abs=1e-12)
    assert growth_exponent(steps, [n**2 for n in steps]) == pytest.approx(2.0)
    assert growth_exponent([10, 10], [1.0, 2.0]) is None  # one length: no slope
    assert growth_exponent([10, 20], [1.0, None]) is None


def test_prediction_is_between_linear_and_quadratic():
    assert predict([], 800, "cost_s") == 0.0  # nothing measured: the shortest length always runs
    one = [{"num_steps": 10, "cost_s": 2.0}]
    assert predict(one, 40, "cost_s") == pytest.approx(8.0)  # one length: taken as linear
    flat = one + [{"num_steps": 20, "cost_s": 2.0}]
    assert predict(flat, 40, "cost_s") == pytest.approx(4.0)  # at least linear, so never under-predicted
    steep = one + [{"num_steps": 20, "cost_s": 16.0}]
    assert predict(steep, 40, "cost_s") == pytest.approx(64.0)  # at most quadratic
    # the slope comes from every length, so one noisy length moves it less
    noisy = [{"num_steps": n, "cost_s": c} for n, c in ((10, 1.0), (20, 2.0), (40, 4.0), (80, 16.0))]
    assert predict(noisy, 160, "cost_s") == pytest.approx(16.0 * 2 ** growth_exponent([10, 20, 40, 80], [1, 2, 4, 16]))


def test_plan_builds_once_when_a_build_is_long():
    cfg = BenchConfig(build_repeats=3)
    short = [{"num_steps": 10, "build_s": 1.0, "builds_s": [1.0] * 3, "cost_s": 5.0}]
    assert plan(short, 20, cfg) == (3, pytest.approx(3 * 2.0 + 4.0))  # 3 builds + (5 - 3) s of the rest, doubled
    long = [{"num_steps": 10, "build_s": 3.0, "builds_s": [3.0], "cost_s": 4.0}]
    assert plan(long, 20, cfg) == (1, pytest.approx(6.0 + 2.0))


def test_the_scaling_figure_marks_every_skipped_length():
    """A line that stops early says why: each skipped length is a cross, in its style's colour, on both panels."""
    results = json.loads((REPO / "docs" / "bench" / "cpu_scaling_600" / "benchmark.json").read_text())
    skipped = {s["label"]: [k["num_steps"] for k in s["skipped"]] for s in results["scaling"]["styles"].values()}
    assert skipped["list-unrolled 3-layer LSTM"] == [400, 800]
    fig = scaling_figure(results)
    for ax in fig.axes:
        crosses = [line for line in ax.get_lines() if line.get_marker() == "x" and len(line.get_xdata())]
        assert sorted(x for line in crosses for x in line.get_xdata()) == sorted(n for v in skipped.values() for n in v)
        assert any("skipped" in t.get_text() for t in ax.get_legend().get_texts())
