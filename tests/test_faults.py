"""Faults a user can make, each made for real and each answered by one line and exit status 2 (issue: third pass).

Checkpoints: refusing to replace another model, reading one of a checkpoint's files as
the checkpoint, formats this version does not know, configs missing a setting, old
(format 1) checkpoints, half-written sets left by a killed save. Inputs: sizes that
cannot fit in memory, texts that never end, a server that never answers, addresses we
cannot read. Messages that used to name the wrong thing.
"""
import http.server
import json
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from conftest import TINY, TINY_FLAGS, assert_one_line_error, copy_checkpoint, run
from r2rt_rnn import data
from r2rt_rnn.data import load_corpus
from r2rt_rnn.generate import generate_from_checkpoint
from r2rt_rnn.model import build_graph
from r2rt_rnn.runtime import checkpoint, output
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.tf1 import tf
from r2rt_rnn.train import train_network

# --- checkpoints ------------------------------------------------------------------------------------


def test_save_refuses_to_replace_another_model_unless_told(trained, tmp_path, capsys, text_file):
    path = copy_checkpoint(trained[0], tmp_path)
    before = json.loads(checkpoint.config_path(path).read_text())
    code, out, err = run(["train", "--text", text_file, "--epochs", "1", "--save", path] + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "already holds a checkpoint", f"--resume {path}", "--overwrite")
    assert json.loads(checkpoint.config_path(path).read_text()) == before and "Built the" not in out
    code, _, err = run(["train", "--text", text_file, "--epochs", "2", "--save", path, "--overwrite"] + TINY_FLAGS,
                       capsys)
    assert code == 0, err
    assert checkpoint.load(path).progress["epochs_done"] == 2  # replaced: a new run from scratch


def test_resume_without_save_continues_the_checkpoint_in_place(trained, tmp_path, capsys, text_file):
    path = copy_checkpoint(trained[0], tmp_path)
    code, out, err = run(["train", "--text", text_file, "--epochs", "2", "--resume", path] + TINY_FLAGS, capsys)
    assert code == 0, err
    assert f"Continuing {path}" in out
    assert checkpoint.load(path).progress["epochs_done"] == 2


def test_nothing_left_to_train_does_not_claim_training_time(trained, tmp_path, capsys, text_file):
    code, out, err = run(["train", "--text", text_file, "--epochs", "1", "--resume", trained[0], "--save",
                          tmp_path / "again"] + TINY_FLAGS, capsys)
    assert code == 0, err
    assert "Nothing left to train" in out and "It took" not in out


@pytest.mark.parametrize("name", [".config.json", ".index", ".vocab.json"])
def test_one_of_a_checkpoints_files_names_the_checkpoint(trained, capsys, name):
    ckpt = checkpoint.load(trained[0])
    given = checkpoint.config_path(ckpt.path) if name == ".config.json" else f"{ckpt.prefix}{name}"
    code, out, err = run(["generate", given, "--num-chars", "40", "--prompt", "F", "--top", "3", "--seed", "5"],
                         capsys)
    assert code == 0, err
    assert out.strip() == trained[1]


def edit_config(path, change):
    meta = json.loads(checkpoint.config_path(path).read_text())
    change(meta)
    checkpoint.config_path(path).write_text(json.dumps(meta))


@pytest.mark.parametrize("change, fragment", [
    (lambda m: m.update(format=3), "format 3"),
    (lambda m: m["config"].pop("cell_type"), "does not say cell_type"),
    (lambda m: m.update(set="../elsewhere/x"), "does not name its tensor files"),
])
def test_a_config_this_version_cannot_use_is_one_line(trained, tmp_path, capsys, change, fragment):
    path = copy_checkpoint(trained[0], tmp_path)
    edit_config(path, change)
    code, _, err = run(["generate", path, "--num-chars", "5"], capsys)
    assert_one_line_error(code, err, fragment)


def test_a_first_format_checkpoint_still_loads_and_generates(trained, tmp_path):
    """Format 1 kept the tensors at PATH.index / PATH.data-* and the vocabulary at PATH.vocab.json."""
    ckpt = checkpoint.load(trained[0])
    old = tmp_path / "old"
    for suffix in checkpoint.FILE_SUFFIXES[1:]:
        shutil.copy(f"{ckpt.prefix}{suffix}", f"{old}{suffix}")
    meta = json.loads(checkpoint.config_path(ckpt.path).read_text())
    meta.update(format=1)
    del meta["set"]
    checkpoint.config_path(old).write_text(json.dumps(meta))
    assert checkpoint.load(old).prefix == str(old)
    assert generate_from_checkpoint(old, 40, "F", 3, seed=5, verbose=False) == trained[1]


def test_what_killed_saves_left_is_ignored_by_readers_and_removed_by_the_next_writer(trained, tmp_path):
    path = copy_checkpoint(trained[0], tmp_path)
    ckpt = checkpoint.load(path)
    half = tmp_path / "copy.s99"  # a save killed halfway: its tensors written, the pointer never switched
    shutil.copy(f"{ckpt.prefix}.index", f"{half}.index")
    Path(f"{half}.data-00000-of-00001").write_bytes(b"\0" * 100)
    (tmp_path / "copy.s100_temp").mkdir()  # where the Saver writes before merging
    (tmp_path / "copy.config.json.tmp-12345").write_text("{")
    (tmp_path / "copy.tmp-999.index").write_text("old format")  # left by a killed save of the first format
    keep = tmp_path / "copy-best.s1.index"
    keep.write_text("another checkpoint's set: not ours to delete")
    assert generate_from_checkpoint(path, 40, "F", 3, seed=5, verbose=False) == trained[1]
    with checkpoint.hold_lock(path):
        pass
    assert sorted(tmp_path.iterdir()) == sorted(checkpoint.files(path) + [keep])


def test_a_full_disk_inside_tensorflow_is_named(trained, tmp_path, monkeypatch, text_file):
    """TensorFlow's error text starts 'Graph execution error:'; the operating system's reason is further down."""
    path = copy_checkpoint(trained[0], tmp_path)
    corpus = load_corpus(text_file, valid_fraction=0.1)
    g = build_graph(num_classes=corpus.vocab_size, **TINY)

    def full(*args, **kwargs):
        raise tf.errors.UnknownError(None, None, "Graph execution error:\n\nDetected at node save/SaveV2\n"
                                     "/x/copy.s2_temp/part-00000; No space left on device\n\t [[{{node save}}]]")

    monkeypatch.setattr(g["saver"], "save", full)
    with pytest.raises(R2RTError, match=r"\(No space left on device\); the previous checkpoint there is unchanged"):
        train_network(g, 2, data=corpus.train, vocab=corpus.vocab, save=str(path), resume=str(path), verbose=False)


def test_generate_without_a_prompt_on_a_text_with_no_capital_a(tmp_path, capsys):
    text = tmp_path / "lower.txt"
    text.write_text("the quick brown fox jumps over the lazy dog\n" * 60)
    code, _, err = run(["train", "--text", text, "--epochs", "1", "--valid-fraction", "0", "--save", tmp_path / "m"]
                       + TINY_FLAGS, capsys)
    assert code == 0, err
    code, out, err = run(["generate", tmp_path / "m", "--num-chars", "20", "--seed", "1"], capsys)
    assert code == 0, err
    assert out.startswith("\n") and len(out.rstrip("\n")) >= 1  # primed with a line break, a character it knows


def test_train_resume_of_a_word_model_says_so(trained, tmp_path, capsys, text_file):
    path = copy_checkpoint(trained[0], tmp_path)
    words = len(checkpoint.load(path).vocab)  # a config of the word model's kind, the rest as it was
    edit_config(path, lambda m: m.update(config={"builder": "ptb_word_lm", "num_layers": 1, "hidden_size": 16,
                                                 "vocab_size": words}))
    code, _, err = run(["train", "--text", text_file, "--epochs", "2", "--resume", path] + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "PTB word model", "ptb command")
    assert "characters" not in err


# --- sizes and inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state_size", ["30000", "1000000"])
def test_a_model_too_big_for_memory_is_refused_before_it_is_built(capsys, text_file, state_size):
    code, out, err = run(["train", "--text", text_file, "--epochs", "1"] + TINY_FLAGS + ["--state-size", state_size],
                         capsys)
    assert_one_line_error(code, err, "GiB to train", "--state-size")
    assert "Built the" not in out


def test_a_huge_learning_rate_is_refused_without_numpy_warnings(capsys, text_file):
    code, _, err = run(["train", "--text", text_file, "--epochs", "1"] + TINY_FLAGS + ["--learning-rate", "1e39"],
                       capsys)
    assert_one_line_error(code, err, "--learning-rate")
    assert "overflow" not in err.lower() and "warning" not in err.lower()


def test_a_validation_fraction_that_starves_training_is_named(capsys, text_file):
    code, _, err = run(["train", "--text", text_file, "--epochs", "1", "--valid-fraction", "0.9999"] + TINY_FLAGS,
                       capsys)
    assert_one_line_error(code, err, "--valid-fraction")


def test_texts_that_never_end_are_refused(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # nobody writes to it: opening it would block forever
    for source in ("/dev/zero", fifo):
        code, _, err = run(["train", "--text", source, "--epochs", "1"] + TINY_FLAGS, capsys)
        assert_one_line_error(code, err, "not a regular file", str(source))


def test_an_address_we_cannot_read_says_so(capsys):
    code, _, err = run(["train", "--text", "ftp://example.org/input.txt", "--epochs", "1"] + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "ftp:// addresses are not supported")
    assert "not found" not in err


def test_a_server_that_never_answers_times_out(tmp_path, capsys, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts the connection (the kernel does), then says nothing
    monkeypatch.setenv("R2RT_DOWNLOAD_TIMEOUT", "1")  # read when a download needs it (r2rt_rnn.runtime.fetch)
    monkeypatch.setenv("R2RT_CACHE_DIR", str(tmp_path / "cache"))
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/input.txt"
        code, _, err = run(["train", "--text", url, "--epochs", "1"] + TINY_FLAGS, capsys)
    finally:
        server.close()
    assert_one_line_error(code, err, "did not answer within 1 s")
    assert not any((tmp_path / "cache").glob("*"))  # nothing half-downloaded left in the cache


def test_a_download_is_streamed_into_the_cache(tmp_path, monkeypatch, text_file):
    """A real local HTTP server: the text arrives whole, once, and the cache holds only the complete file."""
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(text_file.parent))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{text_file.name}"
        assert data.load_text(url, cache_dir=tmp_path) == text_file.read_text()
    finally:
        server.shutdown()
    assert [p.name.endswith(text_file.name) for p in tmp_path.iterdir()] == [True]


def test_the_output_guard_drops_writes_after_the_first_failure():
    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        flush = write

        def fileno(self):
            raise OSError("no descriptor")

    guarded = output.GuardedStdout(Closed(), note=None)
    assert guarded.write("abc") == 3 and guarded.lost == "Broken pipe"
    guarded.write("more")  # dropped, no exception
    guarded.flush()


def test_ptb_save_refuses_to_replace_a_checkpoint_unless_told(tmp_path, capsys):
    fixture = Path(__file__).resolve().parent / "fixtures" / "ptb_tiny"
    args = ["ptb", "--data-path", fixture, "--model", "test", "--max-epochs", "1", "--save", tmp_path / "words"]
    code, _, err = run(args, capsys)
    assert code == 0, err
    before = checkpoint.config_path(tmp_path / "words").read_text()
    code, _, err = run(args, capsys)
    assert_one_line_error(code, err, "already holds a checkpoint", "--overwrite")
    assert checkpoint.config_path(tmp_path / "words").read_text() == before
    code, _, err = run(args + ["--overwrite"], capsys)
    assert code == 0, err
