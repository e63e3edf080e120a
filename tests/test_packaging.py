"""Packaging: a built wheel carries tiny-shakespeare, and a non-editable install loads it offline.

The wheel is built from a copy of the sources in a temporary directory, so the build leaves no
``build/`` or ``*.egg-info`` in the checkout (and stale ``build/lib`` files cannot leak into it).
It is installed with ``--no-deps --no-index`` into a fresh venv that sees the system site-packages
(numpy); the repository's editable install is also visible there, but its finder runs after the
venv's own site-packages, which the test checks through ``r2rt_rnn.__file__``.
"""
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from r2rt_rnn.data import BUNDLED_CORPUS

REPO = Path(__file__).resolve().parent.parent
CORPUS_MEMBER = "r2rt_rnn/corpus/tinyshakespeare.txt"
CORPUS_CHARS = 1_115_394
CORPUS_VOCAB = 65

# Runs in the venv: load the bundled corpus with downloads made impossible, and say where it came from.
LOAD_CORPUS = """
import json, sys
import r2rt_rnn, r2rt_rnn.data as data
def no_download(*args, **kwargs):
    raise AssertionError("load_corpus tried to download")
data.download = no_download
c = data.load_corpus()
print(json.dumps({"chars": len(c.text), "vocab": c.vocab_size, "package": r2rt_rnn.__file__,
                  "corpus": str(data.BUNDLED_CORPUS), "tensorflow": "tensorflow" in sys.modules}))
"""


def clean_env(**extra):
    """The environment minus anything that would put the checkout (or a user site) on sys.path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env.update(PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", **extra)
    return env


def run(cmd, cwd, timeout=120):
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Build the wheel from a copy of the sources (no build isolation: no network needed)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("setup.py", "pyproject.toml", "README.md", "MANIFEST.in"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "r2rt_rnn", src / "r2rt_rnn", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, src], cwd=src, timeout=300)
    (whl,) = dist.glob("r2rt_rnn-*.whl")
    return whl


def test_data_folder_is_a_relative_symlink_to_the_packaged_corpus():
    """One real copy: data/tinyshakespeare.txt points at the package data, so the two cannot drift."""
    data = REPO / "data" / "tinyshakespeare.txt"
    assert BUNDLED_CORPUS.is_file() and not BUNDLED_CORPUS.is_symlink()
    assert data.is_symlink() and not os.path.isabs(os.readlink(data))
    assert data.resolve() == BUNDLED_CORPUS.resolve()


def test_wheel_carries_the_corpus(wheel):
    with zipfile.ZipFile(wheel) as z:
        info = z.getinfo(CORPUS_MEMBER)
        text = z.read(CORPUS_MEMBER)
        record = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))).decode()
    assert info.file_size == BUNDLED_CORPUS.stat().st_size
    assert text == BUNDLED_CORPUS.read_bytes()  # the real bytes, not a link
    assert len(text.decode("utf-8")) == CORPUS_CHARS
    assert CORPUS_MEMBER in record


def test_wheel_carries_the_shipped_models(wheel):
    from r2rt_rnn import pretrained
    from r2rt_rnn.runtime import checkpoint

    with zipfile.ZipFile(wheel) as z:
        members = set(z.namelist())
    for name in pretrained.names():
        shipped = [pretrained.FOLDER / name / pretrained.RECORD, *checkpoint.files(pretrained.path(name))]
        for part in shipped:
            assert f"r2rt_rnn/pretrained/{name}/{part.name}" in members, part


def test_non_editable_install_loads_the_corpus_offline(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=False, symlinks=os.name != "nt")
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # pip comes from the system site-packages and installs into the venv; --ignore-installed because
    # the editable install of the same version is visible there too
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", wheel], cwd=tmp_path)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = json.loads(run([python, "-c", LOAD_CORPUS], cwd=outside).stdout.strip().splitlines()[-1])

    assert (out["chars"], out["vocab"]) == (CORPUS_CHARS, CORPUS_VOCAB)
    package = Path(out["package"]).resolve()
    assert env_dir.resolve() in package.parents, f"imported {package}, not the venv's copy"
    assert REPO not in package.parents
    assert env_dir.resolve() in Path(out["corpus"]).resolve().parents
    assert not out["tensorflow"], "r2rt_rnn.data should not need TensorFlow"
