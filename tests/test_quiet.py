"""r2rt_rnn.quiet(): TensorFlow's start-up lines, log messages and deprecation warnings out of sight, when asked.

Importing the package leaves them alone (tests/test_tf1.py); the command line, the notebooks and
these tests (conftest.py) call quiet() first.
"""
import logging
import os
import subprocess
import sys
import warnings

import pytest

import r2rt_rnn
from conftest import REPO, environment, run_pythons
from r2rt_rnn.runtime.quiet import LEGACY_CELLS, quiet

# Fresh processes without the quieting environment these tests inherit from conftest's quiet().
UNQUIET = {"TF_CPP_MIN_LOG_LEVEL": None, "TF_USE_LEGACY_KERAS": None}
# Builds the post's LSTM graph (legacy cells: their warnings) and runs a Session (TensorFlow's look for CUDA).
WORK = ("from r2rt_rnn.model import build_graph; from r2rt_rnn.tf1 import tf; "
        "g = build_graph('LSTM', num_steps=5); "
        "tf.Session().run(tf.global_variables_initializer()); print('ok')")


def warned(category, message, module):
    """Whether a warning raised from ``module`` gets through the filters now in place."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn_explicit(message, category, "somewhere.py", 1, module=module, registry={})
    return bool(caught)


@pytest.mark.slow
def test_quiet_first_leaves_stderr_empty_and_later_still_hides_the_warnings():
    """Three fresh processes at once: quiet() first (stderr empty), no quiet() (TensorFlow speaks: the check is
    not vacuous), quiet() after TensorFlow was imported (its start-up lines are out, but no warning follows)."""
    jobs = [("import r2rt_rnn; r2rt_rnn.quiet(); " + WORK, UNQUIET),
            ("import r2rt_rnn; " + WORK, UNQUIET),
            ("import tensorflow; import r2rt_rnn; r2rt_rnn.quiet(); " + WORK, UNQUIET)]
    first, never, late = run_pythons(jobs)
    for out in (first, never, late):
        assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
    assert first.stderr == ""  # no oneDNN/CUDA/absl lines, no cuInit, no deprecation warnings
    assert "is deprecated and will be removed" in never.stderr and "I0000" in never.stderr
    assert "Warning" not in late.stderr and "deprecated" not in late.stderr and "cuInit" not in late.stderr


@pytest.mark.slow
def test_the_command_line_prints_only_its_own_output():
    out = subprocess.run([sys.executable, "-m", "r2rt_rnn", "generate", "post-GRU", "--num-chars", "40", "--seed",
                          "0"], cwd=REPO, capture_output=True, text=True, timeout=300, env=environment(UNQUIET))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stderr == ""
    assert len(out.stdout.rstrip("\n")) >= 40


def test_quiet_filters_only_tensorflows_warnings_and_the_legacy_cells():
    warnings.resetwarnings()  # pytest puts the filters back after the test
    quiet()
    for module in ("tensorflow.python.ops.rnn", "tf_keras.src.layers", "keras"):
        assert not warned(DeprecationWarning, "old", module) and not warned(UserWarning, "note", module)
    cell = "`tf.nn.rnn_cell.GRUCell` is deprecated and will be removed in a future version. This class ..."
    assert not warned(UserWarning, cell, "r2rt_rnn.cell_types") and not warned(UserWarning, cell, "__main__")
    # Everyone else's warnings still show, a deprecation of the same wording included.
    assert warned(DeprecationWarning, "old", "mylib") and warned(UserWarning, "note", "tensorflow_like")
    assert warned(UserWarning, "`mylib.thing` is deprecated and will be removed", "__main__")
    assert warned(FutureWarning, cell, "__main__")  # only UserWarning is the legacy cells' category
    assert LEGACY_CELLS.startswith("`tf")


def test_quiet_again_changes_nothing_more():
    quiet()
    before = (list(warnings.filters), dict(os.environ), logging.getLogger("tensorflow").level,
              logging.getLogger("absl").level)
    r2rt_rnn.quiet()
    after = (list(warnings.filters), dict(os.environ), logging.getLogger("tensorflow").level,
             logging.getLogger("absl").level)
    assert after == before
    assert before[2] == before[3] == logging.ERROR
    assert "TF_CPP_MIN_LOG_LEVEL" in os.environ  # conftest's quiet() set it; the tests' processes inherit it
    assert "quiet" in dir(r2rt_rnn)
