"""``corpus stdlib``: a training text of Python source from the standard library, the same on every machine
with the same Python; and its faults, each one line and exit status 2."""
import pytest

from conftest import assert_one_line_error
from r2rt_rnn.cli import main as cli_main
from r2rt_rnn.corpus.stdlib_source import build_stdlib_text, stdlib_folder


@pytest.fixture
def fake_stdlib(tmp_path):
    """A small library: two modules, a package, and what the recipe leaves out."""
    root = tmp_path / "lib"
    files = {"zz.py": "z = 1\n", "abc.py": "import os\r\nx = (1, 2)\r\n", "pkg/__init__.py": "",
             "pkg/mod.py": "y = 'a'\n",
             "test/test_x.py": "assert 0\n", "pkg/tests/t.py": "t = 0\n", "site-packages/other.py": "o = 1\n",
             "encodings/cp1.py": "table = 1\n", "pkg/__pycache__/mod.py": "c = 1\n", "uni.py": "name = 'caf\u00e9'\n",
             "notes.txt": "not python\n"}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text.encode("utf-8"))
    return root


def test_the_recipe_takes_ascii_modules_in_sorted_order(fake_stdlib):
    built = build_stdlib_text(fake_stdlib)
    assert [str(p) for p in built.used] == ["abc.py", "pkg/mod.py", "zz.py"]  # the empty __init__.py left out
    assert [str(p) for p in built.non_ascii] == ["uni.py"]
    assert built.text == "import os\nx = (1, 2)\n\n" + "y = 'a'\n\n" + "z = 1\n\n"
    assert built.over_cap == 0


def test_the_cap_keeps_whole_files(fake_stdlib):
    built = build_stdlib_text(fake_stdlib, max_bytes=30)
    assert [str(p) for p in built.used] == ["abc.py", "zz.py"] and built.over_cap == 1  # pkg/mod.py did not fit
    assert len(built.text) <= 30


def test_this_interpreters_library_has_source(tmp_path):
    built = build_stdlib_text(max_bytes=30_000)
    assert built.root == stdlib_folder() and built.used and 20_000 < len(built.text) <= 30_000
    assert not any(part in ("test", "tests", "site-packages") for p in built.used for part in p.parts)
    assert built.text.isascii() and "\r" not in built.text


def test_the_command_writes_the_text_once(fake_stdlib, tmp_path, capsys):
    out = tmp_path / "code.txt"
    assert cli_main(["corpus", "stdlib", "--root", str(fake_stdlib), "--out", str(out)]) == 0
    assert out.read_text() == build_stdlib_text(fake_stdlib).text
    assert "from 3 files" in capsys.readouterr().out
    code = cli_main(["corpus", "stdlib", "--root", str(fake_stdlib), "--out", str(out)])
    assert_one_line_error(code, capsys.readouterr().err, "exists; pass --overwrite")
    assert cli_main(["corpus", "stdlib", "--root", str(fake_stdlib), "--out", str(out), "--overwrite"]) == 0


@pytest.mark.parametrize("args, message", [
    (["stdlib", "--root", "EMPTY"], "found no Python source files under"),
    (["stdlib", "--root", "MISSING"], "--root"),
    (["stdlib", "--max-bytes", "0"], "--max-bytes must be a whole number of bytes, 1 or more"),
    (["stdlib", "--root", "LIB", "--max-bytes", "3"], "no source file under"),
    (["shakespeare"], "unknown recipe 'shakespeare'; the recipes are: stdlib"),
])
def test_bad_recipes_and_options(fake_stdlib, tmp_path, capsys, args, message):
    (tmp_path / "empty").mkdir()
    places = {"EMPTY": tmp_path / "empty", "MISSING": tmp_path / "missing", "LIB": fake_stdlib}
    out = tmp_path / "out.txt"
    code = cli_main(["corpus", *[str(places.get(a, a)) for a in args], "--out", str(out)])
    assert_one_line_error(code, capsys.readouterr().err, message)
    assert not out.exists()


@pytest.mark.slow  # a real (tiny) training run
def test_the_stdlib_preset_trains_on_the_recipes_text(tmp_path, capsys):
    out = tmp_path / "code.txt"
    assert cli_main(["corpus", "stdlib", "--max-bytes", "6000", "--out", str(out)]) == 0
    code = cli_main(["train", "--preset", "stdlib_source", "--text", str(out), "--state-size", "8", "--num-layers", "1",
                     "--num-steps", "20", "--batch-size", "8", "--epochs", "1", "--progress", "off"])
    text = capsys.readouterr().out
    assert code == 0 and "Built the GRU graph" in text
    assert "validation loss after the final epoch" in text  # the preset's stall rule needs the held-out tenth


def test_the_tempest_is_the_end_of_tiny_shakespeare():
    from r2rt_rnn.corpus.tempest import OPENING, speakers, tempest
    from r2rt_rnn.data import load_text
    from r2rt_rnn.runtime.errors import R2RTError

    whole, play = load_text(None), tempest()
    assert play.startswith(OPENING) and whole.endswith(play) and len(play) == 34_655
    cast = speakers(play)
    assert {"PROSPERO", "MIRANDA", "SEBASTIAN", "FERDINAND"} <= set(cast) and "HORTENSIO" not in cast
    assert next(iter(cast)) == "PROSPERO"  # who speaks most
    with pytest.raises(R2RTError, match="Tempest"):
        tempest(whole[:100_000])
