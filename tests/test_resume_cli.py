"""Issue 50's training faults: a vocabulary that does not fit the graph, `--resume PATH` alone continuing a run as it
was (its settings and text from the checkpoint; a flag that disagrees refused by name), and where an interrupted run
without --save keeps its epochs (never over another run's model), or why they were lost."""
import subprocess
import sys

import pytest

from conftest import REPO, TINY, assert_one_line_error
from r2rt_rnn.data import Vocabulary
from r2rt_rnn.runtime import checkpoint, parts
from r2rt_rnn.runtime.errors import R2RTError, TrainingInterrupted


def test_a_vocabulary_that_does_not_fit_the_graph_is_refused_before_training(corpus, small_data):
    from r2rt_rnn.model import build_graph
    from r2rt_rnn.train import train_network

    g = build_graph(**TINY, num_classes=65)
    short = Vocabulary.from_text("".join(corpus.vocab.chars[:58]))
    with pytest.raises(R2RTError, match="vocab has 58 characters but the graph has num_classes=65"):
        train_network(g, 1, data=small_data[:2000] % 58, vocab=short, verbose=False)


def test_a_graph_that_is_not_one_is_named():
    from r2rt_rnn.train import train_network

    with pytest.raises(R2RTError, match="g must be the dict a graph builder returns"):
        train_network({"x": 1}, 1, verbose=False)
    with pytest.raises(R2RTError, match="got str"):
        train_network("GRU", 1, verbose=False)


def test_without_a_writable_place_the_interrupted_epochs_are_said_lost(tmp_path, small_data, corpus, monkeypatch):
    from r2rt_rnn.model import build_graph
    from r2rt_rnn.train import train_network

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(parts, "INTERRUPTED_FOLDER", blocker / "interrupted")
    calls = []

    def stop_in_epoch_two(loss):
        calls.append(loss)
        if len(calls) == 30:
            raise KeyboardInterrupt

    from r2rt_rnn.runtime.loop import Loop

    real_step = Loop.step
    monkeypatch.setattr(Loop, "step", lambda self, loss: (stop_in_epoch_two(loss), real_step(self, loss))[1])
    with pytest.raises(TrainingInterrupted, match=r"the 1 complete epoch\(s\) could not be kept"):
        train_network(build_graph(**TINY, num_classes=65), 3, data=small_data[:2000], vocab=corpus.vocab,
                      verbose=False)


def _train(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "r2rt_rnn", "train", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_resume_alone_continues_the_run_with_its_settings_and_text(tmp_path, text_file, capsys, monkeypatch):
    from r2rt_rnn import cli

    save = tmp_path / "run"
    assert cli.main(["train", "--text", str(text_file), "--valid-fraction", "0.2", "--cell", "GRU", "--state-size",
                     "16", "--num-layers", "1", "--num-steps", "10", "--batch-size", "8", "--learning-rate", "5e-3",
                     "--epochs", "1", "--save", str(save), "--progress", "off"]) == 0
    capsys.readouterr()
    # from another folder, with nothing but the checkpoint and the epochs: the hint a Ctrl-C prints, followed
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--resume", str(save), "--epochs", "2", "--progress", "off"]) == 0
    out = capsys.readouterr().out
    assert f"Continuing on the text {text_file}" in out and "Epoch 1 :" in out
    saved = checkpoint.load(save)
    assert saved.progress["epochs_done"] == 2 and saved.config["state_size"] == 16
    assert saved.progress["about"]["valid_fraction"] == 0.2 and len(saved.progress["valid_losses"]) == 2
    assert cli.main(["train", "--resume", str(save), "--epochs", "3", "--state-size", "32"]) == 2
    assert_one_line_error(2, capsys.readouterr().err, "--state-size 32 differs from the 16", "leave it out")
    assert checkpoint.load(save).progress["epochs_done"] == 2


@pytest.mark.slow
def test_an_interrupted_run_without_save_keeps_its_epochs_in_a_folder_of_its_own(tmp_path, text_file):
    """Two Ctrl-C'd runs without --save: the second never replaces the first one's model (real Ctrl-C)."""
    import os
    import signal

    kept = []
    for _ in range(2):
        proc = subprocess.Popen([sys.executable, "-m", "r2rt_rnn", "train", "--text", str(text_file), "--cell", "GRU",
                                 "--state-size", "16", "--num-layers", "1", "--num-steps", "10", "--batch-size", "8",
                                 "--epochs", "500", "--progress", "off"], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        for line in proc.stdout:
            if line.startswith("Average training loss for Epoch 0"):
                break
        proc.send_signal(signal.SIGINT)
        code, err = proc.wait(timeout=60), proc.stderr.read()
        line = assert_one_line_error(code, err, "no save path was given", "continue with --resume")
        kept.append(line.split("continue with --resume ")[1].strip())
    assert kept[0] != kept[1] and "interrupted/run-1" in kept[0] and "interrupted/run-2" in kept[1]
    assert all(checkpoint.load(tmp_path / k).progress["epochs_done"] >= 1 for k in kept)


@pytest.mark.parametrize("args, flag", [(["ptb_small", "--models", "GRU"], "--models"),
                                        (["ptb_speed", "--epochs", "2"], "--epochs"),
                                        (["slides_text", "--data-path", "x"], "--data-path"),
                                        (["graph_styles", "--batches", "5"], "--batches")])
def test_reproduce_refuses_options_its_experiment_would_ignore(args, flag, capsys):
    from r2rt_rnn import cli

    assert cli.main(["reproduce", *args]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(2, err, f"{flag} does not apply to {args[0]}", "leave it out")
