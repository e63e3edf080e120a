"""Where ``inspect`` writes: never over what it reads or over another of its outputs, and never replacing a device.

A device or a FIFO given as an output is written in place (it stays a device), a link
has its target written (it stays a link), a full device is one ``error:`` line, and an
output that is one of the run's inputs (the checkpoint's files, the passage) or another
output is refused before any work, the input's bytes unchanged. Figures of features
whose names differ only in punctuation go to different files.
"""
import os
import stat
import threading
from pathlib import Path

import pytest

from conftest import INSPECT, PASSAGE, assert_one_line_error, copy_checkpoint, run
from r2rt_rnn.beyond.inspect.features import BUILT_IN
from r2rt_rnn.beyond.inspect.figures import figure_names
from r2rt_rnn.runtime import checkpoint

NULL, FULL = os.makedev(1, 3), os.makedev(1, 7)


@pytest.fixture
def ckpt(make_checkpoint, tmp_path):
    """A copy of a small GRU checkpoint of this test's own, so a write over it could harm nothing else."""
    return copy_checkpoint(make_checkpoint("GRU"), tmp_path)


@pytest.fixture
def passage(tmp_path):
    path = tmp_path / "passage.txt"
    path.write_text(PASSAGE * 2, encoding="utf-8")
    return path


def device(path, number):
    """A character device at ``path`` (in a test's own folder, never the system's /dev); skips where not allowed."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, number)
    except (PermissionError, AttributeError) as exc:
        pytest.skip(f"cannot make a device node here ({exc}); run as root to test devices as outputs")
    return path


def is_char_device(path):
    return stat.S_ISCHR(os.lstat(path).st_mode)


def test_a_null_device_stays_a_device(ckpt, passage, tmp_path, capsys):
    null = device(tmp_path / "null", NULL)
    code, out, err = run([*INSPECT, ckpt, "--text", passage, "--out", null, "--json", null], capsys)
    assert code == 0, err
    assert f"page: {null}" in out and f"summary: {null}" in out
    assert is_char_device(null)  # written in place, not replaced by a regular file
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_full_device_is_one_line_and_stays_a_device(ckpt, passage, tmp_path, capsys):
    full = device(tmp_path / "full", FULL)
    code, _, err = run([*INSPECT, ckpt, "--text", passage, "--out", tmp_path / "p.html", "--json", full], capsys)
    assert_one_line_error(code, err, f"could not write --json {full} (No space left on device)")
    assert is_char_device(full)


def test_a_fifo_is_written_in_place(ckpt, passage, tmp_path, capsys):
    fifo = tmp_path / "page.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(Path(fifo).read_bytes()), daemon=True)
    reader.start()
    code, _, err = run([*INSPECT, ckpt, "--text", passage, "--out", fifo], capsys)
    reader.join(timeout=60)
    assert code == 0, err
    assert received and received[0].startswith(b"<!DOCTYPE html>")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_link_has_its_target_written_and_stays_a_link(ckpt, passage, tmp_path, capsys):
    target, link = tmp_path / "elsewhere" / "page.html", tmp_path / "page.html"
    target.parent.mkdir()
    target.write_text("old")
    link.symlink_to(target)
    code, _, err = run([*INSPECT, ckpt, "--text", passage, "--out", link], capsys)
    assert_one_line_error(code, err, f"--out {link} exists; pass --overwrite to replace it")  # the target exists
    assert target.read_text() == "old"
    code, _, err = run([*INSPECT, ckpt, "--text", passage, "--out", link, "--overwrite"], capsys)
    assert code == 0, err
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("flag", ["--out", "--json"])
@pytest.mark.parametrize("which", ["config.json", "index", "data", "vocab.json", "passage"])
def test_an_output_that_is_one_of_the_inputs_is_refused_before_any_work(ckpt, passage, tmp_path, capsys, flag,
                                                                         which):
    parts = {p.name: p for p in checkpoint.files(ckpt)}
    victim = passage if which == "passage" else next(p for n, p in parts.items() if which in n)
    before = {p: p.read_bytes() for p in [*parts.values(), passage]}
    args = ["--out", tmp_path / "p.html"] if flag == "--json" else []
    code, out, err = run([*INSPECT, ckpt, "--text", passage, flag, victim, *args], capsys)
    assert_one_line_error(code, err, f"{flag} {victim} is one of this run's inputs")
    assert "inspecting" not in out  # refused before the passage was read
    assert {p: p.read_bytes() for p in before} == before
    assert not (tmp_path / "p.html").exists()


def test_a_link_to_an_input_is_refused_too(ckpt, passage, tmp_path, capsys):
    link = tmp_path / "innocent.html"
    link.symlink_to(checkpoint.config_path(ckpt))
    before = checkpoint.config_path(ckpt).read_bytes()
    code, _, err = run([*INSPECT, ckpt, "--text", passage, "--out", link], capsys)
    assert_one_line_error(code, err, "is one of this run's inputs")
    assert checkpoint.config_path(ckpt).read_bytes() == before and link.is_symlink()


@pytest.mark.parametrize("case", ["json is out", "a figure is out", "a figure is json"])
def test_one_output_over_another_is_refused(ckpt, passage, tmp_path, capsys, case):
    figures = tmp_path / "figs"
    figures.mkdir()
    page, summary = {"json is out": (tmp_path / "p.html", tmp_path / "p.html"),
                     "a figure is out": (figures / "gates.png", None),
                     "a figure is json": (tmp_path / "p.html", figures / "predictions.png")}[case]
    args = ["--figures", figures] + (["--json", summary] if summary else [])
    code, _, err = run([*INSPECT, ckpt, "--text", passage, "--out", page, *args], capsys)
    assert_one_line_error(code, err, "one would replace the other")
    assert not page.exists() and not (summary and summary.exists())


@pytest.mark.slow  # draws a figure per feature
def test_figures_of_features_that_differ_only_in_punctuation_do_not_collide(ckpt, passage, tmp_path, capsys):
    figures = tmp_path / "figs"
    features = ["(e)", "[e]", "E", "e", "in_word"]
    code, out, err = run([*INSPECT, ckpt, "--text", passage, "--out", tmp_path / "p.html", "--figures", figures,
                          "--unit", "0:3", *[a for f in features for a in ("--feature", f)]], capsys)
    assert code == 0, err
    written = sorted(p.name for p in figures.iterdir())
    assert len(written) == 2 + 1 + len(features) == out.count("figure: ")  # predictions, gates, the unit, 5 features
    assert len({name.casefold() for name in written}) == len(written)
    assert {"unit_in_word.png", "unit_0_3.png", "unit__e_.png"} <= set(written)


def test_figure_names_keep_the_built_ins_and_units_and_never_repeat():
    names = figure_names([*BUILT_IN, "0:3", "a.b", "a,b", "x" * 50, "x" * 50 + "y"], ["0:3", "1:2:h"])
    assert len(names) == 2 + 2 + len(BUILT_IN) + 5
    assert {f"unit_{b}.png" for b in BUILT_IN} | {"unit_0_3.png", "unit_1_2_h.png"} <= set(names)
    assert names["unit_0_3.png"] == ("unit", "0:3")  # the unit keeps its name; the feature "0:3" gets a suffix
    assert len({n.casefold() for n in names}) == len(names)
