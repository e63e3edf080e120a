"""The benchmark in quick mode: every figure is measured, positive, and written as JSON, Markdown and PNG."""
import argparse
import ast
import importlib.util
import json
import os
import py_compile
from pathlib import Path

import pytest

import r2rt_rnn
from conftest import run_cli
from r2rt_rnn import cli as r2rt_cli
from r2rt_rnn.bench import cli, peer_scripts
from r2rt_rnn.bench.config import PARTS, BenchConfig
from r2rt_rnn.bench.targets import TARGETS
from r2rt_rnn.bench.training import cell_types
from r2rt_rnn.errors import R2RTError


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    # --max-seconds 0: the scaling part measures each style's shortest length and notes the rest as skipped
    # (the full quick sweep is tests/test_bench_scaling.py's)
    assert cli.main(parser.parse_args(["--quick", "--max-seconds", "0", "--out", str(out)])) == 0
    return out, json.loads((out / "benchmark.json").read_text())


def positive(*xs):
    return all(isinstance(x, (int, float)) and x > 0 for x in xs)


def test_device_is_named(quick_run):
    _, r = quick_run
    d = r["meta"]["device"]
    assert d["type"] in ("CPU", "GPU") and d["name"] and d["tf_version"]
    assert d["cores_usable"] >= 1 and "intra_op_parallelism_threads" in d["session"]


def test_build_figures(quick_run):
    _, r = quick_run
    assert set(r["build"]) == {"list_basic_rnn", "list_lstm", "dynamic_lstm", "scan_lstm"}
    for fig in r["build"].values():
        assert len(fig["builds_s"]) >= 2
        assert positive(fig["build_s"], fig["first_run_s"], fig["post_build_s"], fig["post_over_ours"])


def test_training_figures(quick_run):
    _, r = quick_run
    expected = {"list_lstm", "dynamic_lstm", "scan_lstm"} | set(cell_types())
    assert expected <= set(r["train"]) and {"GRU", "LSTM", "LN_LSTM", "Custom"} <= expected
    for fig in r["train"].values():
        assert positive(fig["step_s"], fig["chars_per_s"], fig["batches_per_epoch"], fig["epoch_s"],
                        fig["projected_s"])
        assert fig["chars_per_s"] == pytest.approx(fig["batch_size"] * fig["num_steps"] / fig["step_s"])
    for name in ("list_lstm", "dynamic_lstm", "scan_lstm", "GRU", "LSTM", "LN_LSTM"):
        assert positive(r["train"][name]["post_s"], r["train"][name]["post_over_ours"])


def test_generation_figures(quick_run):
    _, r = quick_run
    gen = r["generate"]
    assert positive(gen["generate_characters"]["chars_per_s"], gen["sample_in_graph"]["chars_per_s"],
                    gen["sample_in_graph"]["loop_chars_per_s"], gen["in_graph_over_python"],
                    gen["in_graph_over_python_marginal"])
    assert gen["in_graph_over_python_marginal"] == pytest.approx(
        gen["sample_in_graph"]["loop_chars_per_s"] / gen["generate_characters"]["marginal_chars_per_s"])


def test_speed_targets_are_reported(quick_run):
    out, r = quick_run
    expected = set(TARGETS)  # quick mode measures every ratio; PyTorch's only where it is installed
    if importlib.util.find_spec("torch") is None:
        expected.discard("fastest_lstm_over_torch")
    assert set(r["targets"]) == expected
    for t in r["targets"].values():
        assert positive(t["ratio"]) and isinstance(t["met"], bool)
    assert "## Speed targets" in (out / "benchmark.md").read_text()


def test_peer_figures(quick_run):
    _, r = quick_run
    keras = r["peers"]["keras3"]
    assert keras["ok"], keras.get("error")
    assert keras["backend"] == "tensorflow" and keras["version"].startswith("3.")
    assert positive(keras["chars_per_s"], keras["ratio_to_our_lstm"], keras["ratio_to_our_fastest_lstm"])
    if importlib.util.find_spec("torch") is not None:
        assert r["peers"]["torch"]["ok"], r["peers"]["torch"].get("error")
        assert positive(r["peers"]["torch"]["chars_per_s"], r["peers"]["torch"]["ratio_to_our_lstm"])
    else:
        assert r["peers"]["torch"]["skipped"]


def test_report_files(quick_run):
    out, r = quick_run
    md = (out / "benchmark.md").read_text()
    assert r["meta"]["device"]["name"] in md
    for heading in ("## Graph build", "## Training", "## Generation", "## Peers", "## Scaling with num_steps"):
        assert heading in md
    assert "25.6" in md and "3,868" in md  # the post's figures beside ours
    for png in ("benchmark.png", "scaling.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scaling_budget_skips_lengths_with_a_note(quick_run):
    out, r = quick_run
    assert "scaling" in PARTS and r["meta"]["parts"] == list(PARTS)
    scaling, md = r["scaling"], (out / "benchmark.md").read_text()
    shortest, *rest = scaling["lengths"]
    assert scaling["max_seconds"] == 0 and rest
    for s in scaling["styles"].values():
        assert [p["num_steps"] for p in s["points"]] == [shortest]  # the shortest length always runs
        assert [k["num_steps"] for k in s["skipped"]] == rest
        for k in s["skipped"]:
            assert k["note"].startswith("skipped: predicted") and "--max-seconds" in k["note"]
            assert k["predicted_s"] > 0 and f"| {s['label']} | {k['num_steps']} | {k['note']} |" in md
        assert all(e is None for e in s["exponents"].values())  # one length: no slope to fit


@pytest.mark.parametrize("where", ["the file itself", "under it"])
def test_bench_out_blocked_by_a_file_is_one_error_line_before_any_timing(where, tmp_path, capsys):
    blocker = tmp_path / "results"
    blocker.write_text("not a folder")
    out = blocker if where == "the file itself" else blocker / "bench"
    assert r2rt_cli.main(["bench", "--quick", "--parts", "build", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: cannot write to {out} (") and captured.err.count("\n") == 1
    assert "choose another --out folder" in captured.err
    assert "bench " not in captured.out  # refused before the benchmark began
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into a chmod 555 folder anyway; the file case above fails for root too")
def test_bench_out_in_a_read_only_folder_is_one_error_line(tmp_path, capsys):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert r2rt_cli.main(["bench", "--quick", "--parts", "build", "--out", str(folder / "bench")]) == 2
    finally:
        folder.chmod(0o755)
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write to") and "Permission denied" in err and err.count("\n") == 1


def test_unknown_part_is_refused(tmp_path):
    with pytest.raises(R2RTError, match="unknown part"):
        cli.run_benchmark(tmp_path, parts=["build", "nope"], cfg=BenchConfig.quick_config())


@pytest.mark.parametrize("script", [peer_scripts.KERAS_LSTM, peer_scripts.TORCH_LSTM], ids=lambda p: p.name)
def test_peer_script_ships_compiles_and_never_imports_r2rt_rnn(script, tmp_path):
    package = Path(r2rt_rnn.__file__).resolve().parent
    assert script.is_file() and script.parent.is_relative_to(package)
    assert (script.parent / "__init__.py").is_file()  # a package, so find_packages installs the scripts
    py_compile.compile(str(script), cfile=str(tmp_path / "peer.pyc"), doraise=True)
    imported = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{script.name} has a relative import"
            imported.add(node.module.split(".")[0])
    assert "r2rt_rnn" not in imported


def test_bench_help():
    proc = run_cli("bench", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "--parts" in proc.stdout and "--quick" in proc.stdout and "--max-seconds" in proc.stdout


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_bench_refuses_a_bad_budget(value, tmp_path, capsys):
    assert r2rt_cli.main(["bench", "--quick", "--parts", "scaling", "--max-seconds", value,
                          "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: --max-seconds must be")
