"""Tests for the PTB word-level language model (r2rt_rnn.ptb).

The real PTB training split is not available here, so the tests run on a tiny
fixture of the same format under tests/fixtures/ptb_tiny/, generated from the
bundled tiny-shakespeare text (run ``python tests/test_ptb.py`` to rewrite it).
When ``R2RT_PTB_DIR`` points at the real validation/test files, their published
sizes are checked too.
"""
import collections
import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_one_line_error, run
from r2rt_rnn.data import PACKAGE_ROOT
from r2rt_rnn.runtime.errors import R2RTError

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ptb_tiny"
_TOKEN = re.compile(r"[a-z]+|'[a-z]+|\d+")
_FIXTURE_WORDS = {"train": 6000, "valid": 2000, "test": 2000}  # at least this many tokens, <eos> included


def make_fixture_texts():
    """PTB-format text for the three fixture splits, from the bundled tiny-shakespeare.

    One sentence per line with a leading and trailing space, lower-case words,
    numbers as ``N``, words seen fewer than twice in the training split as ``<unk>``.
    """
    def sentences():
        for line in (PACKAGE_ROOT / "data" / "tinyshakespeare.txt").read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.endswith(":"):  # skip blank lines and speaker names
                continue
            tokens = ["N" if t.isdigit() else t for t in _TOKEN.findall(line.lower())]
            if tokens:
                yield tokens

    stream = sentences()
    splits = {}
    for split, size in _FIXTURE_WORDS.items():
        lines, count = [], 0
        while count < size:
            line = next(stream)
            lines.append(line)
            count += len(line) + 1
        splits[split] = lines
    counts = collections.Counter(w for line in splits["train"] for w in line)
    keep = {w for w, c in counts.items() if c >= 2} | {"N"}
    return {
        split: "".join(" " + " ".join(w if w in keep else "<unk>" for w in line) + " \n" for line in lines)
        for split, lines in splits.items()
    }


# ---------------------------------------------------------------- reader


def test_fixture_is_reproducible_and_ptb_shaped():
    texts = make_fixture_texts()
    for split, text in texts.items():
        assert (FIXTURE / f"ptb.{split}.txt").read_text(encoding="utf-8") == text, f"regenerate {split}"
    from r2rt_rnn.ptb.reader import ptb_raw_data

    data = ptb_raw_data(FIXTURE)
    assert len(data.train) >= 6000 and len(data.valid) >= 2000 and len(data.test) >= 2000
    assert "<unk>" in data.word_to_id and "<eos>" in data.word_to_id


def test_vocab_sorted_by_count_then_word_and_eos_at_line_ends(tmp_path):
    from r2rt_rnn.ptb.reader import build_vocab, file_to_word_ids, read_words

    path = tmp_path / "ptb.train.txt"
    path.write_text(" b a b \n c \n", encoding="utf-8")
    assert read_words(path) == ["b", "a", "b", "<eos>", "c", "<eos>"]
    # counts: b 2, <eos> 2, a 1, c 1; ties alphabetical ('<' sorts before letters)
    vocab = build_vocab(path)
    assert vocab == {"<eos>": 0, "b": 1, "a": 2, "c": 3}
    assert file_to_word_ids(path, vocab).tolist() == [1, 2, 1, 0, 3, 0]


def test_unseen_words_map_to_unk_or_fail_without_unk(tmp_path):
    from r2rt_rnn.ptb.reader import build_vocab, file_to_word_ids

    (tmp_path / "ptb.train.txt").write_text(" the <unk> cat \n", encoding="utf-8")
    (tmp_path / "ptb.valid.txt").write_text(" the dog \n", encoding="utf-8")
    vocab = build_vocab(tmp_path / "ptb.train.txt")
    ids = file_to_word_ids(tmp_path / "ptb.valid.txt", vocab)
    assert ids.tolist() == [vocab["the"], vocab["<unk>"], vocab["<eos>"]]
    (tmp_path / "ptb.train.txt").write_text(" the cat \n", encoding="utf-8")
    with pytest.raises(R2RTError, match="'dog'"):
        file_to_word_ids(tmp_path / "ptb.valid.txt", build_vocab(tmp_path / "ptb.train.txt"))


def test_missing_file_and_missing_directory_are_clear_errors(tmp_path, capsys):
    from r2rt_rnn.cli import main as cli_main
    from r2rt_rnn.ptb.reader import ptb_raw_data

    for split in ("train", "valid"):
        (tmp_path / f"ptb.{split}.txt").write_text(" a b \n", encoding="utf-8")
    with pytest.raises(R2RTError, match=r"ptb\.test\.txt.*simple-examples"):
        ptb_raw_data(tmp_path)
    with pytest.raises(R2RTError, match="directory not found"):
        ptb_raw_data(tmp_path / "nowhere")
    assert cli_main(["ptb", "--data-path", str(tmp_path), "--model", "test"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: PTB file not found") and "ptb.test.txt" in err
    assert "--data-path must be a directory holding" in err and "leave --data-path out to download" in err


def test_a_split_that_is_a_folder_is_named_as_a_folder(tmp_path, capsys):
    from r2rt_rnn.ptb.reader import ptb_raw_data, read_words

    for split in ("train", "test"):
        (tmp_path / f"ptb.{split}.txt").write_text(" a b \n", encoding="utf-8")
    (tmp_path / "ptb.valid.txt").mkdir()
    with pytest.raises(R2RTError, match=r"ptb\.valid\.txt is a folder, not a file"):
        ptb_raw_data(tmp_path)
    with pytest.raises(R2RTError, match="is a folder, not a file"):
        read_words(tmp_path / "ptb.valid.txt")
    code, _, err = run(["ptb", "--data-path", tmp_path, "--model", "test", "--progress", "off"], capsys)
    line = assert_one_line_error(code, err, "ptb.valid.txt is a folder, not a file", "--data-path must be a directory")
    assert "not found" not in line


def test_download_ptb_extracts_the_three_files_from_the_archive(tmp_path):
    """The published archive's layout, served from a file:// URL (no network here)."""
    import tarfile

    from r2rt_rnn.ptb.reader import download_ptb, ptb_raw_data

    archive = tmp_path / "simple-examples.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        for split in ("train", "valid", "test"):
            tar.add(FIXTURE / f"ptb.{split}.txt", arcname=f"./simple-examples/data/ptb.{split}.txt")
    target = download_ptb(cache_dir=tmp_path / "cache", url=archive.as_uri())
    assert target == tmp_path / "cache" / "ptb"
    assert ptb_raw_data(target).train.tolist() == ptb_raw_data(FIXTURE).train.tolist()
    archive.unlink()  # a second call finds the extracted files and downloads nothing
    assert download_ptb(cache_dir=tmp_path / "cache", url=archive.as_uri()) == target


def test_find_ptb_looks_in_data_path_then_the_download_cache_and_never_downloads(tmp_path, monkeypatch):
    import shutil

    from r2rt_rnn.ptb.reader import find_ptb

    monkeypatch.delenv("R2RT_PTB_DIR", raising=False)
    cache = tmp_path / "cache"
    assert find_ptb(cache_dir=cache) is None and not cache.exists()  # nothing there, nothing fetched
    shutil.copytree(FIXTURE, cache / "ptb")
    assert find_ptb(cache_dir=cache) == cache / "ptb"
    assert find_ptb(FIXTURE, cache_dir=cache) == FIXTURE  # data_path first
    monkeypatch.setenv("R2RT_PTB_DIR", str(FIXTURE))
    assert find_ptb(cache_dir=cache) == FIXTURE
    (cache / "ptb" / "ptb.test.txt").unlink()  # a folder lacking a split does not count
    assert find_ptb(tmp_path / "empty", cache_dir=cache) is None


def test_real_ptb_valid_and_test_sizes():
    ptb_dir = os.environ.get("R2RT_PTB_DIR")
    if not ptb_dir:
        pytest.skip("R2RT_PTB_DIR is not set; point it at a directory with the real ptb.valid.txt and ptb.test.txt")
    from r2rt_rnn.ptb.reader import read_words, split_path

    valid = read_words(split_path(ptb_dir, "valid"))
    test = read_words(split_path(ptb_dir, "test"))
    assert len(valid) == 73760
    assert len(test) == 82430
    assert valid.count("<eos>") == 3370 and test.count("<eos>") == 3761
    assert len(set(valid) | set(test)) <= 10000  # both drawn from the 10k-word vocabulary


# ---------------------------------------------------------------- configs and model


def test_configs_have_the_published_hyper_parameters():
    from r2rt_rnn.ptb.configs import LargeConfig, MediumConfig, SmallConfig, TestConfig

    fields = ("num_layers", "hidden_size", "num_steps", "init_scale", "keep_prob", "max_epoch", "max_max_epoch",
              "max_grad_norm", "learning_rate", "batch_size", "vocab_size")
    as_row = lambda c: tuple(getattr(c, f) for f in fields)  # noqa: E731
    assert as_row(SmallConfig()) == (2, 200, 20, 0.1, 1.0, 4, 13, 5, 1.0, 20, 10000)
    assert as_row(MediumConfig()) == (2, 650, 35, 0.05, 0.5, 6, 39, 5, 1.0, 20, 10000)
    assert as_row(LargeConfig()) == (2, 1500, 35, 0.04, 0.35, 14, 55, 10, 1.0, 20, 10000)
    assert (SmallConfig().lr_decay, MediumConfig().lr_decay) == (0.5, 0.8)
    assert LargeConfig().lr_decay == pytest.approx(1 / 1.15)
    assert as_row(TestConfig())[:3] == (1, 2, 2)


@pytest.fixture(scope="module")
def fixture_data():
    from r2rt_rnn.ptb.reader import ptb_raw_data

    return ptb_raw_data(FIXTURE)


def _config(data, **overrides):
    from r2rt_rnn.ptb.configs import TestConfig

    return dataclasses.replace(TestConfig(), vocab_size=data.vocab_size, **overrides)


def test_one_lstm_per_layer_and_weights_shared_between_models(fixture_data):
    from r2rt_rnn.ptb.model import build_models
    from r2rt_rnn.tf1 import tf

    models = build_models(_config(fixture_data, num_layers=2, hidden_size=8))
    with models["graph"].as_default():
        names = sorted(v.op.name for v in tf.trainable_variables())
    # embedding, softmax_w, softmax_b and a kernel + bias for EACH of the 2 layers, once for all 3 models
    assert len(names) == 7, names
    assert sum("cell_0" in n for n in names) == 2 and sum("cell_1" in n for n in names) == 2


def _numpy_perplexity(session, model, ids, carry_state=True):
    """Per-word perplexity from the model's logits, computed in numpy, batch by batch."""
    from r2rt_rnn.data import ptb_iterator

    losses = []
    state = session.run(model.initial_state)
    for x, y in ptb_iterator(ids, model.batch_size, model.num_steps):
        feed = {model.input_data: x, model.targets: y}
        if carry_state:
            feed.update(model.state_feed(state))
        logits, state = session.run([model.logits, model.final_state], feed)
        logits = logits.astype(np.float64)
        log_z = np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1)) + logits.max(1)
        losses.append(log_z - logits[np.arange(len(logits)), y.reshape(-1)])  # -log softmax(target)
    return float(np.exp(np.mean(np.concatenate(losses))))


def test_perplexity_is_exp_of_mean_word_loss_and_state_is_carried(fixture_data):
    from r2rt_rnn.ptb.model import build_models
    from r2rt_rnn.ptb.word_lm import run_epoch
    from r2rt_rnn.tf1 import tf

    config = _config(fixture_data, hidden_size=16, num_steps=5, batch_size=4, init_scale=0.5)
    models = build_models(config, seed=1)
    with tf.Session(graph=models["graph"]) as session:
        session.run(models["init"])
        for model, ids in ((models["valid"], fixture_data.valid), (models["test"], fixture_data.test[:600])):
            ppl = run_epoch(session, model, ids)
            assert ppl == pytest.approx(_numpy_perplexity(session, model, ids), rel=1e-5)
            # ... and that agreement needs the state carried: resetting it each batch changes the number
            assert abs(ppl - _numpy_perplexity(session, model, ids, carry_state=False)) > 1e-4 * ppl


def test_run_epoch_stops_after_max_batches(fixture_data):
    from r2rt_rnn.ptb.model import build_models
    from r2rt_rnn.ptb.word_lm import run_epoch
    from r2rt_rnn.tf1 import tf

    models = build_models(_config(fixture_data, hidden_size=16, num_steps=5, batch_size=4), seed=1)
    model, seen = models["valid"], []
    with tf.Session(graph=models["graph"]) as session:
        session.run(models["init"])
        run_epoch(session, model, fixture_data.valid, on_batch=lambda done, loss: seen.append(done), max_batches=3)
        assert seen == [1, 2, 3]
        whole = []
        run_epoch(session, model, fixture_data.valid, on_batch=lambda done, loss: whole.append(done))
    assert len(whole) > 3


def test_feeding_the_previous_final_state_changes_the_loss(fixture_data):
    from r2rt_rnn.data import ptb_iterator
    from r2rt_rnn.ptb.model import build_models
    from r2rt_rnn.tf1 import tf

    models = build_models(_config(fixture_data, hidden_size=16, num_steps=5, init_scale=0.5), seed=2)
    model = models["valid"]
    (x0, y0), (x1, y1) = list(ptb_iterator(fixture_data.valid, model.batch_size, model.num_steps))[:2]
    with tf.Session(graph=models["graph"]) as session:
        session.run(models["init"])
        state = session.run(model.final_state, {model.input_data: x0, model.targets: y0})
        feed = {model.input_data: x1, model.targets: y1}
        zero_cost = session.run(model.cost, feed)
        carried_cost = session.run(model.cost, {**feed, **model.state_feed(state)})
        assert np.abs(state[0].h).max() > 1e-3  # the state is not (nearly) zero ...
        assert abs(carried_cost - zero_cost) > 1e-4  # ... and feeding it changes the loss


def test_training_lowers_perplexity_follows_lr_schedule_and_checkpoints(fixture_data, tmp_path):
    from r2rt_rnn.ptb.word_lm import checkpoint_perplexity, train

    config = _config(fixture_data, hidden_size=32, num_steps=10, max_epoch=2, lr_decay=0.5, max_grad_norm=5)
    result = train(config, raw_data=fixture_data, max_epochs=4, save_path=tmp_path, seed=0, log=None)
    expected_lr = [config.learning_rate * config.lr_decay ** max(i + 1 - config.max_epoch, 0) for i in range(4)]
    assert result.learning_rates == pytest.approx(expected_lr)  # read back from the lr variable: 1, 1, .5, .25
    assert expected_lr == [1.0, 1.0, 0.5, 0.25]
    assert result.train_perplexity[-1] < 0.8 * result.train_perplexity[0]
    assert result.valid_perplexity[-1] < result.valid_perplexity[0]
    assert result.test_perplexity < fixture_data.vocab_size / 3  # far better than a uniform guess
    # the checkpoint restores to the same test perplexity
    restored = checkpoint_perplexity(tmp_path, FIXTURE, split="test", raw_data=fixture_data)
    assert restored == pytest.approx(result.test_perplexity, rel=1e-5)


def test_command_line_quick_run(capsys):
    from r2rt_rnn.cli import main as cli_main

    argv = ["ptb", "--data-path", str(FIXTURE), "--model", "test", "--max-epochs", "1", "--progress", "off"]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r"Epoch 1/1 .*valid perplexity \d+\.\d+", out)
    assert re.search(r"Test perplexity \d+\.\d+", out)


def test_ptb_speed_times_batches_and_projects_a_full_run():
    from r2rt_rnn.reproduction.reproduce import ptb_speed

    result = ptb_speed(FIXTURE, models=("test", "small"), batches=3, warmup=1)
    peak = result["matmul_peak"]["gflops"]
    assert peak == max(s["gflops"] for s in result["matmul_peak"]["shapes"]) > 0
    for name, epochs in (("test", 1), ("small", 13)):
        r = result["models"][name]
        assert r["batches_timed"] == 3 and r["words_per_second"] > 0 and r["epochs"] == epochs
        assert r["projected_hours"] == pytest.approx(epochs * r["seconds_per_epoch"] / 3600)
        bound = r["arithmetic"]["at_peak"]
        assert bound["words_per_second"] == pytest.approx(peak * 1e9 / r["arithmetic"]["train_flops_per_word"])
        assert r["arithmetic"]["product_rates"]["softmax"]["shape"][2] == r["config"]["vocab_size"]


def test_ptb_flops_per_word_are_the_lstm_and_softmax_products():
    from r2rt_rnn.ptb.configs import get_config
    from r2rt_rnn.ptb.cost import forward_flops_per_word, seconds_per_batch, train_flops_per_word

    small = get_config("small")  # 2 x 200, vocabulary 10,000
    assert forward_flops_per_word(small) == {"lstm": 2 * 2 * 400 * 800, "softmax": 2 * 200 * 10000,
                                             "total": 1_280_000 + 4_000_000}
    assert train_flops_per_word(small) == 3 * 5_280_000
    # 2 layers x 20 steps of LSTM products and one softmax product per batch, all three passes
    assert seconds_per_batch(small, {"lstm": 1.0, "softmax": 10.0}) == 3 * (40 * 1.0 + 10.0)


def test_ptb_speed_refuses_more_batches_than_an_epoch_holds():
    from r2rt_rnn.cli.reproduce import ptb_speed

    with pytest.raises(R2RTError, match=r"--batches 100000: the small model has \d+ training batches"):
        ptb_speed(FIXTURE, models=("small",), batches=100000)


# A checkpoint's test perplexity in a new process: test_ptb_sample.py, in the one process that also checks its
# sample (the same one-epoch model is trained there).


def test_ctrl_c_during_ptb_training_names_the_saved_epochs(fixture_data, tmp_path, monkeypatch):
    from r2rt_rnn.ptb import word_lm
    from r2rt_rnn.runtime.errors import TrainingInterrupted

    real_run_epoch, calls = word_lm.run_epoch, []

    def interrupted_in_epoch_2(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # epoch 1 train, epoch 1 valid, then epoch 2 train
            raise KeyboardInterrupt
        return real_run_epoch(*args, **kwargs)

    monkeypatch.setattr(word_lm, "run_epoch", interrupted_in_epoch_2)
    with pytest.raises(TrainingInterrupted, match=r"epoch 2; the checkpoint .* holds the 1 complete epoch"):
        word_lm.train(_config(fixture_data), raw_data=fixture_data, max_epochs=3, save_path=tmp_path / "c", log=None)


# ---------------------------------------------------------------- messages name the commands' own options


def _short_splits(folder, train_words):
    """A PTB folder whose training split is ``train_words`` words long (valid and test are the fixture's)."""
    folder.mkdir(exist_ok=True)
    (folder / "ptb.train.txt").write_text(" a b c d \n" * (train_words // 5), encoding="utf-8")
    for split in ("valid", "test"):
        (folder / f"ptb.{split}.txt").write_text(" a b c d \n" * 400, encoding="utf-8")
    return folder


def test_a_missing_data_folder_names_data_path(tmp_path, capsys):
    code, _, err = run(["ptb", "--data-path", tmp_path / "nowhere", "--model", "test"], capsys)
    line = assert_one_line_error(code, err)
    assert "directory not found" in line and "--data-path must be a directory holding" in line


def test_a_short_split_names_the_ptb_commands_options(tmp_path, capsys):
    """One training batch of the small model takes 20 * (20 + 1) = 420 words, of the test model 60; 50 are too few."""
    data = _short_splits(tmp_path / "ptb", 50)
    code, _, err = run(["ptb", "--data-path", data, "--progress", "off"], capsys)
    line = assert_one_line_error(code, err)
    assert "the training split has 50 words" in line and "use a longer ptb.train.txt or a smaller --model" in line
    assert "batch_size" not in line and "num_steps" not in line  # the ptb command has no such options
    code, _, err = run(["ptb", "--data-path", data, "--model", "test", "--progress", "off"], capsys)
    line = assert_one_line_error(code, err)
    assert line.endswith("use a longer ptb.train.txt")  # no smaller model to offer
    # reproduce ptb_small has no --model either: the fix there is the data alone
    code, _, err = run(["reproduce", "ptb_small", "--data-path", data, "--out", tmp_path / "out", "--epochs", "1",
                         "--progress", "off"], capsys)
    line = assert_one_line_error(code, err)
    assert "use a longer ptb.train.txt" in line and "--model" not in line and "batch_size" not in line


def test_a_failed_ptb_download_says_to_pass_data_path(tmp_path, capsys, monkeypatch):
    """No --data-path: the archive is downloaded into the cache; here its server has no such file."""
    from r2rt_rnn.ptb import reader
    from r2rt_rnn.runtime import fetch

    monkeypatch.setenv("R2RT_CACHE_DIR", str(tmp_path / "cache"))
    gone = (tmp_path / "gone" / "simple-examples.tgz").as_uri()
    monkeypatch.setattr(reader, "download", lambda url, cache_dir, **kw: fetch.download(gone, cache_dir, **kw))
    code, _, err = run(["ptb", "--model", "test", "--progress", "off"], capsys)
    line = assert_one_line_error(code, err)
    assert "could not download" in line and "give --data-path its simple-examples/data folder" in line
    assert "file's path" not in line and "local file path" not in line


def test_a_damaged_ptb_archive_says_to_pass_data_path(tmp_path, capsys, monkeypatch):
    """A download cut short left a cached archive that is not a tar file."""
    import hashlib

    from r2rt_rnn.ptb import reader

    monkeypatch.setenv("R2RT_CACHE_DIR", str(tmp_path))
    cached = tmp_path / f"{hashlib.sha1(reader.PTB_URL.encode()).hexdigest()[:10]}-simple-examples.tgz"
    cached.write_bytes(b"\x1f\x8b not really gzip")
    code, _, err = run(["ptb", "--model", "test", "--progress", "off"], capsys)
    line = assert_one_line_error(code, err)
    assert "could not extract the PTB files" in line and "give --data-path that folder" in line
    assert f"delete {cached} and retry" in line  # the cache entry to drop, named


def test_reproduce_ptb_small_names_save_dir(tmp_path, capsys):
    from r2rt_rnn.runtime import checkpoint

    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(["reproduce", "ptb_small", "--data-path", FIXTURE, "--save-dir", blocker / "sub",
                           "--out", tmp_path / "out", "--epochs", "1", "--progress", "off"], capsys)
    line = assert_one_line_error(code, err)
    assert "is a file, not a folder" in line and "choose another --save-dir path" in line
    assert "Epoch" not in out
    (tmp_path / "saves").mkdir()
    with checkpoint.hold_lock(tmp_path / "saves" / "ptb_small"):  # another run writes there (a second flock)
        code, out, err = run(["reproduce", "ptb_small", "--data-path", FIXTURE, "--save-dir", tmp_path / "saves",
                               "--out", tmp_path / "out", "--epochs", "1", "--progress", "off"], capsys)
    line = assert_one_line_error(code, err)
    assert f"process {os.getpid()}" in line and "choose another --save-dir path" in line
    assert "Epoch" not in out


def test_reproduce_ptb_speed_refuses_too_little_data_before_timing_any_model(tmp_path, capsys):
    """The fixture gives the medium model 8 batches an epoch, fewer than the 10 of the warm-up."""
    code, out, err = run(["reproduce", "ptb_speed", "--data-path", FIXTURE, "--batches", "1",
                           "--out", tmp_path, "--progress", "off"], capsys)
    line = assert_one_line_error(code, err)
    assert "the medium model gets only 8 training batches" in line and "give --data-path the real PTB" in line
    assert "ask for at most -" not in line
    assert "words/s" not in out  # refused before the small model was timed


if __name__ == "__main__":  # rewrite the fixture
    FIXTURE.mkdir(parents=True, exist_ok=True)
    for split, text in make_fixture_texts().items():
        (FIXTURE / f"ptb.{split}.txt").write_text(text, encoding="utf-8")
        print(f"wrote {FIXTURE / f'ptb.{split}.txt'}: {len(text.split()) + text.count(chr(10))} tokens")


def test_cpu_share_tells_our_seconds_from_other_programs():
    import subprocess
    import sys

    from r2rt_rnn.runtime.machine import cpu_seconds, cpu_share

    before = cpu_seconds()
    busy = subprocess.Popen([sys.executable, "-c", "import time\nt = time.time()\nwhile time.time() - t < 1: pass"])
    busy.wait()
    share = cpu_share(before, cpu_seconds(), 1.0)
    assert share["own_cpu_seconds"] < 0.5  # this process only waited
    if share["other_cpu_seconds"] is not None:  # Linux: the child's busy second is another program's
        assert share["other_cpu_seconds"] >= 0.5
