"""Readers beside a writer, programs started with closed streams, models never replaced unasked, Ctrl-C while a
long prompt primes the sampler and while TensorFlow loads: each with real processes."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, TINY_FLAGS, assert_one_line_error, run, start_cli
from r2rt_rnn.model import build_graph
from r2rt_rnn.runtime import checkpoint
from r2rt_rnn.tf1 import tf


def shell(command, cwd):
    """Run ``command`` in bash (for ``>&-`` and ``2>&-``); returns (code, stdout, stderr)."""
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return proc.returncode, proc.stdout, proc.stderr


CLI = f"{sys.executable} -m r2rt_rnn"


@pytest.mark.slow
def test_a_tight_reader_loop_beside_a_writer_never_fails(tmp_path):
    """A training run saves every few batches while this process reads and restores its checkpoint in a loop."""
    text = tmp_path / "short.txt"
    text.write_text((REPO / "data" / "tinyshakespeare.txt").read_text()[:700], encoding="utf-8")
    save = tmp_path / "m"
    flags = ["--cell", "GRU", "--state-size", "8", "--num-layers", "1", "--num-steps", "5", "--batch-size", "2",
             "--valid-fraction", "0", "--progress", "off"]
    writer = start_cli(["train", "--text", text, "--epochs", "100000", "--save", save] + flags,
                       stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not checkpoint.exists(save) and time.time() < deadline:
            time.sleep(0.05)
        first = checkpoint.load(save)
        g = build_graph(cell_type="GRU", state_size=8, num_layers=1, batch_size=1, num_steps=1,
                        num_classes=first.num_classes)
        reads, sets = 0, set()
        with tf.Session() as sess:
            end = time.time() + 3
            while time.time() < end or len(sets) < 5:
                ckpt = checkpoint.restore(sess, g, checkpoint.load(save))  # raises on any failure
                sets.add(ckpt.prefix)
                reads += 1
                assert time.time() < deadline, f"the writer saved only {len(sets)} sets"
        assert writer.poll() is None, writer.stderr.read()
    finally:
        writer.send_signal(signal.SIGINT)
        writer.wait(timeout=60)
    assert len(sets) >= 5 and reads >= 20, (len(sets), reads)  # it really read beside many saves


@pytest.mark.slow
def test_train_with_stdout_closed_trains_and_saves(text_file, tmp_path):
    code, _, err = shell(f"{CLI} train --text {text_file} --epochs 1 --save {tmp_path / 'm'} {' '.join(TINY_FLAGS)} "
                         ">&-", tmp_path)
    assert code == 0, err
    assert checkpoint.exists(tmp_path / "m")
    assert "Traceback" not in err and "standard output failed" in err


@pytest.mark.slow
def test_generate_with_stdout_closed_stops_in_one_line(trained, tmp_path):
    # the in-graph sampler (the Python sampler writes through the same guard: test_signals' closed pipe)
    code, _, err = shell(f"{CLI} generate {trained[0]} --num-chars 100000000 --in-graph >&-", tmp_path)
    assert_one_line_error(code, err, "standard output failed")


@pytest.mark.slow
def test_a_command_with_stderr_closed_still_runs(trained, tmp_path):
    code, out, _ = shell(f"{CLI} generate {trained[0]} --num-chars 40 --prompt F --top 3 --seed 5 2>&-", tmp_path)
    assert code == 0 and out == trained[1] + "\n"


def test_keep_best_never_replaces_another_model_unasked(trained, text_file, tmp_path, capsys):
    from conftest import copy_checkpoint

    other = copy_checkpoint(trained[0], tmp_path)  # an unrelated model where SAVE-best would go
    best = tmp_path / "x-best"
    for part in checkpoint.files(other):
        part.rename(part.with_name(part.name.replace("copy", "x-best", 1)))
    before = checkpoint.config_path(best).read_bytes()
    code, _, err = run(["train", "--text", text_file, "--epochs", "1", "--save", tmp_path / "x", "--keep-best"]
                       + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "x-best already holds a checkpoint", "--overwrite")
    assert checkpoint.config_path(best).read_bytes() == before and not checkpoint.exists(tmp_path / "x")


@pytest.mark.slow
@pytest.mark.parametrize("sampler", [[], ["--in-graph"]], ids=["per-character", "in-graph"])
def test_ctrl_c_while_a_long_prompt_primes_the_sampler(trained, sampler):
    """Both samplers feed a long prompt in pieces (8,192 characters a run), a Ctrl-C honoured between two."""
    prompt = ("First Citizen:\nBefore we proceed any further, hear me speak.\n" * 2000)[:100_000]
    proc = start_cli(["generate", trained[0], "--num-chars", "1000000", "--prompt", prompt, *sampler])
    assert proc.stdout.read(len(prompt)) == prompt  # the prompt is printed first, then fed
    time.sleep(0.5)  # the priming graph built, the prompt being fed
    t = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code, err = proc.wait(timeout=60), proc.stderr.read()
    assert time.monotonic() - t < 5
    assert_one_line_error(code, err, "interrupted")


@pytest.mark.slow
def test_a_second_ctrl_c_while_tensorflow_loads_still_says_its_line(trained):
    proc = start_cli(["generate", trained[0], "--num-chars", "10"])
    time.sleep(0.8)  # past the interpreter's start, inside TensorFlow's import (fd 2 silenced)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    code, err = proc.wait(timeout=60), proc.stderr.read()
    assert code == 2 and "Traceback" not in err
    assert "interrupted" in err, err  # the line of either Ctrl-C: the first one's or "interrupted again"



def test_a_missing_part_of_a_checkpoint_is_named_as_missing(trained, tmp_path, capsys):
    from conftest import copy_checkpoint

    ckpt = copy_checkpoint(trained[0], tmp_path)
    index = Path(f"{checkpoint.load(ckpt).prefix}.index")
    index.unlink()
    code, _, err = run(["generate", ckpt, "--num-chars", "5"], capsys)
    assert_one_line_error(code, err, f"its file {index.name} is missing")  # not "has None bytes"


def test_a_folder_holding_several_checkpoints_names_them(trained, tmp_path, capsys):
    from conftest import copy_checkpoint

    first = copy_checkpoint(trained[0], tmp_path)
    shutil.copy(checkpoint.config_path(first), tmp_path / "other.config.json")  # a second pointer to the same set
    code, _, err = run(["generate", tmp_path, "--num-chars", "5"], capsys)
    assert_one_line_error(code, err, "holding 2 checkpoints", str(first), str(tmp_path / "other"))


def test_a_file_in_the_way_of_an_output_is_named(trained, tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    code, _, err = run(["train", "--epochs", "1", "--save", blocker / "m"] + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "afile is a file, not a folder", "--save")
