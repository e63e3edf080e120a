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


LOADGROUP = "R2RT_TEST_LOADGROUP"  # set by the controller when it chose --dist loadgroup itself


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Two workers by default where pytest-xdist is installed (``-n 0`` runs everything in this process, ``-n N``
    another count); without xdist the suite runs in one process. Tests that share a module-scoped fixture stay on
    one worker (``--dist loadgroup``, :func:`pytest_collection_modifyitems`)."""
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("xdist"):
        return None  # a worker, or no xdist
    if config.getoption("numprocesses", None) is None and not config.getoption("collectonly"):
        config.option.numprocesses, config.option.dist = 2, "loadgroup"
        # A worker reads --dist from the command line, where this default is not: it learns it from here
        # (pytest_configure), or it would not name the groups and their fixtures would be built on both workers.
        os.environ[LOADGROUP] = "1"
    return None


def pytest_configure(config):
    """Quiet TensorFlow (:func:`r2rt_rnn.quiet`) in every process that runs tests, before their modules load it.

    Its environment (``TF_CPP_MIN_LOG_LEVEL``) also reaches the processes the tests start. The
    xdist controller, which only hands the tests out, is left without TensorFlow."""
    if hasattr(config, "workerinput") and os.environ.get(LOADGROUP) == "1":
        config.option.loadgroup = True  # what xdist's worker setup sets from --dist loadgroup
    if hasattr(config, "workerinput") and config.workerinput.get("workercount", 1) > 1:
        # two workers on two cores: one TensorFlow thread pool each (and in the processes they start), not two
        # pools of two threads fighting over the cores (about 4% of the suite's time, measured once)
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
            os.environ.setdefault(name, "1")
    controller = (not hasattr(config, "workerinput") and getattr(config.option, "dist", "no") != "no"
                  and getattr(config.option, "tx", None) and not config.getvalue("collectonly"))
    if not controller:
        import r2rt_rnn

        r2rt_rnn.quiet()


@pytest.fixture(scope="session")
def corpus():
    from r2rt_rnn.data import bundled_corpus

    return bundled_corpus()


@pytest.fixture(scope="session")
def small_data(corpus):
    """The first 20,000 character ids of tiny-shakespeare (vocabulary: the whole corpus's 65)."""
    return corpus.train[:20000]


def recorded(name):
    """The recorded run ``docs/results/NAME.json`` without what ``record`` adds: as notebook 02 reads it."""
    from r2rt_rnn.reproduction import reproduce

    return reproduce.recorded(name, REPO / "docs" / "results")[0]


def slow_but(values, quick):
    """``values`` for a parametrize, all but ``quick`` marked slow: the quick loop keeps one case, CI runs them all."""
    return [v if v == quick else pytest.param(v, marks=pytest.mark.slow) for v in values]


def environment(changes=None):
    """This process's environment with ``changes``, where a value of None removes the variable."""
    env = {**os.environ, **(changes or {})}
    return {name: value for name, value in env.items() if value is not None}


CHROMIUM = os.environ.get("R2RT_CHROMIUM", "/usr/bin/chromium")  # Debian's; playwright downloads no browser


def playwright_or_skip():
    """playwright's sync API, for driving :data:`CHROMIUM`; skips the test, saying why, where either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                                   "(pip install playwright; no browser download is needed)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return sync_api


def run_python(code, cwd=REPO, env=None):
    """Run ``python -c code`` in a fresh process (fresh hash seed too); returns CompletedProcess.

    ``env``: changes to this process's environment (None removes a variable)."""
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env=environment(env), timeout=300)


def run_pythons(jobs, cwd=REPO):
    """Run several ``python -c`` processes at once (``jobs``: ``[(code, env)]``, ``env`` as for :func:`run_python`);
    their CompletedProcesses, in order.

    Each fresh interpreter spends its first seconds importing TensorFlow on one core, so starting them
    together takes about the time of one on two cores."""
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=environment(env)) for code, env in jobs]
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
    from r2rt_rnn.runtime import checkpoint

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
# inspect without chance levels and ablations (each builds more graphs): for the tests about other things
INSPECT = ["inspect", "--baseline-seeds", "0", "--ablation", "off"]
PASSAGE = 'ROMEO:\nBut soft! what light (through yonder window) breaks?\n"It is the east."\n\nJULIET:\nAy me!\n'


def random_checkpoint(folder, cell_type, vocab, state_size=12, num_layers=2, seed=3, scale=2.0):
    """Save a ``build_graph`` model with random weights (scaled up so gates saturate now and then)."""
    path = Path(folder) / f"{cell_type or 'RNN'}"
    from r2rt_rnn.model import build_graph
    from r2rt_rnn.runtime import checkpoint
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
    from r2rt_rnn.ptb.configs import TestConfig
    from r2rt_rnn.ptb.model import build_models
    from r2rt_rnn.ptb.reader import ptb_raw_data
    from r2rt_rnn.ptb.word_lm import word_vocabulary
    from r2rt_rnn.runtime import checkpoint
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
    """For pytest-xdist (``-n 2 --dist loadgroup``, pytest.ini), two things.

    A module whose tests share a module-scoped fixture (a trained model, a benchmark run)
    runs on one worker, so that fixture is built once; every other test goes to whichever
    worker is free. And the slow tests (with the groups that hold one) come first, the
    longest jobs handed out while the other worker still has plenty to do, so neither
    waits alone at the end (otherwise the tests keep the order they are written in)."""
    group_of = {}
    for item in items:
        fixture_defs = getattr(item, "_fixtureinfo", None)
        defs = fixture_defs.name2fixturedefs.values() if fixture_defs else ()
        if any(d and d[-1].scope == "module" for d in defs):
            group_of[item] = item.module.__name__
            item.add_marker(pytest.mark.xdist_group(group_of[item]))
    slow_groups = {group_of[i] for i in items if i in group_of and i.get_closest_marker("slow")}
    items.sort(key=lambda i: 0 if i.get_closest_marker("slow") or group_of.get(i) in slow_groups else 1)


# --- a planted unit: one that is exactly "inside brackets", and that the model's predictions use ----------------

BRACKET_UNIT = 3


def bracketed_passage(corpus_text, stretches, seed=0, length=1500):
    """``length`` characters of tiny-shakespeare with ``stretches`` bracketed stretches of 8-60 characters."""
    import numpy as np

    rng = np.random.default_rng(seed)
    text = list(corpus_text[-length:])
    starts = sorted(rng.choice(np.arange(20, length - 80, 90), stretches, replace=False))
    for start in reversed(starts):
        end = start + int(rng.integers(8, 60))
        text.insert(end, ")")
        text.insert(start, "(")
    return "".join(text)


@pytest.fixture(scope="session")
def planted(tmp_path_factory, corpus):
    """A one-layer basic RNN of 8 units whose unit 3 is exactly "inside brackets", and whose softmax reads it.

    Unit 3: a bracket input kicks it to +1 ("(") or -1 (")"), a strong self-loop holds it
    there, and no other unit sees the bracket inputs or reads it. The softmax gives ")"
    +4 x unit 3 and "(" -4 x unit 3 (both biased by -3), so inside brackets the model
    expects the closing one and outside the opening one; the other units are random.
    """
    import numpy as np

    from r2rt_rnn.data import Vocabulary
    from r2rt_rnn.model import build_graph
    from r2rt_rnn.runtime import checkpoint
    from r2rt_rnn.tf1 import tf

    vocab = Vocabulary.from_text(corpus.text + "()")
    n, opening, closing = 8, vocab.vocab_to_idx["("], vocab.vocab_to_idx[")"]
    rng = np.random.default_rng(7)
    embedding = rng.normal(0, 0.5, (len(vocab), n))
    embedding[:, 0] = 0.0
    embedding[opening, 0], embedding[closing, 0] = 1.0, -1.0  # input feature 0: +1 for "(", -1 for ")"
    kernel = rng.normal(0, 0.4, (2 * n, n))  # rows: [input (n), previous state (n)]
    kernel[0, :] = 0.0  # no other unit sees the bracket input...
    kernel[n + BRACKET_UNIT, :] = 0.0  # ...nor reads unit 3
    kernel[:, BRACKET_UNIT] = 0.0
    kernel[0, BRACKET_UNIT] = 12.0  # a bracket kicks it to +1 or -1
    kernel[n + BRACKET_UNIT, BRACKET_UNIT] = 6.0  # and a strong self-loop holds it there
    bias = np.zeros(n)
    bias[BRACKET_UNIT] = -2.0  # starting from 0, it settles at -1: outside
    g = build_graph(cell_type=None, state_size=n, num_layers=1, num_classes=len(vocab), batch_size=1, num_steps=1)
    values = {"embedding_matrix": embedding, "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/kernel": kernel,
              "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/bias": bias}
    path = tmp_path_factory.mktemp("planted") / "brackets"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        by_name = {v.op.name: v for v in tf.trainable_variables()}
        softmax_w, softmax_b = sess.run([by_name["softmax/W"], by_name["softmax/b"]])
        softmax_w[BRACKET_UNIT, :] = 0.0
        softmax_w[BRACKET_UNIT, closing], softmax_w[BRACKET_UNIT, opening] = 4.0, -4.0
        softmax_b[[opening, closing]] = -3.0
        values.update({"softmax/W": softmax_w, "softmax/b": softmax_b})
        for name, value in values.items():
            sess.run(by_name[name].assign(value.astype(np.float32)))
        checkpoint.save(sess, g, str(path), vocab)
    return path
