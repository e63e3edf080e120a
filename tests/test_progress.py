"""Command-line output that reads well in a log file: plain lines, no carriage returns; --help for people."""
import os
import subprocess
import sys

import pytest

from conftest import REPO, run
from r2rt_rnn.cli.common import COMMANDS
from r2rt_rnn.runtime import progress

FIXTURE = REPO / "tests" / "fixtures" / "ptb_tiny"


def run_to_file(tmp_path, *args):
    """Run the command line with stdout and stderr sent to files, as `> train.log` does."""
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with open(out, "w") as o, open(err, "w") as e:
        code = subprocess.run([sys.executable, "-m", "r2rt_rnn", *map(str, args)], cwd=REPO, stdout=o, stderr=e,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=600).returncode
    return code, out.read_text(), err.read_text()


@pytest.mark.slow
def test_train_to_a_file_writes_one_summary_line_per_epoch_and_no_carriage_returns(tmp_path):
    text = tmp_path / "tiny.txt"
    text.write_text((REPO / "data" / "tinyshakespeare.txt").read_text()[:20000])
    code, out, err = run_to_file(tmp_path, "train", "--text", text, "--epochs", "3", "--num-steps", "10",
                                 "--batch-size", "8", "--state-size", "16", "--num-layers", "1")
    assert code == 0, err
    assert "\r" not in out and "\r" not in err
    summaries = [line for line in out.splitlines() if line.startswith("Average training loss for Epoch")]
    assert len(summaries) == 3
    assert all("validation loss" in line and line.endswith(" s)") for line in summaries)
    progress_lines = [line for line in out.splitlines() if line.startswith("epoch 0:")]
    assert 5 <= len(progress_lines) <= 10  # about one per 10% of a 225-batch epoch
    assert all("%" in line for line in progress_lines)


@pytest.mark.slow
def test_ptb_to_a_file_prints_plain_progress_lines_with_a_rate(capsys):
    # in-process: capsys's streams are not terminals, as a log file is not (train's test above uses real files)
    code, out, err = run(["ptb", "--data-path", FIXTURE, "--model", "test", "--max-epochs", "2", "--verbose"],
                         capsys)
    assert code == 0, err
    assert "\r" not in out + err
    assert len([line for line in out.splitlines() if line.startswith("Epoch ")]) == 2
    assert any(line.startswith("epoch 1 train:") and "words/s" in line for line in out.splitlines())


def test_progress_off_prints_only_the_summaries(capsys):
    code, out, err = run(["minchar", "--steps", "60", "--seq-length", "5", "--batch-size", "4", "--hidden-size", "8",
                          "--sample-length", "10", "--log-every", "0", "--progress", "off"], capsys)
    assert code == 0, err
    assert "min-char-rnn:" not in out and "\r" not in out + err


@pytest.mark.parametrize("mode", ["bar", "lines", "off"])
def test_set_mode_forces_the_display(mode, capsys):
    progress.set_mode(mode)
    try:
        with progress.Progress(20, "demo") as bar:
            for _ in range(20):
                bar.update(1, loss="1.0")
    finally:
        progress.set_mode("auto")
    out, err = capsys.readouterr()
    if mode == "lines":
        assert out.count("demo:") == 9 and "\r" not in out  # 10%, ..., 90%; the caller prints the end
    elif mode == "off":
        assert out == err == ""
    else:
        assert "demo" in out + err


def test_auto_is_lines_when_not_a_terminal(monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert progress.resolved_mode() == "lines"


def test_auto_in_a_notebook_without_widgets_prints_no_progress_lines(monkeypatch, capsys):
    """A notebook keeps the per-epoch lines and plots; ten progress lines an epoch would bury them in its outputs."""
    import types

    class ZMQInteractiveShell:  # what IPython's get_ipython() returns inside a Jupyter kernel
        pass

    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=ZMQInteractiveShell))
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not installed: no widget bar either
    progress.set_mode("auto")
    assert progress.resolved_mode() == "off"
    with progress.Progress(100, "epoch 0") as bar:
        for _ in range(100):
            bar.update(1, loss="1.0")
    assert capsys.readouterr().out == ""


def assert_plain_help(text):
    assert "``" not in text and ":func:" not in text
    assert text.startswith("usage: python -m r2rt_rnn")
    assert "(default: None)" not in text


@pytest.mark.slow
def test_the_programs_help_is_plain_text_and_names_the_program():
    out = subprocess.run([sys.executable, "-m", "r2rt_rnn", "--help"], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert_plain_help(out.stdout)
    assert all(command in out.stdout for command in COMMANDS)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_commands_help_is_plain_text_and_names_the_program(command, monkeypatch, capsys):
    from r2rt_rnn import cli

    monkeypatch.setattr(sys, "argv", [str(REPO / "r2rt_rnn" / "__main__.py")])  # as `python -m r2rt_rnn` sees it
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    assert done.value.code == 0
    assert_plain_help(capsys.readouterr().out)


def test_console_script_usage_names_itself(monkeypatch):
    from r2rt_rnn import cli

    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/r2rt-rnn", "train"])
    assert cli.program_name() == "r2rt-rnn"
    monkeypatch.setattr(sys, "argv", ["/repo/r2rt_rnn/__main__.py", "train"])
    assert cli.program_name() == "python -m r2rt_rnn"
