"""Real signals and real broken outputs, sent to real ``python -m r2rt_rnn`` processes.

Ctrl-C at any instant of start-up or work ends in exit status 2 and one line (never
ignored, never a traceback or a crash); output streams as it is sampled, and a
Ctrl-C keeps what was shown; SIGKILL in the middle of a real checkpoint save
leaves a checkpoint that loads; a closed or full stdout never loses a training run.

The delays below are not tuned to hit one phase: whichever phase a signal lands
in, the outcome must be the same, so none of these can pass or fail by timing.
They start at 0.5 s: before that the Python interpreter itself may still be starting
(importing ``site``), before any line of the program can run; a Ctrl-C there is
Python's own "Fatal Python error", which no program can handle.
``scripts/stress_signals.py`` does the same at random instants, hundreds of times.
"""
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, TINY_FLAGS, assert_one_line_error, start_cli
from r2rt_rnn.beyond.in_graph_sampler import UNROLL, iter_in_graph
from r2rt_rnn.generate import generate_from_checkpoint
from r2rt_rnn.runtime import checkpoint

pytestmark = pytest.mark.slow  # every test here starts real processes


def interrupt_when(proc, ready=None, timeout=300):
    """SIGINT ``proc`` once a line of its stdout satisfies ``ready`` (at once for None); returns (code, out, err)."""
    seen = ""
    if ready is not None:
        for line in proc.stdout:
            seen += line
            if ready(line):
                break
    proc.send_signal(signal.SIGINT)
    # not communicate(): it reads the raw pipes and would skip what proc.stdout has buffered already
    out, err = proc.stdout.read(), proc.stderr.read()  # stderr is a line or two: it cannot fill its pipe meanwhile
    return proc.wait(timeout=timeout), seen + out, err


@pytest.mark.parametrize("delay", [0.7, 2.4])
def test_ctrl_c_at_any_instant_of_generate_is_one_line(trained, delay):
    """From interpreter start through TensorFlow's import, graph, session and restore, to sampling.

    Two instants here (TensorFlow's import; the graph, restore or sampling); scripts/stress_signals.py
    sends Ctrl-C at hundreds of random instants over the whole run."""
    in_graph = ["--in-graph"] if delay == 2.4 else []
    proc = start_cli(["generate", trained[0], "--num-chars", "100000000", "--seed", "1"] + in_graph)
    time.sleep(delay)
    code, _, err = interrupt_when(proc)
    assert_one_line_error(code, err, "interrupted")


@pytest.mark.parametrize("delay", [1.2, 3.0])
def test_ctrl_c_at_any_instant_of_train_start_up_is_one_line(text_file, tmp_path, delay):
    proc = start_cli(["train", "--text", text_file, "--epochs", "300", "--save", tmp_path / "run"] + TINY_FLAGS)
    time.sleep(delay)
    code, _, err = interrupt_when(proc)
    assert_one_line_error(code, err, "interrupted")
    if checkpoint.exists(tmp_path / "run"):  # it got as far as a complete epoch: that one is kept whole
        assert checkpoint.load(tmp_path / "run").progress["epochs_done"] >= 1


def test_ctrl_c_during_an_epoch_keeps_the_last_complete_one(tmp_path, text_file):
    save = tmp_path / "run"
    proc = start_cli(["train", "--text", text_file, "--epochs", "500", "--save", save] + TINY_FLAGS)
    code, _, err = interrupt_when(proc, lambda line: line.startswith("Average training loss for Epoch 1"))
    assert_one_line_error(code, err, "complete epoch(s)", f"--resume {save}")
    done = checkpoint.load(save).progress["epochs_done"]
    assert done >= 2
    assert f"holds the {done} complete epoch(s)" in err


def read_chars(stream, n):
    """Read from a text stream until ``n`` characters have arrived."""
    text = ""
    while len(text) < n:
        piece = stream.read(1)
        assert piece, "the process stopped writing"
        text += piece
    return text


def rss_bytes(pid):
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) * 1024


@pytest.mark.parametrize("in_graph", [False, True], ids=["generate", "in-graph"])
def test_a_huge_sample_streams_in_bounded_memory_and_ctrl_c_keeps_what_was_shown(trained, in_graph):
    """3 billion characters: the first ones appear at once, memory stays small, and they are the seed's text."""
    proc = start_cli(["generate", trained[0], "--num-chars", "3000000000", "--seed", "4", "--prompt", "F"]
                     + (["--in-graph"] if in_graph else []))
    shown = read_chars(proc.stdout, 9000 if in_graph else 300)  # the in-graph sampler prints 4,096 at a time
    assert rss_bytes(proc.pid) < 3 * 2**30  # drawing all the random numbers first would take 24 GB
    code, rest, err = interrupt_when(proc)
    assert_one_line_error(code, err, "interrupted")
    shown += rest
    n = len(shown) - 1
    if in_graph:  # against one run over the whole length (the two samplers agree to float precision, not forever)
        expected = "".join(iter_in_graph(trained[0], n, "F", seed=4, chunk=n + (-n) % UNROLL))
    else:
        expected = generate_from_checkpoint(trained[0], n, "F", seed=4, verbose=False)
    assert shown == expected[:len(shown)]  # the same seed gives the same text, streamed or not


def test_sigkill_during_real_saves_never_loses_the_checkpoint(tmp_path, text_file):
    """Kill a run while it writes a checkpoint (a new file set appearing); the checkpoint still loads.

    Once here, then a resumed run; scripts/stress_signals.py's kill mode repeats it at random instants."""
    save = tmp_path / "big"
    flags = ["--text", text_file, "--cell", "GRU", "--state-size", "384", "--num-layers", "2", "--num-steps", "10",
             "--batch-size", "8", "--valid-fraction", "0", "--progress", "off", "--save", save]
    set_file = re.compile(r"big\.s\d+")
    for _ in range(1):
        args = ["train", "--epochs", "200"] + flags + (["--resume", save] if checkpoint.exists(save) else [])
        proc = start_cli(args, stdout=subprocess.DEVNULL)
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:  # once a checkpoint exists, catch the next save
            current = checkpoint._current_set(save)
            names = {m.group(0) for e in tmp_path.iterdir() if (m := set_file.match(e.name))}
            if current and names - {current}:
                break
            time.sleep(0.001)
        proc.kill()
        proc.communicate(timeout=60)
        ckpt = checkpoint.load(save)  # the previous checkpoint, or the new one: whole either way
        assert ckpt.progress["epochs_done"] >= 1
        assert generate_from_checkpoint(save, 5, "F", seed=1, verbose=False)
    # the next run that takes the lock deletes what the killed saves left
    proc = start_cli(["train", "--epochs", str(ckpt.progress["epochs_done"]), "--resume", save] + flags)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert sorted(tmp_path.glob("big*")) == sorted(checkpoint.files(save))


def test_train_into_a_closed_pipe_keeps_training_and_saving(tmp_path, text_file):
    """`train ... | head -3`: the pipe closes after three lines; the run still trains and saves every epoch."""
    save = tmp_path / "run"
    proc = start_cli(["train", "--text", text_file, "--epochs", "4", "--save", save] + TINY_FLAGS)
    for _ in range(3):
        proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert "note: standard output failed (Broken pipe)" in err
    assert checkpoint.load(save).progress["epochs_done"] == 4


def test_stdout_on_a_full_disk(tmp_path, text_file, trained):
    """/dev/full: training carries on and saves; generate, whose output is the point, stops in one line."""
    if not Path("/dev/full").exists():
        pytest.skip("this system has no /dev/full")
    with open("/dev/full", "w") as full:  # the two runs at once: each spends its first seconds importing TensorFlow
        train = start_cli(["train", "--text", text_file, "--epochs", "2", "--save", tmp_path / "run"] + TINY_FLAGS,
                          stdout=full)
        generate = start_cli(["generate", trained[0], "--num-chars", "20000", "--seed", "1"], stdout=full)
        _, err = train.communicate(timeout=300)
        _, generate_err = generate.communicate(timeout=300)
    assert train.returncode == 0, err
    assert "note: standard output failed (No space left on device)" in err and "Traceback" not in err
    assert checkpoint.load(tmp_path / "run").progress["epochs_done"] == 2
    assert_one_line_error(generate.returncode, generate_err, "No space left on device")


def test_generate_into_a_closed_pipe_is_one_line(trained):
    proc = start_cli(["generate", trained[0], "--num-chars", "100000000", "--seed", "1"])
    proc.stdout.read(50)
    proc.stdout.close()
    err = proc.stderr.read()
    assert_one_line_error(proc.wait(timeout=300), err, "Broken pipe")


def test_the_program_ends_without_teardown_and_a_late_ctrl_c_is_still_reported(trained):
    """As the program, main() ends the process itself; a Ctrl-C that arrived as it finished is reported, not lost."""
    code = ("import os, signal, sys\nsys.argv = ['r2rt-rnn', 'generate', %r, '--num-chars', '3']\n"
            "from r2rt_rnn import cli\nrun = cli._run\n"
            "def run_then_ctrl_c(argv):\n    status = run(argv)\n    os.kill(os.getpid(), signal.SIGINT)\n"
            "    return status\n"
            "cli._run = run_then_ctrl_c\ncli.main()\nprint('main returned')")
    result = subprocess.run([sys.executable, "-c", code % str(trained[0])], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert "main returned" not in result.stdout  # the program ended inside main(), with no teardown
    assert_one_line_error(result.returncode, result.stderr, "as the command was finishing")
