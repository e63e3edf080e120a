"""The shipped model, post-GRU: small, weights only, loads by name everywhere a checkpoint is read, never written."""
import json
import re

import pytest

from conftest import REPO, assert_one_line_error, run
from r2rt_rnn import pretrained
from r2rt_rnn.beyond.in_graph_sampler import sample_in_graph
from r2rt_rnn.generate import generate_characters, generate_from_checkpoint
from r2rt_rnn.model import build_graph
from r2rt_rnn.runtime import checkpoint
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.train import train_network

NAME = "post-GRU"


def test_shipped_model_is_small_weights_only_and_recorded():
    ckpt = checkpoint.load(NAME)
    assert ckpt.path == pretrained.path(NAME) and ckpt.weights_only
    assert sum(p.stat().st_size for p in checkpoint.files(NAME)) < 3 * 2**20
    assert not [name for name in ckpt.tensors if "Adam" in name or name.startswith("beta")]
    assert (ckpt.config["cell_type"], ckpt.config["state_size"], ckpt.config["num_layers"]) == ("GRU", 100, 3)
    record = pretrained.record(NAME)
    assert record["command"].startswith("python -m r2rt_rnn train") and record["seed"] == 2345
    assert [e["train_loss"] for e in record["epochs"]] == [round(x, 4) for x in ckpt.progress["losses"]]
    assert len(record["epochs"]) == ckpt.progress["epochs_done"] == 20
    assert record["final_valid_loss"] < 1.9  # trained, not random (a fresh model: about 4.17)


def test_the_readme_describes_the_shipped_model_as_recorded():
    text = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    found = re.search(r"training loss ([\d.]+), held-out validation ([\d.]+)\), stored weights only "
                      r"\(([\d.]+) MB", text)
    record = pretrained.record(NAME)
    assert found and [float(v) for v in found.groups()] == [record["final_train_loss"], record["final_valid_loss"],
                                                             round(record["bytes"] / 1e6, 2)]


def test_same_seed_same_text_from_both_samplers():
    a = generate_from_checkpoint(NAME, 60, "ROMEO:", 5, seed=3, verbose=False)
    b = generate_characters(build_graph(cell_type="GRU", batch_size=1, num_steps=1), pretrained.path(NAME), 60,
                            "ROMEO:", 5, seed=3, verbose=False)
    assert a == b == sample_in_graph(NAME, 60, "ROMEO:", 5, seed=3)
    assert a != sample_in_graph(NAME, 60, "ROMEO:", 5, seed=4)
    assert a.startswith("ROMEO:") and len(a) == 6 + 60


def test_generate_and_inspect_by_name_on_the_command_line(tmp_path, capsys):
    code, out, err = run(["generate", NAME, "--num-chars", "30", "--seed", "1", "--in-graph"], capsys)
    assert code == 0, err
    assert out.startswith("A") and len(out.rstrip("\n")) == 31
    code, out, err = run(["inspect", NAME, "--chars", "300", "--out", tmp_path / "page.html",
                          "--json", tmp_path / "summary.json"], capsys)
    assert code == 0, err
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["tokens"] == 300 and (tmp_path / "page.html").stat().st_size > 0


def test_resume_starts_adam_afresh_and_saves_a_whole_checkpoint(tmp_path, small_data, capsys):
    g = build_graph(cell_type="GRU", batch_size=4, num_steps=10)  # the shipped model's sizes; its own batches
    losses = train_network(g, 21, data=small_data[:2000], resume=NAME, save=str(tmp_path / "more"))
    assert "Adam's moments start afresh" in capsys.readouterr().out
    assert len(losses) == 21 and list(losses[:20]) == checkpoint.load(NAME).progress["losses"]
    more = checkpoint.load(tmp_path / "more")
    assert not more.weights_only and any("Adam" in name for name in more.tensors)


def test_the_shipped_model_is_never_written(tmp_path, capsys):
    before = {p: p.stat().st_mtime_ns for p in (pretrained.FOLDER / NAME).iterdir()}
    code, _, err = run(["train", "--resume", NAME, "--epochs", "21"], capsys)
    assert_one_line_error(code, err, "shipped models", "--save")
    code, _, err = run(["train", "--save", pretrained.path(NAME), "--overwrite"], capsys)
    assert_one_line_error(code, err, "shipped models", "--save")
    code, _, err = run(["inspect", NAME, "--out", pretrained.FOLDER / NAME / "page.html"], capsys)
    assert_one_line_error(code, err, "shipped models", "--out")
    assert {p: p.stat().st_mtime_ns for p in (pretrained.FOLDER / NAME).iterdir()} == before


def test_a_checkpoint_at_the_path_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert checkpoint.resolve(NAME) == pretrained.path(NAME)
    (tmp_path / NAME).mkdir()
    (tmp_path / NAME / "checkpoint.config.json").write_text("{}")
    assert checkpoint.resolve(NAME) == str(tmp_path.joinpath(NAME, "checkpoint").relative_to(tmp_path))


def test_unknown_name_lists_the_shipped_ones():
    with pytest.raises(R2RTError, match="post-GRU"):
        pretrained.path("post-LSTM")
    with pytest.raises(R2RTError, match="name a shipped model: post-GRU"):
        checkpoint.load("post-LSTM")
