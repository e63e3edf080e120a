"""The one place that imports TensorFlow for the whole package.

Everything in r2rt_rnn does ``from r2rt_rnn.tf1 import tf, rnn_cell`` and gets:

* ``tf``: ``tensorflow.compat.v1`` with eager execution switched off, so the posts'
  placeholders, Sessions and Savers work as written in 2016;
* ``rnn_cell``: ``tf.nn.rnn_cell`` (BasicRNNCell, GRUCell, LSTMCell, MultiRNNCell, ...),
  which only exists with the legacy Keras 2 package (``tf_keras``) switched on;
* TensorFlow's import-time noise turned down to errors only.

The order below matters: the environment variables must be set before TensorFlow
reads them, and ``TF_USE_LEGACY_KERAS`` before anything touches ``rnn_cell``
(it is enough to set it before that first touch, even if the user imported
tensorflow already).
"""
import contextlib
import logging
import os
import sys
import warnings

from .runtime import interrupts

# C++ logging: 0 all, 1 no INFO, 2 no WARNING, 3 no ERROR. Keep real errors visible.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
# Take GPU memory as needed, not all at once: the benchmark's sessions and its peer processes share one GPU.
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
# Do NOT set TF_ENABLE_ONEDNN_OPTS=0 here: it makes CPU training about 1.9x slower.

warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(tensorflow|tf_keras|keras)")
warnings.filterwarnings("ignore", category=UserWarning, module=r"(tensorflow|tf_keras|keras)")
# The legacy rnn_cell classes warn "is deprecated and will be removed" on every
# construction, attributed to the caller's module; using them is this package's point.
warnings.filterwarnings("ignore", message=r".*is deprecated and will be removed.*")
warnings.filterwarnings("ignore", message=r".*is deprecated.*", category=FutureWarning)



@contextlib.contextmanager
def _native_stderr_silenced():
    """Send file descriptor 2 to /dev/null while TensorFlow's C++ libraries load.

    TF 2.21 logs through absl before absl is initialised ("All log messages before
    absl::InitializeLog() ..."), which ignores TF_CPP_MIN_LOG_LEVEL; only the file
    descriptor can be quieted. Python exceptions are unaffected: they are printed
    after the descriptor is restored.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real descriptor (embedded interpreters, 2>&-)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        with interrupts.messages_to(saved):  # a second Ctrl-C meanwhile still says its line
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


with _native_stderr_silenced():
    import tensorflow as _tf  # noqa: E402

    # Probing the devices now, while stderr is quiet, keeps the CUDA probe's
    # "failed call to cuInit" line (printed on every machine without a GPU) out of sight.
    GPUS = _tf.config.list_physical_devices("GPU")

if os.environ.get("TF_USE_LEGACY_KERAS") != "1":  # the user set it to something else
    os.environ["TF_USE_LEGACY_KERAS"] = "1"

tf = _tf.compat.v1
tf2 = _tf
tf.logging.set_verbosity(tf.logging.ERROR)
logging.getLogger("tensorflow").setLevel(logging.ERROR)
logging.getLogger("absl").setLevel(logging.ERROR)
try:  # absl prints "WARNING: All log messages before absl::InitializeLog()" otherwise
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
except ImportError:  # pragma: no cover - absl ships with tensorflow
    pass

if tf.executing_eagerly():
    tf.disable_eager_execution()
# TF 1.x's control flow, as the posts had it: a while loop's invariants (weights, input
# arrays) enter the loop once. TF 2's functional While, lowered in a Session, passes every
# captured tensor through control-flow ops on every iteration; with it, training steps of
# the dynamic_rnn LSTM and LN_LSTM_fast took about 12% longer here.
tf.disable_control_flow_v2()

try:
    with _native_stderr_silenced():
        rnn_cell = tf.nn.rnn_cell
        rnn_cell.LSTMCell  # noqa: B018 - fails here, not deep inside a graph builder
except AttributeError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "tf.compat.v1.nn.rnn_cell is unavailable: install the legacy Keras package with "
        "`pip install tf_keras` (r2rt_rnn sets TF_USE_LEGACY_KERAS=1 itself)."
    ) from exc

__all__ = ["tf", "tf2", "rnn_cell", "GPUS"]
