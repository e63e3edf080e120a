"""The benchmark in quick mode: every figure is measured, positive, and written as JSON, Markdown and PNG;
a bad ``--parts`` or ``--out`` is one error line before any timing, and a full disk one line at the end.

The scaling part (its sweep, its budget's notes, its tables and ``scaling.png``, through this command line)
is tests/test_bench_scaling.py's; the quick run here times the other parts."""
import argparse
import ast
import importlib.util
import json
import os
import py_compile
from pathlib import Path

import pytest

import r2rt_rnn
from r2rt_rnn import cli as r2rt_cli
from r2rt_rnn.bench import peer_scripts, run as bench_run
from r2rt_rnn.bench.config import PARTS, BenchConfig
from r2rt_rnn.bench.targets import TARGETS
from r2rt_rnn.cell_types import post_cell_types
from r2rt_rnn.cli import bench as bench_command
from r2rt_rnn.runtime.errors import R2RTError

pytestmark = pytest.mark.slow  # the benchmark's quick run, shared by the module, takes half a minute


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    parser = argparse.ArgumentParser()
    bench_command.add_arguments(parser)
    # every part but scaling, which tests/test_bench_scaling.py runs (the sweep, and this command with its budget)
    parts = ",".join(p for p in PARTS if p != "scaling")
    assert bench_command.main(parser.parse_args(["--quick", "--parts", parts, "--out", str(out)])) == 0
    return out, json.loads((out / "benchmark.json").read_text())


def positive(*xs):
    return all(isinstance(x, (int, float)) and x > 0 for x in xs)


@pytest.mark.slow
def test_device_is_named(quick_run):
    _, r = quick_run
    d = r["meta"]["device"]
    assert d["type"] in ("CPU", "GPU") and d["name"] and d["tf_version"]
    assert d["cores_usable"] >= 1 and "intra_op_parallelism_threads" in d["session"]


@pytest.mark.slow
def test_build_figures(quick_run):
    _, r = quick_run
    assert set(r["build"]) == {"list_basic_rnn", "list_lstm", "dynamic_lstm", "scan_lstm"}
    for fig in r["build"].values():
        assert len(fig["builds_s"]) >= 2
        assert positive(fig["build_s"], fig["first_run_s"], fig["post_build_s"], fig["post_over_ours"])


@pytest.mark.slow
def test_training_figures(quick_run):
    _, r = quick_run
    expected = {"list_lstm", "dynamic_lstm", "scan_lstm"} | set(post_cell_types())
    assert expected <= set(r["train"]) and {"GRU", "LSTM", "LN_LSTM", "Custom"} <= expected
    for fig in r["train"].values():
        assert positive(fig["step_s"], fig["chars_per_s"], fig["batches_per_epoch"], fig["epoch_s"],
                        fig["projected_s"])
        assert fig["chars_per_s"] == pytest.approx(fig["batch_size"] * fig["num_steps"] / fig["step_s"])
    for name in ("list_lstm", "dynamic_lstm", "scan_lstm", "GRU", "LSTM", "LN_LSTM"):
        assert positive(r["train"][name]["post_s"], r["train"][name]["post_over_ours"])


@pytest.mark.slow
def test_generation_figures(quick_run):
    _, r = quick_run
    gen = r["generate"]
    assert positive(gen["generate_characters"]["chars_per_s"], gen["sample_in_graph"]["chars_per_s"],
                    gen["sample_in_graph"]["loop_chars_per_s"], gen["in_graph_over_python"],
                    gen["in_graph_over_python_marginal"])
    assert gen["in_graph_over_python_marginal"] == pytest.approx(
        gen["sample_in_graph"]["loop_chars_per_s"] / gen["generate_characters"]["marginal_chars_per_s"])


@pytest.mark.slow
def test_speed_targets_are_reported(quick_run):
    out, r = quick_run
    expected = set(TARGETS)  # quick mode measures every ratio; PyTorch's only where it is installed
    if importlib.util.find_spec("torch") is None:
        expected.discard("fastest_lstm_over_torch")
    assert set(r["targets"]) == expected
    for t in r["targets"].values():
        assert positive(t["ratio"]) and isinstance(t["met"], bool)
    assert "## Speed targets" in (out / "benchmark.md").read_text()


@pytest.mark.slow
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


@pytest.mark.slow
def test_report_files(quick_run):
    out, r = quick_run
    md = (out / "benchmark.md").read_text()
    assert r["meta"]["device"]["name"] in md
    for heading in ("## Graph build", "## Training", "## Generation", "## Peers"):
        assert heading in md
    assert "25.6" in md and "3,868" in md  # the post's figures beside ours
    assert (out / "benchmark.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "## Scaling" not in md and not (out / "scaling.png").exists()  # only the scaling part draws it


@pytest.mark.parametrize("where", ["the file itself", "under it"])
def test_bench_out_blocked_by_a_file_is_one_error_line_before_any_timing(where, tmp_path, capsys):
    blocker = tmp_path / "results"
    blocker.write_text("not a folder")
    out = blocker if where == "the file itself" else blocker / "bench"
    assert r2rt_cli.main(["bench", "--quick", "--parts", "build", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: cannot write --out {out}: {blocker} is a file, not a folder")
    assert captured.err.count("\n") == 1 and "choose another --out" in captured.err
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
    assert err.startswith(f"error: cannot write --out {folder / 'bench'} (Permission denied); choose another --out")
    assert err.count("\n") == 1


def test_unknown_part_is_refused(tmp_path):
    with pytest.raises(R2RTError, match="unknown part"):
        bench_run.run_benchmark(tmp_path, parts=["build", "nope"], cfg=BenchConfig.quick_config())


@pytest.mark.parametrize("parts", ["", ",", " , ", "build,nope"])
def test_parts_that_name_nothing_runs_nothing_and_names_the_valid_ones(parts, tmp_path, capsys):
    out = tmp_path / "results"
    assert r2rt_cli.main(["bench", "--quick", "--parts", parts, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: --parts names ") and captured.err.count("\n") == 1
    assert ", ".join(PARTS) in captured.err
    assert "bench " not in captured.out and not out.exists()  # refused before the benchmark began


@pytest.fixture
def no_timing(monkeypatch):
    """The parts do nothing: the run goes straight to writing its files."""
    for part in ("bench_graphs", "bench_cells", "bench_generate", "bench_peers", "bench_scaling"):
        monkeypatch.setattr(bench_run, part, lambda *args: None)


def test_bench_runs_every_part_by_default(no_timing, tmp_path, capsys):
    """Without ``--parts`` the benchmark runs all of them, scaling included (the parts here do nothing)."""
    assert "scaling" in PARTS
    assert r2rt_cli.main(["bench", "--quick", "--out", str(tmp_path)]) == 0, capsys.readouterr().err
    assert json.loads((tmp_path / "benchmark.json").read_text())["meta"]["parts"] == list(PARTS)


def test_a_full_disk_at_the_end_is_one_error_line(no_timing, tmp_path, capsys):
    """A chart that cannot be written (here ENOSPC: benchmark.png links to /dev/full) ends in one line, exit 2."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    out = tmp_path / "results"
    out.mkdir()
    (out / "benchmark.png").symlink_to("/dev/full")
    assert r2rt_cli.main(["bench", "--quick", "--parts", "build", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: could not write --out {out / 'benchmark.png'} (No space left on device)"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert (out / "benchmark.png").is_symlink() and Path("/dev/full").is_char_device()  # written in place, kept
    assert json.loads((out / "benchmark.json").read_text())["meta"]["parts"] == ["build"]
    assert not list(out.glob(".*.tmp"))


def test_report_files_are_written_whole_through_a_link_and_into_a_device(no_timing, tmp_path, capsys):
    """A link in --out has its target written and stays a link; a device there stays a device."""
    import stat

    out, elsewhere = tmp_path / "results", tmp_path / "elsewhere.md"
    out.mkdir()
    elsewhere.write_text("old")
    (out / "benchmark.md").symlink_to(elsewhere)
    try:
        os.mknod(out / "benchmark.json", stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a null device
    except (PermissionError, AttributeError):
        device = False
    else:
        device = True
    assert r2rt_cli.main(["bench", "--quick", "--parts", "build", "--out", str(out)]) == 0, capsys.readouterr().err
    assert (out / "benchmark.md").is_symlink() and elsewhere.read_text().startswith("# r2rt_rnn benchmark")
    if device:
        assert stat.S_ISCHR((out / "benchmark.json").lstat().st_mode)
    assert (out / "benchmark.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


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


def test_bench_help(capsys):
    # in this process: `python -m r2rt_rnn --help` as a program is tests/test_progress.py's
    with pytest.raises(SystemExit) as done:
        r2rt_cli.main(["bench", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--parts" in out and "--quick" in out and "--max-seconds" in out


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_bench_refuses_a_bad_budget(value, tmp_path, capsys):
    assert r2rt_cli.main(["bench", "--quick", "--parts", "scaling", "--max-seconds", value,
                          "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: --max-seconds must be")
