"""What a command writes, and the messages about it: one output policy, checkpoint names, and plain words for
damaged checkpoints and for an output that cannot take a character.

Each fault runs the real command line in a fresh process and checks the three things a user sees: exit
status 2, one ``error:`` line that says what to do, and the file that must survive, byte for byte the same.
"""
import json
import os
import subprocess
import sys

import pytest

from conftest import (
    INSPECT,
    PASSAGE,
    REPO,
    TINY_FLAGS,
    assert_one_line_error,
    copy_checkpoint,
    random_checkpoint,
    run,
    slow_but,
)
from r2rt_rnn.data import Vocabulary
from r2rt_rnn.runtime import checkpoint, output
from r2rt_rnn.runtime.checkpoint_files import checkpoint_of, file_name_suffix
from r2rt_rnn.runtime.errors import R2RTError


def cli(*args, env=None, stdout=subprocess.PIPE):
    """``python -m r2rt_rnn ARGS`` in a fresh process; (exit status, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "r2rt_rnn", *map(str, args)], cwd=REPO, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=300, env={**os.environ, **(env or {})})
    return done.returncode, done.stdout, done.stderr


def contents(*paths):
    return {p: p.read_bytes() for p in paths}


@pytest.fixture
def other(make_checkpoint, tmp_path):
    """Another model's checkpoint, ``OTHER/o``: what an output must never replace."""
    folder = tmp_path / "OTHER"
    folder.mkdir()
    return copy_checkpoint(make_checkpoint("GRU"), folder)  # OTHER/copy.config.json and the set it names


@pytest.fixture
def passage(tmp_path):
    path = tmp_path / "passage.txt"
    path.write_text(PASSAGE, encoding="utf-8")
    return path


# --- one output policy ------------------------------------------------------------------------------


def test_inspect_never_writes_over_another_models_config(other, tmp_path):
    victim = checkpoint.config_path(other)
    before = contents(*checkpoint.files(other))
    code, out, err = cli("inspect", "post-GRU", "--out", victim, "--overwrite")
    assert_one_line_error(code, err, f"--out {victim} is a file of the checkpoint {other}", "choose another --out")
    assert "inspecting" not in out  # refused before any work
    assert contents(*before) == before


@pytest.mark.parametrize("flag", ["--out", "--json"])
@pytest.mark.parametrize("part", [".index", ".data-", ".lock", "left-over set"])
def test_no_output_lands_on_a_checkpoints_file(other, make_checkpoint, passage, tmp_path, capsys, flag, part):
    prefix = checkpoint.load(other).prefix
    victim = {".index": f"{prefix}.index", ".data-": f"{prefix}{checkpoint.DATA_SUFFIX}", ".lock": f"{other}.lock",
              "left-over set": f"{other}.s99.index"}[part]
    others = [] if flag == "--out" else ["--out", tmp_path / "p.html"]
    code, _, err = run([*INSPECT, make_checkpoint("GRU"), "--text", passage, flag, victim, *others, "--overwrite"],
                       capsys)
    assert_one_line_error(code, err, f"{flag} {victim} is a file of the checkpoint {other}")
    assert not (tmp_path / "p.html").exists()


def test_inspect_replaces_an_existing_file_only_with_overwrite(make_checkpoint, passage, tmp_path, capsys):
    page, summary, figures = tmp_path / "page.html", tmp_path / "summary.json", tmp_path / "figures"
    figures.mkdir()
    page.write_text("my notes")
    summary.write_text("{}")
    (figures / "gates.png").write_bytes(b"an old figure")
    before = contents(page, summary, figures / "gates.png")
    base = [*INSPECT, make_checkpoint("GRU"), "--text", passage, "--chars", "40"]
    for args, flag, path in ((["--out", page], "--out", page),
                             (["--out", tmp_path / "new.html", "--json", summary], "--json", summary),
                             (["--out", tmp_path / "new.html", "--figures", figures], "--figures",
                              figures / "gates.png")):
        code, out, err = cli(*base, *args) if flag == "--out" else run([*base, *args], capsys)  # one new process
        assert_one_line_error(code, err, f"{flag} {path} exists; pass --overwrite to replace it")
        assert "inspecting" not in out
        assert contents(*before) == before and not (tmp_path / "new.html").exists()


def test_a_device_needs_no_overwrite(make_checkpoint, passage, capsys):
    code, out, err = run([*INSPECT, make_checkpoint("GRU"), "--text", passage, "--chars", "40", "--out", os.devnull,
                          "--json", os.devnull], capsys)
    assert code == 0, err
    assert f"page: {os.devnull}" in out


@pytest.fixture
def library(tmp_path):
    root = tmp_path / "lib"
    (root / "pkg").mkdir(parents=True)
    (root / "a.py").write_text("a = 1\n")
    (root / "pkg" / "b.py").write_text("b = 2\n")
    return root


@pytest.mark.parametrize("victim", ["a.py", "pkg/b.py"])
def test_corpus_never_writes_over_a_file_it_reads(library, victim):
    target = library / victim
    before = contents(library / "a.py", library / "pkg" / "b.py")
    code, _, err = cli("corpus", "stdlib", "--root", library, "--out", target, "--overwrite")
    assert_one_line_error(code, err, f"--out {target} is one of this run's inputs", "choose another --out")
    assert contents(*before) == before


def test_corpus_never_writes_over_a_checkpoints_file(library, other):
    victim = checkpoint.config_path(other)
    before = contents(*checkpoint.files(other))
    code, _, err = cli("corpus", "stdlib", "--root", library, "--out", victim, "--overwrite")
    assert_one_line_error(code, err, f"--out {victim} is a file of the checkpoint {other}")
    assert contents(*before) == before


def test_corpus_writes_a_device_without_overwrite(library):
    code, out, err = cli("corpus", "stdlib", "--root", library, "--out", os.devnull)
    assert code == 0, err
    assert f"wrote {os.devnull}" in out


def test_the_policy_in_one_function(other, tmp_path):
    from r2rt_rnn.runtime.files import check_output

    existing = tmp_path / "old.txt"
    existing.write_text("x")
    assert check_output(tmp_path / "new.txt", "out") == tmp_path / "new.txt"
    assert check_output(existing, "out", overwrite=True) == existing
    with pytest.raises(R2RTError, match="exists; pass overwrite=True") as caught:
        check_output(existing, "out")
    assert caught.value.params == ("out", "overwrite")
    with pytest.raises(R2RTError, match="is one of this run's inputs"):
        check_output(existing, "out", inputs=[existing], overwrite=True)
    with pytest.raises(R2RTError, match="is a file of the checkpoint"):
        check_output(f"{other}.vocab.json", "out", overwrite=True)  # a first-format name: still the model's
    assert check_output(os.devnull, "out", others=[("json", os.devnull)]) == type(existing)(os.devnull)


# --- checkpoint names ---------------------------------------------------------------------------------


def test_which_checkpoint_a_file_belongs_to(other, tmp_path):
    set_name = checkpoint.load(other).prefix
    for name in (checkpoint.config_path(other), f"{set_name}.index", f"{set_name}.vocab.json", f"{other}.lock",
                 f"{other}.s7{checkpoint.DATA_SUFFIX}"):
        assert checkpoint_of(name) == str(other), name
    for name in (other, tmp_path / "o.html", tmp_path / "x.config.json", tmp_path / "x.s2.index"):
        assert checkpoint_of(name) is None, name  # no checkpoint x there
    assert [file_name_suffix(n) for n in ("m.s2.index", "m.s2", "m.s3_temp", "m.index", "m", "m.sx", "run.s2x")] \
        == [".s2.index", ".s2", ".s3_temp", ".index", None, None, None]


def test_save_given_a_checkpoints_file_names_that_checkpoint(other, tmp_path):
    set_file = f"{checkpoint.load(other).prefix}.index"
    assert checkpoint.prepare_save_path(set_file, overwrite=True) == str(other)
    assert checkpoint.prepare_save_path(checkpoint.config_path(other), resuming=str(other)) == str(other)
    with pytest.raises(R2RTError, match=f"{other} already holds a checkpoint"):
        checkpoint.prepare_save_path(set_file)


def test_train_save_onto_a_checkpoints_file_is_that_checkpoint_or_refused(other, text_file, tmp_path, capsys):
    set_file = f"{checkpoint.load(other).prefix}.index"
    before = contents(*checkpoint.files(other))
    code, _, err = cli("train", "--text", text_file, "--epochs", "1", "--save", set_file, *TINY_FLAGS)
    assert_one_line_error(code, err, f"{other} already holds a checkpoint", "--resume", "--overwrite")
    assert contents(*before) == before
    new = tmp_path / "new" / "m.s2"
    code, _, err = run(["train", "--text", text_file, "--epochs", "1", "--save", new, *TINY_FLAGS], capsys)
    assert_one_line_error(code, err, f"--save {new} ends like one of a checkpoint's files (.s2)", "e.g.")
    assert not new.parent.exists() or not list(new.parent.iterdir())
    assert sorted(p.name for p in other.parent.iterdir()) == sorted(p.name for p in before)


# --- damaged checkpoints, in plain words --------------------------------------------------------------


@pytest.fixture
def copy(make_checkpoint, tmp_path):
    return copy_checkpoint(make_checkpoint("GRU"), tmp_path)


def test_tensor_bytes_overwritten_are_named_with_the_file(copy):
    data = next(p for p in checkpoint.files(copy) if ".data-" in p.name)
    data.write_bytes(os.urandom(data.stat().st_size))  # same size: only the checksum can tell
    code, _, err = cli("generate", copy, "--num-chars", "10", "--seed", "1")
    line = assert_one_line_error(code, err, f"checkpoint {copy} is damaged", data.name, "checksum",
                                 "use an earlier copy")
    assert 'File "' not in line and "frozen" not in line


def test_a_config_naming_another_cell_type_names_the_missing_tensor(copy, capsys):
    meta = json.loads(checkpoint.config_path(copy).read_text())
    meta["config"]["cell_type"] = "LSTM"  # the tensors are a GRU's
    checkpoint.config_path(copy).write_text(json.dumps(meta))
    code, _, err = run(["generate", copy, "--num-chars", "10", "--seed", "1"], capsys)
    line = assert_one_line_error(code, err, f"checkpoint {copy} does not match its own copy.config.json",
                                 "cell_type='LSTM'", "lstm_cell", "which the checkpoint does not hold",
                                 "gru_cell", "use an earlier copy")
    assert "Restoring from checkpoint failed" not in line and "Original error" not in line


def test_a_config_naming_no_known_cell_type_is_damaged(copy):
    meta = json.loads(checkpoint.config_path(copy).read_text())
    meta["config"]["cell_type"] = "basic"
    checkpoint.config_path(copy).write_text(json.dumps(meta))
    with pytest.raises(R2RTError, match=r"is damaged: copy.config.json names an unknown cell_type 'basic'; valid"):
        checkpoint.load(copy)


def test_a_config_whose_sizes_do_not_match_the_tensors_is_caught_before_tensorflow_takes_them(tmp_path, capsys):
    """TensorFlow's restore gives a resource variable the saved shape without a word; restore checks it."""
    path = random_checkpoint(tmp_path, "Custom", Vocabulary("abc d\n"), state_size=8, num_layers=1)
    meta = json.loads(checkpoint.config_path(path).read_text())
    meta["config"]["num_weights_for_custom_cell"] -= 2  # fewer weight matrices than the tensors hold
    checkpoint.config_path(path).write_text(json.dumps(meta))
    code, _, err = run(["generate", path, "--num-chars", "5", "--seed", "1"], capsys)
    assert_one_line_error(code, err, "does not match its own Custom.config.json", "num_weights_for_custom_cell=3",
                          "of shape [16, 3], which the checkpoint holds as [16, 5]")


# --- messages about standard output -----------------------------------------------------------------


@pytest.fixture(scope="module")
def accented(tmp_path_factory):
    """A random model whose every other character is one ASCII cannot write."""
    return random_checkpoint(tmp_path_factory.mktemp("accented"), "GRU", Vocabulary.from_text("\u00e9\u00e8 \n"),
                             state_size=8, num_layers=1)


@pytest.mark.parametrize("to_file", slow_but([True, False], True))  # a pipe fails the same way as a file
def test_an_encoding_that_cannot_write_the_sample_is_named(accented, tmp_path, to_file):
    args = ["generate", accented, "--num-chars", "20", "--seed", "1", "--prompt", "\u00e9"]
    if to_file:
        with open(tmp_path / "sample.txt", "w") as f:
            code, _, err = cli(*args, env={"PYTHONIOENCODING": "ascii"}, stdout=f)
    else:
        code, _, err = cli(*args, env={"PYTHONIOENCODING": "ascii"})
    assert_one_line_error(code, err, "standard output's encoding, ascii, cannot write '\\xe9' (U+00E9)",
                          "PYTHONIOENCODING=utf-8")
    assert "nowhere to write" not in err


def test_other_commands_show_escapes_after_one_note(tmp_path):
    root = tmp_path / "bibliot\u00e8que"  # the summary names the folder read
    root.mkdir()
    (root / "a.py").write_text("a = 1\n")
    code, out, err = cli("corpus", "stdlib", "--root", root, "--out", tmp_path / "t.txt",
                         env={"PYTHONIOENCODING": "ascii"})
    assert code == 0, err
    assert "bibliot\\xe8que" in out and (tmp_path / "t.txt").read_text() == "a = 1\n\n"
    assert err.count("note: standard output's encoding, ascii, cannot write '\\xe8'") == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args, note", [
    (["--help"], "the help was not shown"),
    (["corpus", "--help"], "the help was not shown"),
    (["corpus", "stdlib", "--root", "LIB", "--out", "OUT"], "the text is written to --out all the same"),
])
def test_a_full_stdout_says_what_is_true_for_the_command(library, tmp_path, args, note):
    places = {"LIB": library, "OUT": tmp_path / "t.txt"}
    with open("/dev/full", "w") as full:
        code, _, err = cli(*[places.get(a, a) for a in args], stdout=full)
    assert code == 0, err
    assert f"note: standard output failed (No space left on device); {note}" in err
    assert "training" not in err
    if "corpus" in args and "stdlib" in args:
        assert (tmp_path / "t.txt").read_text() == "a = 1\n\nb = 2\n\n"


def test_guarded_stdout_keeps_what_came_before_an_unwritable_character():
    import io

    raw = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    product = output.GuardedStdout(raw, note=None)
    product.write("ab")
    product.write("\u00e9c")
    product.write("d")
    assert raw.buffer.getvalue() == b"ab" and product.unencodable == ("ascii", "\u00e9")
    raw = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    messages = output.GuardedStdout(raw, note="the run goes on")
    messages.write("caf\u00e9 \u2603\n")
    messages.flush()
    assert raw.buffer.getvalue() == b"caf\\xe9 \\u2603\n" and messages.lost is None
