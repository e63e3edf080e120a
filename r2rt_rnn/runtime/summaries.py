"""TensorBoard logging for the training loops: scalars, text and the graph, without touching the model.

TF1 users watched training in TensorBoard; the PTB tutorial's script logged its
loss and learning rate as summaries. :class:`SummaryLog` does the same for every
loop in this package, with two differences from ``tf.summary.scalar``:

* a scalar is written as a ``tf.Summary`` protocol buffer built in Python, so logging
  adds no op to the model's graph, fetches nothing extra and never slows a step;
* every run gets a NEW directory under ``logdir`` (``<UTC time>-<pid>``, or the
  ``run_name`` you give it), so runs never overwrite or interleave with each other,
  and TensorBoard shows each as its own curve.

Usage::

    with SummaryLog.maybe(logdir, graph=graph) as log:   # logdir None: a log that does nothing
        log.scalar(TRAIN_LOSS, loss, step)

then ``tensorboard --logdir LOGDIR`` and open http://localhost:6006 (the Graphs tab
shows ``graph``). Step numbers are global batch numbers; a resumed run passes
``first_step`` (the batches already done) and keeps counting from there, so its
curve continues the first run's in TensorBoard.
"""
import datetime
import os

from ..tf1 import tf
from . import checks
from .errors import R2RTError

__all__ = ["EPOCH_SECONDS", "NullSummaryLog", "SummaryLog", "TEST_PERPLEXITY", "TRAIN_LEARNING_RATE",
           "TRAIN_LOSS", "TRAIN_LOSS_EVERY", "TRAIN_PERPLEXITY", "TRAIN_SAMPLE", "VALID_LOSS", "VALID_PERPLEXITY"]

# The tags every training loop uses, so runs of different models share TensorBoard charts.
TRAIN_LOSS = "train/loss"  # mean training loss of the last TRAIN_LOSS_EVERY batches; step: global batch number
TRAIN_PERPLEXITY = "train/perplexity"  # the PTB word model's version of train/loss
VALID_LOSS = "valid/loss"  # per epoch; step: the global batch number at the epoch's end
VALID_PERPLEXITY = "valid/perplexity"
TEST_PERPLEXITY = "test/perplexity"  # once, after training
TRAIN_LEARNING_RATE = "train/learning_rate"  # when it changes (see SummaryLog.scalar_on_change)
EPOCH_SECONDS = "epoch/seconds"  # training time of each epoch, at its end
TRAIN_SAMPLE = "train/sample"  # generated text (the Text tab)
TRAIN_LOSS_EVERY = 10  # batches per train/loss point

FLUSH_SECONDS = 15  # how stale TensorBoard may be while a run is going (the writer flushes in the background)


def _run_directory(logdir, run_name):
    """Create and return a new, empty run directory under ``logdir``; never an existing one.

    The name is ``run_name`` or ``<UTC time>-<pid>``; when that exists already,
    ``-2``, ``-3``, ... is appended. ``os.mkdir`` fails if the directory exists, so
    two processes starting together cannot share one.
    """
    run_name = _run_name(run_name)
    base = os.path.join(os.fspath(logdir), run_name)
    if "://" in base:  # gs://, hdfs://, ...: TensorFlow's file system; no atomic mkdir, so check first
        path = _new_remote_directory(base)
    else:
        path = _new_local_directory(logdir, base)
    if path is None:
        raise R2RTError(f"too many runs named {run_name!r} under {logdir}; choose another --logdir or run name")
    return path


def _run_name(run_name):
    """``run_name``, checked to be one directory name; ``<UTC time>-<pid>`` for None."""
    if run_name is None:
        return f"{datetime.datetime.now(datetime.timezone.utc):%Y%m%d-%H%M%S}-{os.getpid()}"
    if not run_name or os.sep in run_name or run_name in (".", ".."):
        raise R2RTError(f"run name {run_name!r} must be one non-empty directory name without {os.sep!r}")
    return run_name


def _names(base):
    """The names a run directory may take: ``base``, then ``base-2``, ``base-3``, ... up to ``base-9999``."""
    for n in range(1, 10_000):
        yield base if n == 1 else f"{base}-{n}"


def _new_local_directory(logdir, base):
    """The first of :func:`_names` that ``os.mkdir`` creates (``logdir`` made first); None if all exist."""
    os.makedirs(logdir, exist_ok=True)
    for path in _names(base):
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue
    return None


def _new_remote_directory(base):
    """The first of :func:`_names` that does not exist on TensorFlow's file system, created; None if all exist."""
    for path in _names(base):
        if not tf.io.gfile.exists(path):
            tf.io.gfile.makedirs(path)
            return path
    return None


def _check_log_arguments(logdir, graph, first_step):
    """:class:`SummaryLog`'s arguments, checked before anything is created."""
    if logdir is None or os.fspath(logdir) == "":
        raise R2RTError("no log directory given; pass --logdir DIR (or use SummaryLog.maybe for optional logs)")
    checks.integer("first_step", first_step, 0)
    if graph is not None and not isinstance(graph, tf.Graph):
        raise TypeError(f"graph must be a tf.Graph, got {type(graph).__name__}")


def _open_run(logdir, run_name):
    """``(run directory, its event file writer)``, the directory new under ``logdir``; a failure is one R2RTError
    that says why."""
    try:
        path = _run_directory(logdir, run_name)
        return path, tf.summary.FileWriter(path, flush_secs=FLUSH_SECONDS)
    except (OSError, tf.errors.OpError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "message", None) or type(exc).__name__
        if os.path.isfile(logdir):
            reason = "it is a file, not a directory"
        raise R2RTError(f"cannot write TensorBoard logs under {logdir} ({reason}); choose another --logdir") from None


class SummaryLog:
    """One training run's TensorBoard event file, in a new directory under ``logdir``.

    ``graph`` (a ``tf.Graph``) is written at once, for TensorBoard's Graphs tab;
    ``run_name`` names the run directory (default ``<UTC time>-<pid>``);
    ``first_step`` is the global step already done by the run being resumed (0 for
    a fresh run): steps passed to :meth:`scalar` must not be smaller.

    The directory is created here, so a bad ``logdir`` fails before training starts,
    with an :class:`~r2rt_rnn.runtime.errors.R2RTError`. ``path`` is the run directory.
    Use it as a context manager, or call :meth:`close`. :meth:`maybe` returns a
    log that does nothing when ``logdir`` is None, so callers need no ``if``.
    """

    enabled = True

    def __init__(self, logdir, graph=None, run_name=None, first_step=0):
        _check_log_arguments(logdir, graph, first_step)
        self.logdir, self.first_step = os.fspath(logdir), int(first_step)
        self._last = {}
        self.path, self._writer = _open_run(self.logdir, run_name)
        if graph is not None:
            self.add_graph(graph)

    @classmethod
    def maybe(cls, logdir, graph=None, run_name=None, first_step=0):
        """A :class:`SummaryLog` when ``logdir`` is given, else a :class:`NullSummaryLog` (same methods, no-ops)."""
        if logdir is None:
            return NullSummaryLog(first_step=first_step)
        return cls(logdir, graph=graph, run_name=run_name, first_step=first_step)

    def _check_step(self, step):
        if not checks.is_integer(step):
            raise TypeError(f"a summary step must be an integer, got {step!r}")
        if step < self.first_step:
            raise ValueError(f"summary step {step} is before this run's first step {self.first_step}; "
                             "a resumed run counts on from the steps already done")
        return int(step)

    def add_graph(self, graph):
        """Write ``graph`` (a ``tf.Graph``) for TensorBoard's Graphs tab."""
        if not isinstance(graph, tf.Graph):
            raise TypeError(f"graph must be a tf.Graph, got {type(graph).__name__}")
        self._writer.add_graph(graph)

    def scalar(self, tag, value, step):
        """Write ``value`` (a number) under ``tag`` at global step ``step``. Adds nothing to any graph."""
        step = self._check_step(step)
        summary = tf.Summary(value=[tf.Summary.Value(tag=tag, simple_value=float(value))])
        self._writer.add_summary(summary, step)
        self._last[tag] = float(value)

    def scalars(self, values, step):
        """Write each ``tag: value`` of the dict ``values`` at ``step``."""
        for tag, value in values.items():
            self.scalar(tag, value, step)

    def scalar_on_change(self, tag, value, step):
        """Write ``value`` only if it differs from the last one written under ``tag`` (e.g. a learning rate).

        Returns whether it was written.
        """
        if self._last.get(tag) == float(value):
            return False
        self.scalar(tag, value, step)
        return True

    def text(self, tag, text, step):
        """Write a string (e.g. a generated sample) for TensorBoard's Text tab (Markdown; shown as written)."""
        step = self._check_step(step)
        metadata = tf.SummaryMetadata(plugin_data=tf.SummaryMetadata.PluginData(plugin_name="text"))
        body = "\n".join("    " + line for line in str(text).split("\n"))  # an indented block keeps line breaks
        value = tf.Summary.Value(tag=tag, metadata=metadata, tensor=tf.make_tensor_proto(body, dtype=tf.string))
        self._writer.add_summary(tf.Summary(value=[value]), step)

    def flush(self):
        """Write what is buffered to disk now (callers do it at each epoch's end)."""
        self._writer.flush()

    def close(self):
        """Flush and close the event file; later calls, and anything written after, do nothing."""
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"SummaryLog({self.path!r}, first_step={self.first_step})"


class NullSummaryLog:
    """What :meth:`SummaryLog.maybe` returns without a ``logdir``: the same methods, doing nothing."""

    enabled = False
    path = None

    def __init__(self, first_step=0):
        self.first_step = first_step

    def add_graph(self, graph):
        pass

    def scalar(self, tag, value, step):
        pass

    def scalars(self, values, step):
        pass

    def scalar_on_change(self, tag, value, step):
        return False

    def text(self, tag, text, step):
        pass

    def flush(self):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def __repr__(self):
        return "NullSummaryLog()"
