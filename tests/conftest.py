"""Shared fixtures: a small slice of the bundled corpus, so graphs train in seconds; a tiny trained checkpoint;
helpers that run the command line and check its one-line errors."""
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("R2RT_QUICK", "1")


@pytest.fixture(scope="session")
def corpus():
    from r2rt_rnn.data import bundled_corpus

    return bundled_corpus()


@pytest.fixture(scope="session")
def small_data(corpus):
    """The first 20,000 character ids of tiny-shakespeare (vocabulary: the whole corpus's 65)."""
    return corpus.train[:20000]


def run_python(code, cwd=REPO, env=None):
    """Run ``python -c code`` in a fresh process (fresh hash seed too); returns CompletedProcess."""
    import subprocess

    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def run_pythons(jobs, cwd=REPO):
    """Run several ``python -c`` processes at once (``jobs``: ``[(code, env)]``); their CompletedProcesses, in order.

    Each fresh interpreter spends its first seconds importing TensorFlow on one core, so starting them
    together takes about the time of one on two cores."""
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env={**os.environ, **(env or {})}) for code, env in jobs]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def run_cli(*args, cwd=REPO):
    import subprocess

    return subprocess.run([sys.executable, "-m", "r2rt_rnn", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


TINY = dict(cell_type="GRU", state_size=16, num_layers=1, num_steps=10, batch_size=8, learning_rate=5e-3)
TINY_FLAGS = ["--cell", "GRU", "--state-size", "16", "--num-layers", "1", "--num-steps", "10", "--batch-size", "8",
              "--learning-rate", "5e-3", "--progress", "off"]


@pytest.fixture(scope="session")
def text_file(tmp_path_factory):
    """The first 6,000 characters of tiny-shakespeare, as a file."""
    path = tmp_path_factory.mktemp("text") / "tiny.txt"
    path.write_text((REPO / "data" / "tinyshakespeare.txt").read_text()[:6000], encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def trained(tmp_path_factory, text_file):
    """A 1-epoch checkpoint of a tiny GRU, and the text it generates for seed 5."""
    from r2rt_rnn.data import load_corpus
    from r2rt_rnn.generate import generate_from_checkpoint
    from r2rt_rnn.model import build_graph
    from r2rt_rnn.train import train_network

    corpus = load_corpus(text_file, valid_fraction=0.1)
    path = tmp_path_factory.mktemp("ckpt") / "tiny"
    g = build_graph(num_classes=corpus.vocab_size, **TINY)
    train_network(g, 1, data=corpus.train, valid_data=corpus.valid, vocab=corpus.vocab, save=str(path), verbose=False)
    return path, generate_from_checkpoint(path, 40, "F", 3, seed=5, verbose=False)


def copy_checkpoint(src, dst_dir):
    """Copy checkpoint ``src`` into ``dst_dir`` as ``copy``: its pointer renamed, the set it names as it is."""
    from r2rt_rnn import checkpoint

    dst = Path(dst_dir) / "copy"
    for part in checkpoint.files(src):
        target = checkpoint.config_path(dst) if part == checkpoint.config_path(src) else dst.with_name(part.name)
        shutil.copy(part, target)
    return dst


def run(argv, capsys):
    """Run the command line in-process; returns (exit code, stdout, stderr)."""
    from r2rt_rnn.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    """Exit status 2, no traceback, exactly one ``error:`` line, holding every fragment; returns that line."""
    assert code == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def start_cli(args, **kwargs):
    """Start ``python -m r2rt_rnn ARGS`` with pipes for stdout and stderr (unbuffered, so lines arrive as printed)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **kwargs.pop("env", {})}
    return subprocess.Popen([sys.executable, "-m", "r2rt_rnn", *map(str, args)], cwd=REPO, env=env,
                            stdout=kwargs.pop("stdout", subprocess.PIPE), stderr=subprocess.PIPE, text=True, **kwargs)


# --- random checkpoints for the inspect tests ---------------------------------------------------------

FIXTURE = REPO / "tests" / "fixtures" / "ptb_tiny"  # the tiny PTB-format corpus
PASSAGE = 'ROMEO:\nBut soft! what light (through yonder window) breaks?\n"It is the east."\n\nJULIET:\nAy me!\n'


def random_checkpoint(folder, cell_type, vocab, state_size=12, num_layers=2, seed=3, scale=2.0):
    """Save a ``build_graph`` model with random weights (scaled up so gates saturate now and then)."""
    path = Path(folder) / f"{cell_type or 'RNN'}"
    from r2rt_rnn import checkpoint
    from r2rt_rnn.model import build_graph
    from r2rt_rnn.tf1 import tf

    g = build_graph(cell_type=cell_type, state_size=state_size, num_layers=num_layers, num_classes=len(vocab),
                    batch_size=1, num_steps=1, seed=seed)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.trainable_variables():
            if "layer_norm" not in v.name:
                sess.run(v.assign(v * scale))
        checkpoint.save(sess, g, str(path), vocab)
    return path


def ptb_checkpoint(folder, hidden_size=8, num_layers=2):
    """A PTB word model (random weights) on the tiny fixture's vocabulary."""
    from r2rt_rnn import checkpoint
    from r2rt_rnn.ptb.configs import TestConfig
    from r2rt_rnn.ptb.model import build_models
    from r2rt_rnn.ptb.reader import ptb_raw_data
    from r2rt_rnn.ptb.word_lm import word_vocabulary
    from r2rt_rnn.tf1 import tf

    data = ptb_raw_data(FIXTURE)
    config = dataclasses.replace(TestConfig(), hidden_size=hidden_size, num_layers=num_layers,
                                 vocab_size=data.vocab_size)
    models = build_models(config, seed=4)
    path = Path(folder) / "ptb"
    with tf.Session(graph=models["graph"]) as sess:
        sess.run(models["init"])
        checkpoint.save(sess, models, str(path), word_vocabulary(data.word_to_id))
    return path


_CHECKPOINTS = {}  # (cell type, sizes) -> path: one random checkpoint of each kind for all the inspect tests


@pytest.fixture(scope="session")
def make_checkpoint(tmp_path_factory, corpus):
    """``make(cell_type, state_size=16, num_layers=2)`` -> the path of a random checkpoint, made once a session.

    Its vocabulary: tiny-shakespeare's characters, and brackets and double quotes (which it never uses).
    """
    from r2rt_rnn.data import Vocabulary

    vocab = Vocabulary.from_text(corpus.text + '()"')

    def make(cell_type, state_size=16, num_layers=2):
        key = (cell_type, state_size, num_layers)
        if key not in _CHECKPOINTS:
            folder = tmp_path_factory.mktemp("inspect_checkpoint")
            _CHECKPOINTS[key] = random_checkpoint(folder, cell_type, vocab, state_size, num_layers)
        return _CHECKPOINTS[key]

    return make


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups into the tests' ids
def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (``-n 2 --dist loadgroup``, pytest.ini): a module whose tests share a module-scoped
    fixture (a trained model, a benchmark run) runs on one worker, so that fixture is built once; every other
    test goes to whichever worker is free."""
    for item in items:
        fixture_defs = getattr(item, "_fixtureinfo", None)
        defs = fixture_defs.name2fixturedefs.values() if fixture_defs else ()
        if any(d and d[-1].scope == "module" for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
