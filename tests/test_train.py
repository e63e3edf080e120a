"""train_network: losses, validation, repeatability, checkpoints, resuming, Ctrl-C, and the train command."""
import json

import pytest

import r2rt_rnn.train as train_module
from conftest import REPO, run_cli
from r2rt_rnn import checkpoint
from r2rt_rnn.errors import R2RTError
from r2rt_rnn.model import build_graph
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


def test_mismatched_num_steps_is_a_clear_error(small_data):
    g = small_graph()
    with pytest.raises(R2RTError, match="num_steps=20 but train_network got num_steps=200"):
        train_network(g, 1, data=small_data, verbose=False, batch_size=8)


def test_too_few_classes_is_a_clear_error(small_data):
    g = small_graph(num_classes=10)
    with pytest.raises(R2RTError, match="num_classes=10"):
        train_small(g, 1, small_data)


def test_save_writes_weights_vocabulary_and_config(tmp_path, small_data, corpus):
    path = tmp_path / "ckpt" / "GRU"
    history = train_small(small_graph(), 2, small_data[:3000], save=str(path), vocab=corpus.vocab)
    assert checkpoint.exists(path) and history.checkpoint == path
    config, progress, vocab = checkpoint.read_meta(path)
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


def test_ctrl_c_saves_a_checkpoint_that_resumes(tmp_path, small_data, corpus, monkeypatch):
    data = small_data[:3000]
    uninterrupted = train_small(small_graph(), 3, data)

    real_run_batches = train_module.run_batches
    calls = []

    def interrupted_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # what Ctrl-C raises in the main thread
        return real_run_batches(*args, **kwargs)

    monkeypatch.setattr(train_module, "run_batches", interrupted_in_second_epoch)
    path = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train_small(small_graph(), 3, data, save=str(path), vocab=corpus.vocab)
    _, progress, _ = checkpoint.read_meta(path)
    assert progress["epochs_done"] == 1
    monkeypatch.setattr(train_module, "run_batches", real_run_batches)

    resumed = train_small(small_graph(), 3, data, save=str(path), vocab=corpus.vocab, resume=str(path))
    assert len(resumed) == 3
    assert resumed[0] == pytest.approx(uninterrupted[0], rel=1e-5)  # carried over, not retrained
    # the resumed run continues from the saved weights and Adam state, so it ends where the uninterrupted one did
    assert resumed[-1] == pytest.approx(uninterrupted[-1], rel=1e-3)


def test_ctrl_c_without_save_path_still_keeps_the_work(tmp_path, small_data, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(train_module, "run_batches", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        train_small(small_graph(), 2, small_data[:2000])
    assert checkpoint.exists(tmp_path / "saves" / "interrupted")


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
    (["train", "--batch-size", "0", "--epochs", "1"], "batch_size must be a positive integer, got 0"),
    (["generate", "/nonexistent/ckpt"], "no checkpoint at /nonexistent/ckpt"),
])
def test_command_errors_are_one_line_without_traceback(tmp_path, args, message):
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("just a few words of text")
    out = run_cli(*[a.replace("{tiny}", str(tiny)) for a in args])
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr
