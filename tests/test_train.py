"""train_network: losses, validation, repeatability, checkpoints, resuming, Ctrl-C, and the train command."""
import json

import pytest

import r2rt_rnn.train as train_module
from conftest import REPO, assert_one_line_error, run, run_cli
from r2rt_rnn.model import build_graph
from r2rt_rnn.runtime import checkpoint
from r2rt_rnn.runtime.errors import R2RTError, TrainingInterrupted
from r2rt_rnn.train import train_network

SMALL = dict(state_size=32, batch_size=8, num_steps=20, num_layers=2, learning_rate=5e-3)


def small_graph(cell_type="GRU", **overrides):
    return build_graph(cell_type=cell_type, **{**SMALL, **overrides})


def train_small(g, epochs, data, **kwargs):
    return train_network(g, epochs, num_steps=SMALL["num_steps"], batch_size=SMALL["batch_size"], verbose=False,
                         data=data, **kwargs)


def test_losses_fall_and_validation_is_reported(small_data):
    history = train_small(small_graph(), 3, small_data[:8000], valid_data=small_data[8000:12000])
    assert len(history) == len(history.valid_losses) == len(history.epoch_seconds) == 3
    assert history[-1] < history[0]
    assert history.valid_losses[-1] < history.valid_losses[0]


def test_training_is_repeatable(small_data):
    a = train_small(small_graph(), 1, small_data[:4000])
    b = train_small(small_graph(), 1, small_data[:4000])
    assert a == pytest.approx(b, rel=1e-5)


def test_verbose_prints_the_posts_line(small_data, capsys):
    train_network(small_graph(), 1, num_steps=20, batch_size=8, data=small_data[:2000])
    assert "Average training loss for Epoch 0 :" in capsys.readouterr().out


def test_sizes_default_to_the_graphs_and_a_mismatch_is_a_clear_error(small_data):
    g = small_graph()
    history = train_network(g, 1, data=small_data[:2000], verbose=False)  # the graph's 20 steps, batch 8
    assert len(history) == 1
    with pytest.raises(R2RTError, match="num_steps=20 but train_network got num_steps=200"):
        train_network(g, 1, 200, 8, data=small_data, verbose=False)  # the post's positional call


def test_too_few_classes_is_a_clear_error(small_data):
    g = small_graph(num_classes=10)
    with pytest.raises(R2RTError, match="num_classes=10"):
        train_small(g, 1, small_data)


def test_save_writes_weights_vocabulary_and_config(tmp_path, small_data, corpus):
    path = tmp_path / "ckpt" / "GRU"
    history = train_small(small_graph(), 2, small_data[:3000], save=str(path), vocab=corpus.vocab)
    assert checkpoint.exists(path) and history.checkpoint == path
    saved = checkpoint.load(path)
    config, progress, vocab = saved.config, saved.progress, saved.vocab
    assert config["cell_type"] == "GRU" and config["state_size"] == 32
    assert progress["epochs_done"] == 2 and progress["losses"] == pytest.approx(list(history))
    assert vocab == corpus.vocab


def test_restore_into_another_configuration_names_the_mismatch(tmp_path, small_data, corpus):
    path = tmp_path / "GRU"
    train_small(small_graph(), 1, small_data[:2000], save=str(path), vocab=corpus.vocab)
    with pytest.raises(R2RTError, match=r"state_size=32 in the checkpoint but 64 in this graph"):
        train_small(small_graph(state_size=64), 1, small_data[:2000], resume=str(path))
    with pytest.raises(R2RTError, match=r"cell_type='GRU' in the checkpoint but 'LSTM'"):
        train_small(small_graph("LSTM"), 1, small_data[:2000], resume=str(path))


def interrupt_on_call(monkeypatch, n):
    """Make the n-th call of run_batches raise KeyboardInterrupt, as Ctrl-C does in the main thread."""
    real_run_batches = train_module.run_batches
    calls = []

    def run_batches(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real_run_batches(*args, **kwargs)

    monkeypatch.setattr(train_module, "run_batches", run_batches)
    return lambda: monkeypatch.setattr(train_module, "run_batches", real_run_batches)


@pytest.mark.slow
def test_ctrl_c_keeps_the_last_complete_epoch_and_resumes_as_if_uninterrupted(tmp_path, small_data, corpus,
                                                                             monkeypatch):
    data = small_data[:3000]
    uninterrupted = train_small(small_graph(), 3, data)
    undo = interrupt_on_call(monkeypatch, 2)  # during the second epoch
    path = tmp_path / "run"
    with pytest.raises(TrainingInterrupted,
                       match=r"holds the 1 complete epoch\(s\); continue with train_network\(\.\.\., resume="):
        train_small(small_graph(), 3, data, save=str(path), vocab=corpus.vocab)
    assert checkpoint.load(path).progress["epochs_done"] == 1
    undo()

    resumed = train_small(small_graph(), 3, data, save=str(path), vocab=corpus.vocab, resume=str(path))
    assert len(resumed) == 3
    # The checkpoint holds the end of epoch 1 (weights and Adam state), so every later epoch matches the
    # uninterrupted run to the printed digits.
    assert [f"{x:.4f}" for x in resumed] == [f"{x:.4f}" for x in uninterrupted]


def test_ctrl_c_without_save_path_keeps_the_last_complete_epoch(tmp_path, small_data, corpus, monkeypatch):
    """Without a save path the epochs go to a new folder of their own: a second interrupted run never replaces the
    first one's model."""
    monkeypatch.chdir(tmp_path)
    undo = interrupt_on_call(monkeypatch, 2)
    with pytest.raises(TrainingInterrupted, match="no save path was given.*kept in saves/interrupted/run-1"):
        train_small(small_graph(), 3, small_data[:2000], vocab=corpus.vocab)
    first = checkpoint.load(tmp_path / "saves" / "interrupted" / "run-1")
    assert first.progress["epochs_done"] == 1
    undo()
    interrupt_on_call(monkeypatch, 3)
    with pytest.raises(TrainingInterrupted, match="saves/interrupted/run-2"):
        train_small(small_graph(), 3, small_data[:2000], vocab=corpus.vocab)
    assert checkpoint.load(tmp_path / "saves" / "interrupted" / "run-2").progress["epochs_done"] == 2
    assert checkpoint.load(tmp_path / "saves" / "interrupted" / "run-1").progress == first.progress


def test_ctrl_c_in_the_first_epoch_saves_nothing(tmp_path, small_data, monkeypatch):
    monkeypatch.chdir(tmp_path)
    interrupt_on_call(monkeypatch, 1)
    with pytest.raises(TrainingInterrupted, match="nothing new was saved"):
        train_small(small_graph(), 2, small_data[:2000])
    assert not (tmp_path / "saves").exists()


@pytest.mark.slow
def test_train_and_generate_commands(tmp_path):
    text = tmp_path / "tiny.txt"
    text.write_text((REPO / "data" / "tinyshakespeare.txt").read_text()[:12000])
    save = tmp_path / "saves" / "GRU"
    out = run_cli("train", "--text", text, "--cell", "GRU", "--epochs", "2", "--num-steps", "20",
                  "--batch-size", "8", "--state-size", "32", "--num-layers", "2", "--save", save)
    assert out.returncode == 0, out.stderr
    assert "The average loss on the final epoch was:" in out.stdout
    assert "validation loss" in out.stdout
    assert json.loads(checkpoint.config_path(save).read_text())["progress"]["epochs_done"] == 2
    gen = run_cli("generate", save, "--num-chars", "60", "--prompt", "First", "--top", "5", "--seed", "3")
    assert gen.returncode == 0, gen.stderr
    assert gen.stdout.startswith("First") and len(gen.stdout) == len("First") + 60 + 1  # print adds a newline


@pytest.mark.parametrize("args, message", [
    (["train", "--text", "/nonexistent/file.txt"], "text file not found: /nonexistent/file.txt"),
    (["train", "--text", "{tiny}", "--num-steps", "200"], "one batch needs"),
    (["train", "--batch-size", "0", "--epochs", "1"], "--batch-size must be a positive integer, got 0"),
    (["generate", "/nonexistent/ckpt"], "no checkpoint at /nonexistent/ckpt"),
])
def test_command_errors_are_one_line_without_traceback(tmp_path, args, message, capsys):
    # in-process through the command line's own entry point: the status and the line are what it returns and prints
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("just a few words of text")
    code, _, err = run([a.replace("{tiny}", str(tiny)) for a in args], capsys)
    assert_one_line_error(code, err, message)
