"""Bad input to ``inspect``: exit status 2, one ``error:`` line naming the problem, nothing written.

Every check happens before the tracing; the outputs are written only at the end, each whole
or not at all (r2rt_rnn.runtime.files), so a failed run leaves the output folder as it was.
"""
import shutil
from pathlib import Path

import pytest

from conftest import PASSAGE
from r2rt_rnn.beyond.inspect.analysis import inspect_passage
from r2rt_rnn.beyond.inspect.passage import encode_passage
from r2rt_rnn.cli import main as cli_main
from r2rt_rnn.data import Vocabulary
from r2rt_rnn.runtime import interrupts
from r2rt_rnn.runtime.errors import R2RTError


@pytest.fixture(scope="module")
def ckpt(make_checkpoint):
    return make_checkpoint("LSTM")


@pytest.fixture
def out_dir(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def text_file(folder, text):
    path = Path(folder).parent / "passage.txt"
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys, *args):
    code = cli_main(["inspect", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_nothing_written(folder):
    assert list(Path(folder).iterdir()) == [], list(Path(folder).iterdir())


def test_characters_the_model_never_saw_are_named_or_skipped(ckpt, out_dir, capsys):
    passage = text_file(out_dir, "ROMEO:\nsnow\u2603man \u00e9t\u00e9\n")
    code, _, err = run(capsys, ckpt, "--text", passage, "--out", out_dir / "p.html")
    assert_one_line_error(code, err, "'\u2603'", "'\u00e9'", "--skip-unknown")
    assert_nothing_written(out_dir)
    code, out, err = run(capsys, ckpt, "--text", passage, "--out", out_dir / "p.html", "--skip-unknown")
    assert code == 0, err
    assert "traced 17 character(s)" in out  # 20 characters, less the snowman and the two accented e
    assert [p.name for p in out_dir.iterdir()] == ["p.html"]


@pytest.mark.parametrize("unit, message", [
    ("2:0", "there is no layer 2; this model has layers 0 to 1"),
    ("0:16", "--unit 0:16: layer 0 has no index 16; its units are 0 to 15"),
    ("0:3:x", "no part 'x'"),
    ("three", "--unit 'three' is not of the form LAYER:INDEX"),
])
def test_a_unit_or_layer_that_does_not_exist(ckpt, out_dir, capsys, unit, message):
    code, _, err = run(capsys, ckpt, "--text", text_file(out_dir, PASSAGE), "--unit", unit, "--out", out_dir / "p.html")
    assert_one_line_error(code, err, message)
    assert_nothing_written(out_dir)


def test_an_empty_passage(ckpt, out_dir, capsys):
    code, _, err = run(capsys, ckpt, "--text", text_file(out_dir, ""), "--out", out_dir / "p.html")
    assert_one_line_error(code, err, "empty")
    code, _, err = run(capsys, ckpt, "--text", text_file(out_dir, "\u2603\u2603"), "--skip-unknown",
                       "--out", out_dir / "p.html")
    assert_one_line_error(code, err, "empty once")
    assert_nothing_written(out_dir)
    with pytest.raises(R2RTError, match="the passage is empty"):
        encode_passage("", Vocabulary("ab"))


@pytest.mark.parametrize("suffix, damage", [
    (".config.json", lambda b: b[: len(b) // 2]),
    (".vocab.json", lambda b: b"{}"),
    ("data", lambda b: b[: len(b) // 2]),
])
def test_a_damaged_checkpoint(ckpt, out_dir, capsys, suffix, damage):
    copy = out_dir.parent / "copy"
    copy.mkdir()
    for f in Path(ckpt).parent.glob(Path(ckpt).name + ".*"):
        shutil.copy(f, copy / f.name)
    target = next(f for f in copy.iterdir() if f.name.endswith(suffix) or (suffix == "data" and ".data-" in f.name))
    target.write_bytes(damage(target.read_bytes()))
    code, _, err = run(capsys, copy / Path(ckpt).name, "--text", text_file(out_dir, PASSAGE),
                       "--out", out_dir / "p.html")
    assert_one_line_error(code, err, str(copy / Path(ckpt).name))
    assert_nothing_written(out_dir)


@pytest.mark.parametrize("where", ["missing folder", "a folder", "under a file", "json in a missing folder"])
def test_an_unwritable_output(ckpt, out_dir, capsys, where):
    (out_dir.parent / "file.txt").write_text("x")
    flag, target = {"missing folder": ("--out", out_dir / "nope" / "p.html"), "a folder": ("--out", out_dir),
                    "under a file": ("--out", out_dir.parent / "file.txt" / "p.html"),
                    "json in a missing folder": ("--json", out_dir / "nope" / "s.json")}[where]
    args = ["--out", out_dir / "p.html"] if flag == "--json" else []
    code, _, err = run(capsys, ckpt, "--text", text_file(out_dir, PASSAGE), flag, target, *args)
    assert_one_line_error(code, err, flag)
    assert_nothing_written(out_dir)


@pytest.mark.parametrize("args, message", [
    (["--feature", "(["], "does not compile"),
    (["--feature", "zzzq"], "matches nothing"),
    (["--span", "50:20"], "--span 50:20 does not lie inside the passage"),
    (["--span", "a-b"], "--span 'a-b' is not START:END"),
    (["--chars", "0"], "--chars must be"),
    (["--unknown", "unk"], "no <unk> token"),
    (["--threshold", "1.5"], "--threshold"),
    (["--span", "10:100000"], "--span 10:100000 does not lie inside the passage of"),
    (["--ablate", "5:0"], "--ablate 5:0: there is no layer 5"),
    (["--ablate", "0:99"], "--ablate 0:99: layer 0 has no index 99"),
    (["--ablation", "median"], "--ablation 'median' is not a mode; choose mean, zero or off"),
    (["--ablation", "off", "--ablate", "0:1"], "--ablate needs --ablation mean or zero"),
    (["--baseline-seeds", "-1"], "--baseline-seeds must be a whole number from 0"),
])
def test_other_bad_options(ckpt, out_dir, capsys, args, message):
    passage = text_file(out_dir, PASSAGE + "\u2603" if "unk" in args else PASSAGE)
    code, _, err = run(capsys, ckpt, "--text", passage, "--out", out_dir / "p.html", *args)
    assert_one_line_error(code, err, message)
    assert_nothing_written(out_dir)


def test_ctrl_c_between_chunks_stops_the_trace(ckpt, monkeypatch):
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(interrupts, "check", check)
    with pytest.raises(KeyboardInterrupt):
        inspect_passage(ckpt, PASSAGE * 3, chunk=20)
    assert len(calls) == 3  # it stopped at the third chunk, not at the end
