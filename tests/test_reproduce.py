"""``reproduce``'s options: refused before any work, in one line naming the flag; what it records is what ran.

(The PTB experiments' messages are tested in test_ptb.py, beside their data.)
"""
import contextlib
import io
import json
import os
import re

import pytest

from conftest import assert_one_line_error, run
from r2rt_rnn.runtime import checkpoint


@pytest.mark.parametrize("flags, fragments", [
    (["--max-chars", "0"], ["--max-chars must be 1 or more, got 0", "leave it out for the whole text"]),
    (["--max-chars", "-5"], ["--max-chars must be 1 or more, got -5"]),
    (["--num-steps", "0"], ["--num-steps must be 1 or more, got 0"]),
    # 32 * (30 + 1) = 992 characters make one batch of gru_vs_custom; reproduce has no --batch-size
    (["--max-chars", "100"], ["--max-chars 100 is too few", "= 992", "raise --max-chars or lower --num-steps"]),
])
def test_reproduce_refuses_counts_below_what_it_can_run(tmp_path, capsys, flags, fragments):
    code, out, err = run(["reproduce", "gru_vs_custom", "--out", tmp_path] + flags, capsys)
    line = assert_one_line_error(code, err)
    for fragment in fragments:
        assert fragment in line, line
    assert "batch_size" not in line.split(";")[-1]  # the fix names only this command's options
    assert "---" not in out  # no model started


def test_reproduce_save_dir_errors_name_save_dir(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = ["reproduce", "gru_vs_custom", "--models", "GRU", "--epochs", "1", "--max-chars", "2000",
            "--out", tmp_path / "out", "--progress", "off"]
    code, out, err = run(argv + ["--save-dir", blocker / "saves"], capsys)
    line = assert_one_line_error(code, err)
    assert "is a file, not a folder" in line and "choose another --save-dir path" in line
    assert not re.search(r"--save(?!-dir)", line)  # the option it does not have
    assert "---" not in out
    # another training run is writing the model's checkpoint: refused before any model trains
    saves = tmp_path / "saves"
    saves.mkdir()
    with checkpoint.hold_lock(saves / "GRU_1_epochs"):  # a second flock on the file conflicts, even in-process
        code, out, err = run(argv + ["--save-dir", saves], capsys)
    line = assert_one_line_error(code, err)
    assert f"process {os.getpid()}" in line and "choose another --save-dir path" in line
    assert not re.search(r"--save(?!-dir)", line)
    assert "---" not in out


@pytest.fixture(scope="module")
def custom_run(tmp_path_factory):
    """One ``reproduce gru_vs_custom --models Custom`` (1 epoch, 2000 characters) with ``--save-dir``, shared by the
    two tests below (a model trained once): ``(argv, its --out folder, its --save-dir folder)``."""
    from r2rt_rnn.cli import main

    root = tmp_path_factory.mktemp("reproduce")
    argv = ["reproduce", "gru_vs_custom", "--models", "Custom", "--epochs", "1", "--max-chars", "2000",
            "--out", root / "out", "--save-dir", root / "saves", "--progress", "off"]
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    assert code == 0, err.getvalue()
    return argv, root / "out", root / "saves"


def test_reproduce_records_each_models_own_cell_type(custom_run):
    """gru_vs_custom's preset says GRU; its Custom model must be recorded as the Custom cell it trained."""
    _, out, _ = custom_run
    custom = json.loads((out / "gru_vs_custom.json").read_text())["Custom"]
    assert custom["preset"]["cell_type"] == "Custom"
    assert custom["graph_config"]["cell_type"] == "Custom" and custom["graph_config"]["num_layers"] == 3


def test_the_recorded_run_reads_back_as_notebook_01_draws_it(custom_run, tmp_path):
    """``reproduce.recorded``: the models as ``experiments.run`` returned them, and apart what the record adds."""
    from r2rt_rnn.reproduction import reproduce
    from r2rt_rnn.runtime.errors import R2RTError

    argv, out, _ = custom_run
    models, about = reproduce.recorded("gru_vs_custom", out)
    assert list(models) == ["Custom"] and models["Custom"]["epochs"] == 1 and len(models["Custom"]["losses"]) == 1
    assert set(about) == {"command", "finished", "machine"} and about["command"]  # (in-process: pytest's argv)
    assert about["machine"]["cores_usable"] >= 1
    with pytest.raises(R2RTError, match=r"reproduce skip_connection --out .*to record it"):
        reproduce.recorded("skip_connection", tmp_path)
    (tmp_path / "skip_connection.json").write_text("{not json")
    with pytest.raises(R2RTError, match="cannot read the recorded run"):
        reproduce.recorded("skip_connection", tmp_path)


def test_reproduce_refuses_to_replace_a_model_in_save_dir_unless_told(custom_run, capsys):
    argv, _, saves = custom_run
    saved = saves / "Custom_1_epochs"
    before = checkpoint.config_path(saved).read_text()
    code, out, err = run(argv, capsys)  # the same command again
    line = assert_one_line_error(code, err, "already holds a checkpoint", "--overwrite", "--save-dir")
    assert str(saved) in line and "overwrite=True" not in line
    assert "---" not in out  # refused before any model trained
    assert checkpoint.config_path(saved).read_text() == before
    code, _, err = run(argv + ["--overwrite"], capsys)
    assert code == 0, err
    assert checkpoint.config_path(saved).read_text() != before  # a new run replaced it


def test_a_ctrl_c_during_reproduce_says_it_starts_each_model_over(tmp_path):
    from r2rt_rnn.cli.reproduce import interrupted
    from r2rt_rnn.runtime.errors import TrainingInterrupted

    kept = interrupted(TrainingInterrupted("continue with resume=...", str(tmp_path / "GRU_5_epochs"), 2))
    assert isinstance(kept, TrainingInterrupted) and kept.checkpoint == str(tmp_path / "GRU_5_epochs")
    assert "holds the 2 complete epoch(s)" in str(kept) and "reproduce starts each model over" in str(kept)
    assert "resume=" in str(kept)  # not a train checkpoint here: continued from Python, not `train --resume`
    nothing = interrupted(TrainingInterrupted("...", None, 1))
    assert "nothing new was saved" in str(nothing) and "run the same command again" in str(nothing)
