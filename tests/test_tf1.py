"""The one TensorFlow switchboard: graph mode and rnn_cell in either import order, and nothing else of the process
changed (quieting TensorFlow is a call: tests/test_quiet.py)."""
import json

import pytest

from conftest import run_python, run_pythons

CHECK = ("from r2rt_rnn.tf1 import tf, rnn_cell; "
         "assert not tf.executing_eagerly(); "
         "assert not tf.control_flow_v2_enabled(); "  # TF1 while loops: invariants enter once
         "c = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(4), rnn_cell.LSTMCell(4)]); print('ok')")
FIRST_IMPORTS = ["", "import tensorflow; ", "import tensorflow as tf; tf.constant(1); "]

# In a fresh process: TensorFlow first, then what the process looks like before and after importing r2rt_rnn.tf1,
# with os.dup2 (a redirection of stderr) and TensorFlow's device probe counted. tf_keras, where rnn_cell lives, is
# imported before the first look: its own import adds a warning filter of scipy's.
BEFORE_AND_AFTER = """
import json, logging, os, warnings
import absl.logging
import tensorflow
import tf_keras
from tensorflow.python.eager import context

def state():
    stderr = os.fstat(2)
    return {"environ": dict(os.environ), "filters": [repr(f) for f in warnings.filters],
            "levels": [logging.getLogger("tensorflow").level, logging.getLogger("absl").level,
                       absl.logging.get_verbosity()],
            "stderr": [stderr.st_dev, stderr.st_ino]}

calls = []
dup2, probe = os.dup2, context.Context.list_physical_devices
os.dup2 = lambda *args, **kwargs: calls.append("os.dup2") or dup2(*args, **kwargs)
context.Context.list_physical_devices = lambda *args, **kwargs: calls.append("device probe") or probe(*args, **kwargs)
before = state()
from r2rt_rnn.tf1 import rnn_cell, tf
after = state()
rnn_cell.LSTMCell(4)
print(json.dumps({"before": before, "after": after, "calls": calls, "graph_mode": not tf.executing_eagerly(),
                  "control_flow_v1": not tf.control_flow_v2_enabled()}))
"""


@pytest.mark.slow
def test_importing_tf1_sets_graph_mode_and_changes_nothing_else():
    out = run_python(BEFORE_AND_AFTER, env={"TF_USE_LEGACY_KERAS": None, "TF_CPP_MIN_LOG_LEVEL": None,
                                            "TF_FORCE_GPU_ALLOW_GROWTH": None})
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    before, after = seen["before"], seen["after"]
    assert seen["graph_mode"] and seen["control_flow_v1"]
    changed = {k: v for k, v in after["environ"].items() if before["environ"].get(k) != v}
    assert changed == {"TF_USE_LEGACY_KERAS": "1"}  # what rnn_cell needs; no log level, no GPU setting
    assert set(before["environ"]) <= set(after["environ"])
    assert after["filters"] == before["filters"]  # no warning filters
    assert after["levels"] == before["levels"]  # the tensorflow and absl loggers as they were
    assert after["stderr"] == before["stderr"] and "os.dup2" not in seen["calls"]  # stderr never redirected
    assert "device probe" not in seen["calls"]  # no GPU probe at import


@pytest.mark.slow
def test_rnn_cell_works_whatever_was_imported_first():
    """One fresh interpreter per import order, all started at once, the user's TF_USE_LEGACY_KERAS unset."""
    jobs = [(first + "import r2rt_rnn; " + CHECK, {"TF_USE_LEGACY_KERAS": None}) for first in FIRST_IMPORTS]
    for first, out in zip(FIRST_IMPORTS, run_pythons(jobs)):
        assert out.returncode == 0, (first, out.stderr[-2000:])
        assert out.stdout.strip() == "ok", first
