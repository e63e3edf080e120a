"""Many-to-one: a bidirectional multi-layer RNN that classifies a byte window by its source.

The slides' model reads ``SEQ_LENGTH`` bytes one-hot encoded to ``E_DIM`` columns,
runs a forward and a backward multi-layer RNN over them, takes the forward RNN's
*last* output and the backward RNN's *first* output (each has then seen the whole
window), projects both to ``E_DIM``, adds them, and projects to ``NUM_CLASSES``
logits. The slides never said what the classes were; here the task is: from
which of four texts does this window come? The texts are all on any machine with
Python (no downloads, no ``../shared``):

0. ``shakespeare``: the bundled tiny-shakespeare corpus;
1. ``python_code``: source code of a fixed list of standard-library modules;
2. ``docstrings``: docstrings of the public names of a fixed list of modules;
3. ``unicode_names``: the Unicode character names (``LATIN SMALL LETTER A`` ...).

Each text's first ``1 - test_fraction`` is used for training windows and its tail
for held-out windows, so no held-out byte was ever seen in training.
"""
import importlib
import inspect
import time
import unicodedata

import numpy as np

from ..data import load_text
from ..graphs.common import seed_graph
from ..runtime import checks
from ..runtime.errors import R2RTError
from ..runtime.parts import Every
from ..tf1 import tf
from .cells import multi_layer_rnn, project
from .common import E_DIM, check_2d, minibatches, text_to_bytes, train_on_minibatches

SEQ_LENGTH = 256  # the slides' values; the defaults of the functions below are CPU-sized
STATE_DIM = 512
N_LAYERS = 3
NUM_CLASSES = 4
SOURCES = ("shakespeare", "python_code", "docstrings", "unicode_names")

_CODE_MODULES = ("argparse", "collections", "json.decoder", "json.encoder", "textwrap", "string",
                 "functools", "dataclasses", "csv", "difflib", "heapq", "bisect", "fractions", "shlex")
_DOC_MODULES = ("builtins", "os", "os.path", "math", "itertools", "re", "random", "statistics",
                "string", "shutil", "functools", "collections", "json", "textwrap", "time")


def load_sources():
    """The four texts, ``{name: str}`` in the order of :data:`SOURCES`, deterministic for a Python version."""
    code = "\n".join(inspect.getsource(importlib.import_module(m)) for m in _CODE_MODULES)
    docs = []
    for m in _DOC_MODULES:
        module = importlib.import_module(m)
        for name in sorted(dir(module)):
            obj = getattr(module, name, None)
            # Only what the module itself defines: submodules appear as attributes once anything
            # imports them, and IPython adds `display` to builtins, so anything else would make
            # the text depend on the rest of the process.
            if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__:
                doc = inspect.getdoc(obj)
                if doc:
                    docs.append(doc)
    names = (unicodedata.name(chr(i), "") for i in range(0x20, 0x3000))
    return {
        "shakespeare": load_text(None),
        "python_code": code,
        "docstrings": "\n\n".join(dict.fromkeys(docs)),  # drop repeats, keep the order
        "unicode_names": "\n".join(n for n in names if n),
    }


def make_windows(texts, seq_length=64, train_per_class=1000, test_per_class=200, test_fraction=0.2, seed=0):
    """Cut random byte windows out of each text: a balanced, labelled data set.

    Args:
        texts: ``{class name: str}``; the label of a window is the position of its text.
        seq_length: bytes per window.
    Returns:
        dict with ``x_train`` uint8 ``[C * train_per_class, seq_length]``, ``y_train`` int32
        ``[C * train_per_class]``, ``x_test``/``y_test`` likewise from the held-out tails,
        and ``class_names``.
    """
    checks.positive(seq_length=seq_length, train_per_class=train_per_class, test_per_class=test_per_class)
    test_fraction = checks.real("test_fraction", test_fraction, 0.0, 1.0, high_open=True)
    if len(texts) < 2:
        raise R2RTError(f"need at least 2 texts to classify, got {len(texts)}")
    rng = np.random.RandomState(seed)
    parts = {"train": ([], []), "test": ([], [])}
    for label, (name, text) in enumerate(texts.items()):
        ids = text_to_bytes(text)
        cut = int(len(ids) * (1.0 - test_fraction))
        for split, region, count in (("train", ids[:cut], train_per_class), ("test", ids[cut:], test_per_class)):
            if len(region) < seq_length:
                raise R2RTError(
                    f"text {name!r} has {len(ids)} characters, too short for {split} windows of "
                    f"seq_length={seq_length} (its {split} part has {len(region)}); "
                    "use a longer text or smaller seq_length"
                )
            starts = rng.randint(0, len(region) - seq_length + 1, size=count)
            parts[split][0].append(np.stack([region[s : s + seq_length] for s in starts]))
            parts[split][1].append(np.full(count, label, dtype=np.int32))
    out = {"class_names": list(texts)}
    for split, (xs, ys) in parts.items():
        out[f"x_{split}"], out[f"y_{split}"] = np.concatenate(xs), np.concatenate(ys)
    return out


def build_many_to_one_graph(seq_length=SEQ_LENGTH, num_classes=NUM_CLASSES, e_dim=E_DIM, state_dim=STATE_DIM,
                            n_layers=N_LAYERS, cell="gru", learning_rate=1e-3):
    """Build the classifier in the current default graph and return its tensors as a dict.

    Keys: ``x`` uint8 placeholder ``[batch, seq_length]``, ``y`` int32 placeholder ``[batch]``,
    ``logits`` ``[batch, num_classes]``, ``prediction`` int32 ``[batch]``, ``loss`` (scalar,
    mean cross-entropy), ``accuracy`` (scalar), ``train_step``.
    """
    checks.positive(seq_length=seq_length, num_classes=num_classes, e_dim=e_dim, state_dim=state_dim,
                   n_layers=n_layers)
    x = tf.placeholder(tf.uint8, [None, seq_length], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    inputs = tf.one_hot(x, depth=e_dim, dtype=tf.float32)  # [batch, seq_length, e_dim]
    # Two separate stacks: the forward and backward directions must not share weights.
    fw, bw = multi_layer_rnn(n_layers, state_dim, cell), multi_layer_rnn(n_layers, state_dim, cell)
    (fw_out, bw_out), _ = tf.nn.bidirectional_dynamic_rnn(fw, bw, inputs, dtype=tf.float32)
    # fw_out[:, -1] has read bytes 0..T-1 left to right; bw_out[:, 0] has read them right to left.
    f = project(fw_out[:, -1], e_dim, "project_fw")
    b = project(bw_out[:, 0], e_dim, "project_bw")
    logits = project(f + b, num_classes, "project_classes")
    prediction = tf.cast(tf.argmax(logits, 1), tf.int32)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(prediction, y), tf.float32))
    train_step = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    return dict(x=x, y=y, logits=logits, prediction=prediction, loss=loss, accuracy=accuracy,
                train_step=train_step, seq_length=seq_length)


def predict(sess, g, x, batch_size=256):
    """Graph ``g``'s class for each window of ``x`` ``[n, seq_length]``: int ``[n]``."""
    x = check_2d(x, g["seq_length"], "x")
    return np.concatenate([sess.run(g["prediction"], {g["x"]: x[i : i + batch_size]})
                           for i in range(0, len(x), batch_size)])


def evaluate(sess, g, x, y, batch_size=256):
    """``(mean cross-entropy, accuracy)`` of graph ``g`` on windows ``x`` with labels ``y``."""
    x, y = check_2d(x, g["seq_length"], "x"), np.asarray(y)
    total_loss, correct = 0.0, 0.0
    for i in range(0, len(x), batch_size):
        feed = {g["x"]: x[i : i + batch_size], g["y"]: y[i : i + batch_size]}
        loss, acc = sess.run([g["loss"], g["accuracy"]], feed)
        total_loss, correct = total_loss + loss * len(feed[g["y"]]), correct + acc * len(feed[g["y"]])
    return total_loss / len(x), correct / len(x)


class _HeldOut:
    """One pass over the held-out windows gives both values :class:`Every` records (loss first, then accuracy)."""

    def __init__(self, sess, g, x, y):
        self.measure = lambda: evaluate(sess, g, x, y)
        self.last = (None, None)

    def loss(self):
        self.last = self.measure()
        return self.last[0]

    def accuracy(self):
        return self.last[1]


def spread(n, count):
    """``count`` indices spread evenly over ``range(n)`` (all of them when ``count >= n``)."""
    return np.unique(np.linspace(0, n - 1, min(n, count)).round().astype(int))


def confusion_matrix(y_true, y_pred, num_classes):
    """``[num_classes, num_classes]`` counts: row = true class, column = predicted class."""
    matrix = np.zeros([num_classes, num_classes], dtype=int)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def train_many_to_one(data, steps=300, batch_size=32, state_dim=64, n_layers=1, cell="gru",
                      learning_rate=3e-3, seed=0, log_every=50, progress=False, eval_every=0):
    """Train the classifier on ``data`` (from :func:`make_windows`) and measure it on held-out windows.

    Returns a dict: ``losses`` (one per step), ``test_accuracy``, ``train_accuracy`` (on up to
    2000 training windows spread evenly over all classes), ``majority_baseline`` (accuracy of always
    answering the most common training class on the test windows), ``confusion`` and
    ``train_confusion`` (held-out and training counts, row = true class, column = predicted; lists of
    lists), ``valid_losses`` and ``valid_accuracies`` (``[step, value]`` on the held-out windows every
    ``eval_every`` steps and at the end; empty with ``eval_every=0``), ``seconds`` (training and those
    evaluations) and ``class_names``.
    """
    checks.positive(steps=steps, batch_size=batch_size)
    eval_every = checks.integer("eval_every", eval_every, 0)
    x_train = np.asarray(data["x_train"])
    seq_length = x_train.shape[1] if x_train.ndim == 2 else -1
    x_train = check_2d(x_train, seq_length, "x_train")
    x_test = check_2d(data["x_test"], seq_length, "x_test")
    y_train, y_test = np.asarray(data["y_train"]), np.asarray(data["y_test"])
    num_classes = len(data["class_names"])
    majority = np.bincount(y_train, minlength=num_classes).argmax()
    graph = tf.Graph()
    with graph.as_default():
        seed_graph(seed)
        g = build_many_to_one_graph(seq_length, num_classes, state_dim=state_dim, n_layers=n_layers, cell=cell,
                                    learning_rate=learning_rate)
        rng = np.random.RandomState(seed)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            batches = minibatches(len(x_train), batch_size, steps, rng)
            held = _HeldOut(sess, g, x_test, y_test)
            parts = [Every(eval_every, held.loss, "held-out loss"),
                     Every(eval_every, held.accuracy, "held-out accuracy")]
            start = time.perf_counter()
            history = train_on_minibatches(sess, g, x_train, y_train, batches, steps, "many-to-one", progress,
                                           log_every, parts=parts if eval_every else ())
            seconds = time.perf_counter() - start
            test_pred = predict(sess, g, x_test)
            some = spread(len(x_train), 2000)  # x_train is ordered by class: the first 1000 are one class
            train_pred = predict(sess, g, x_train[some])
            return dict(
                losses=history["losses"],
                valid_losses=history["evals"].get("held-out loss", []),
                valid_accuracies=history["evals"].get("held-out accuracy", []),
                seconds=seconds,
                test_accuracy=float(np.mean(test_pred == y_test)),
                confusion=confusion_matrix(y_test, test_pred, num_classes).tolist(),
                train_confusion=confusion_matrix(y_train[some], train_pred, num_classes).tolist(),
                train_accuracy=float(np.mean(train_pred == y_train[some])),
                majority_baseline=float(np.mean(y_test == majority)),
                class_names=list(data["class_names"]),
            )
