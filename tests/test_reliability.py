"""Every fault a user can cause ends in exit code 2 and one line, and nothing already saved is lost.

Each fault is really made: truncated and hand-edited checkpoint files, a write
failing at each step of a save, a lock held by another process, SIGINT sent to
a running command. After each, the previous checkpoint must still restore and
generate the same text for the same seed.
"""
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, TINY, TINY_FLAGS, assert_one_line_error, copy_checkpoint, run
from r2rt_rnn import data as data_module
from r2rt_rnn.data import Vocabulary, load_corpus
from r2rt_rnn.generate import generate_from_checkpoint
from r2rt_rnn.model import build_graph
from r2rt_rnn.runtime import checkpoint, files, interrupts
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.tf1 import tf
from r2rt_rnn.train import train_network


def part(path, suffix):
    """The file of checkpoint ``path`` that ends in ``suffix`` (the pointer, or a file of the set it names)."""
    return checkpoint.config_path(path) if suffix == ".config.json" else Path(f"{checkpoint.load(path).prefix}{suffix}")


# --- checkpoints read back --------------------------------------------------------------------------

CORRUPTIONS = {
    "config cut off": (".config.json", lambda b: b[: len(b) // 2]),
    "config emptied to {}": (".config.json", lambda b: b"{}"),
    "vocabulary cut off": (".vocab.json", lambda b: b[: len(b) // 2]),
    "vocabulary emptied to {}": (".vocab.json", lambda b: b"{}"),
    "index emptied": (".index", lambda b: b""),
    "index cut off": (".index", lambda b: b[: len(b) // 2]),
    "tensors cut off": (checkpoint.DATA_SUFFIX, lambda b: b[: len(b) // 2]),
    "vocabulary shorter than num_classes": (".vocab.json", lambda b: json.dumps(
        {"chars": json.loads(b)["chars"][:-3]}).encode()),
    "config disagrees with the tensors": (".config.json", lambda b: json.dumps(
        {**json.loads(b), "config": {**json.loads(b)["config"], "state_size": 32}}).encode()),
}


@pytest.mark.parametrize("in_graph", [False, True], ids=["generate", "in-graph"])
@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_damaged_checkpoint_is_one_line_for_both_samplers(trained, tmp_path, capsys, case, in_graph):
    suffix, damage = CORRUPTIONS[case]
    path = copy_checkpoint(trained[0], tmp_path)
    target = part(path, suffix)
    target.write_bytes(damage(target.read_bytes()))
    code, _, err = run(["generate", path, "--num-chars", "20", "--seed", "1"] + (["--in-graph"] if in_graph else []),
                       capsys)
    assert_one_line_error(code, err, str(path))


# --- checkpoints written ----------------------------------------------------------------------------

def _fail_saver(*args, **kwargs):
    raise tf.errors.ResourceExhaustedError(None, None, "No space left on device")


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["tensors", "vocabulary", "config", "pointer switch"])
def test_a_full_disk_at_any_write_keeps_the_previous_checkpoint(trained, tmp_path, monkeypatch, text_file, where):
    path = copy_checkpoint(trained[0], tmp_path)
    corpus = load_corpus(text_file, valid_fraction=0.1)
    g = build_graph(num_classes=corpus.vocab_size, **TINY)
    calls = []

    def write_then_fail(target, text, real=checkpoint._write_durably):
        calls.append(target)
        if str(target).endswith(".vocab.json"):
            _enospc()
        return real(target, text)

    def config_fails(target, payload, real=files.replace_atomically):
        # the pointer's temporary file is written, then the disk fills up before it is complete
        monkeypatch.setattr(files.os, "fsync", _enospc)
        return real(target, payload)

    if where == "tensors":
        monkeypatch.setattr(g["saver"], "save", _fail_saver)
    elif where == "pointer switch":
        monkeypatch.setattr(checkpoint.os, "replace", _enospc)
    elif where == "config":
        monkeypatch.setattr(checkpoint, "replace_atomically", config_fails)
    else:
        monkeypatch.setattr(checkpoint, "_write_durably", write_then_fail)
    with pytest.raises(R2RTError, match="could not write checkpoint .* previous checkpoint there is unchanged"):
        train_network(g, 2, data=corpus.train, vocab=corpus.vocab, save=str(path), resume=str(path), verbose=False)
    monkeypatch.undo()
    assert sorted(tmp_path.iterdir()) == sorted(checkpoint.files(path))  # nothing half-written left behind
    assert checkpoint.load(path).progress["epochs_done"] == 1
    assert generate_from_checkpoint(path, 40, "F", 3, seed=5, verbose=False) == trained[1]


def test_save_under_a_regular_file_fails_before_training(tmp_path, capsys, text_file):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(["train", "--text", text_file, "--epochs", "1", "--save", blocker / "sub" / "ckpt"]
                         + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "is a file, not a folder", "--save")
    assert "Built the" not in out  # refused before any graph was built


def test_save_to_a_folder_writes_inside_it(tmp_path, capsys, text_file):
    folder = tmp_path / "saves"
    code, out, err = run(["train", "--text", text_file, "--epochs", "1", "--save", f"{folder}/"] + TINY_FLAGS, capsys)
    assert code == 0, err
    assert f"the checkpoint will be {folder / 'checkpoint'}" in out  # says which file it picked
    assert checkpoint.exists(folder / "checkpoint") and not checkpoint.exists(tmp_path / "saves")
    assert checkpoint.load(folder).path == str(folder / "checkpoint")  # a folder also reads as FOLDER/checkpoint


@pytest.mark.slow
def test_a_second_writer_is_refused_naming_the_first(tmp_path, capsys, text_file):
    path = tmp_path / "shared"
    # another process holding PATH.lock as hold_lock does (flock, its pid inside), without loading TensorFlow
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, time\n"
         f"fd = os.open({str(path) + '.lock'!r}, os.O_RDWR | os.O_CREAT, 0o644)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, str(os.getpid()).encode())\n"
         "print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "held"
        code, out, err = run(["train", "--text", text_file, "--epochs", "1", "--save", path] + TINY_FLAGS, capsys)
        assert_one_line_error(code, err, f"process {holder.pid}", "--save")
        assert "Average training loss" not in out
    finally:
        holder.kill()
        holder.wait()
    code, _, err = run(["train", "--text", text_file, "--epochs", "1", "--save", path] + TINY_FLAGS, capsys)
    assert code == 0, err  # the lock went with its process (its file is taken over, then removed)
    assert not Path(f"{path}.lock").exists()


# --- resume and interruption -----------------------------------------------------------------------

def test_resume_on_a_text_with_another_vocabulary_of_the_same_size_is_refused(trained, tmp_path, capsys, text_file):
    text = text_file.read_text()
    vocab = sorted(set(text))
    shifted = text.translate({ord(c): vocab[(i + 1) % len(vocab)] for i, c in enumerate(vocab)})
    other = tmp_path / "other.txt"
    other.write_text(shifted.replace(vocab[0], "\u00e9"))  # same size, one character different
    assert len(set(other.read_text())) == len(vocab)
    path = copy_checkpoint(trained[0], tmp_path)
    code, _, err = run(["train", "--text", other, "--epochs", "2", "--resume", path, "--save", path] + TINY_FLAGS,
                       capsys)
    assert_one_line_error(code, err, "another vocabulary")
    assert checkpoint.load(path).progress["epochs_done"] == 1


def test_resume_with_nothing_left_says_so_and_still_writes_save(trained, tmp_path, capsys, text_file):
    target = tmp_path / "copy_of_it"
    code, out, err = run(["train", "--text", text_file, "--epochs", "1", "--resume", trained[0], "--save", target]
                         + TINY_FLAGS, capsys)
    assert code == 0, err
    assert "Nothing left to train" in out
    assert checkpoint.load(target).progress["epochs_done"] == 1
    assert generate_from_checkpoint(target, 40, "F", 3, seed=5, verbose=False) == trained[1]


def test_a_second_ctrl_c_during_a_save_waits_for_the_save():
    finished = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
            finished.append(True)  # still runs: the interrupt is held until the block ends
    assert finished == [True]


def test_a_ctrl_c_inside_a_nested_deferral_waits_for_the_outermost_block():
    """An epoch's record and its checkpoint saves (each deferring too) finish together, whatever a Ctrl-C hits."""
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.deferred():
            with interrupts.deferred():  # the best checkpoint's save
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.1)
            steps.append("best saved")
            with interrupts.deferred():  # the latest checkpoint's save
                steps.append("latest saved")
    assert steps == ["best saved", "latest saved"]


# --- values that used to pass silently or crash ---------------------------------------------------

@pytest.mark.parametrize("flags, fragment", [
    (["--dropout", "0"], "--keep-prob must be in (0, 1]"),
    (["--keep-prob", "0"], "--keep-prob must be in (0, 1]"),
    (["--keep-prob", "1.5"], "--keep-prob must be in (0, 1]"),
    (["--learning-rate", "inf"], "--learning-rate must be a positive finite number"),
    (["--seed", "-1"], "--seed must be an integer from 0"),
    (["--seed", str(2**40)], "--seed must be an integer from 0"),
    (["--sample", "-5"], "--sample must be"),
    (["--num-steps", "0"], "--num-steps must be a positive integer"),
    (["--num-steps", "5000"], "--num-steps"),
    (["--valid-fraction", "0.0001"], "--valid-fraction"),
    (["--lr-decay", "1.5"], "--lr-decay must be between 0 and 1"),
    (["--lr-decay-after", "3"], "--lr-decay-after must be 1 or more, with --lr-decay"),
    (["--lr-decay", "0.5", "--lr-decay-after", "0"], "--lr-decay-after must be 1 or more"),
])
def test_bad_training_values_are_refused_before_training(capsys, text_file, flags, fragment):
    code, out, err = run(["train", "--text", text_file, "--epochs", "1"] + TINY_FLAGS + flags, capsys)
    assert_one_line_error(code, err, fragment)
    assert "Average training loss" not in out


def test_dropout_says_it_is_a_keep_probability(capsys, text_file):
    code, _, err = run(["train", "--text", text_file, "--epochs", "1", "--dropout", "0.9"] + TINY_FLAGS, capsys)
    assert code == 0, err
    assert "keeps 90% of the units" in err


@pytest.mark.parametrize("flags, fragment", [
    (["--seed", "-3"], "--seed must be an integer from 0"),
    (["--top", "0"], "--top must be a whole number from 1"),
    (["--temperature", "0"], "--temperature must be a positive"),
    (["--num-chars", "-1"], "--num-chars must be a whole number"),
])
def test_bad_generation_values_are_named_by_their_flag(trained, capsys, flags, fragment):
    code, _, err = run(["generate", trained[0]] + flags, capsys)
    assert_one_line_error(code, err, fragment)


def test_a_diverging_run_stops_and_keeps_the_last_finite_checkpoint(trained, tmp_path, text_file):
    path = copy_checkpoint(trained[0], tmp_path)
    corpus = load_corpus(text_file, valid_fraction=0.1)
    g = build_graph(num_classes=corpus.vocab_size, **{**TINY, "learning_rate": 1e38})  # weights overflow float32: NaN
    with pytest.raises(R2RTError, match="training diverged"):
        train_network(g, 3, data=corpus.train, vocab=corpus.vocab, save=str(path), resume=str(path), verbose=False)
    assert checkpoint.load(path).progress["epochs_done"] == 1
    assert generate_from_checkpoint(path, 40, "F", 3, seed=5, verbose=False) == trained[1]


def test_an_unreadable_text_file_is_one_line(tmp_path, capsys, monkeypatch):
    text = tmp_path / "locked.txt"
    text.write_text("some text")

    def denied(path, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(data_module, "open", denied, raising=False)  # chmod 000 does not stop root (CI may be)
    code, _, err = run(["train", "--text", text, "--epochs", "1"] + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "cannot read", "Permission denied")


def test_sample_without_save_uses_the_texts_own_characters(tmp_path, capsys):
    text = tmp_path / "no_capital_a.txt"
    text.write_text("xyz" * 400)  # no 'A', fewer than 5 distinct characters
    code, out, err = run(["train", "--text", text, "--epochs", "1", "--sample", "30", "--valid-fraction", "0"]
                         + TINY_FLAGS, capsys)
    assert code == 0, err
    sample = out.split("characters sampled", 1)[1].splitlines()[1]
    assert sample.startswith("x") and len(sample) == 31 and set(sample) <= set("xyz")


def test_reproduce_writes_to_a_run_folder_by_default_and_refuses_unknown_models(tmp_path, capsys, monkeypatch):
    from r2rt_rnn.reproduction import reproduce

    assert reproduce.DEFAULT_OUT == Path("runs") / "reproduce"  # git-ignored, never docs/results
    assert "runs/" in (REPO / ".gitignore").read_text().splitlines()
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["reproduce", "gru_vs_custom", "--models", "XYZ"], capsys)
    assert_one_line_error(code, err, "XYZ")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(data="some text"), "data must be an array of character ids"),
    (dict(data=np.array([-1, 2, 3] * 100)), "num_classes"),
    (dict(save=True), "save must be a checkpoint path"),
])
def test_python_api_train_arguments_are_named(small_data, kwargs, fragment):
    g = build_graph(num_classes=65, **TINY)
    with pytest.raises(R2RTError, match=fragment):
        train_network(g, 1, verbose=False, **{"data": small_data[:2000], **kwargs})


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(temperature="hot"), "temperature must be"),
    (dict(pick_top_chars=2.5), "pick_top_chars must be a whole number"),
    (dict(prompt=65), "prompt must be a string"),
    (dict(seed=-1), "seed must be"),
])
def test_python_api_generate_arguments_are_named(trained, kwargs, fragment):
    with pytest.raises(R2RTError, match=fragment):
        generate_from_checkpoint(trained[0], **{"num_chars": 10, **kwargs}, verbose=False)


def test_vocabulary_files_round_trip_words_and_characters(tmp_path):
    for vocab in (Vocabulary.from_text("hello"), Vocabulary.from_words(["the", "<eos>", "a"])):
        vocab.save(tmp_path / "v.json")
        assert Vocabulary.load(tmp_path / "v.json") == vocab


def test_a_refused_writer_leaves_the_holders_lock_in_place(tmp_path):
    path = tmp_path / "ckpt"
    with checkpoint.hold_lock(path):
        # a second flock on a new open of the file conflicts, even in this process: a refused writer
        with pytest.raises(R2RTError, match=f"process {os.getpid()}"):
            with checkpoint.hold_lock(path):
                pass
        assert Path(f"{path}.lock").exists()  # still there: a third writer is refused too
        with pytest.raises(R2RTError, match=f"process {os.getpid()}"):
            with checkpoint.hold_lock(path):
                pass
    assert not Path(f"{path}.lock").exists()


@pytest.mark.parametrize("flags, fragment", [
    (["--seq-length", "0"], "--seq-length must be a positive integer"),
    (["--seq-length", "5000"], "--seq-length"),
    (["--clip", "0"], "--clip must be a positive finite number"),
    (["--seed", "-2"], "--seed must be an integer from 0"),
])
def test_minchar_errors_name_its_flags(capsys, text_file, flags, fragment):
    code, _, err = run(["minchar", "--text", text_file, "--steps", "5"] + flags, capsys)
    assert_one_line_error(code, err, fragment)


def test_reproduce_refuses_an_unwritable_out_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(["reproduce", "gru_vs_custom", "--out", blocker / "results"], capsys)
    assert_one_line_error(code, err, "--out")
    assert "---" not in out  # no experiment started
