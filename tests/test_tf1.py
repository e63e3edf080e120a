"""The one TensorFlow switchboard: rnn_cell available in either import order, graph mode, quiet start-up."""
import pytest

from conftest import run_pythons

CHECK = ("from r2rt_rnn.tf1 import tf, rnn_cell; "
         "assert not tf.executing_eagerly(); "
         "assert not tf.control_flow_v2_enabled(); "  # TF1 while loops: invariants enter once
         "c = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(4), rnn_cell.LSTMCell(4)]); print('ok')")
FIRST_IMPORTS = ["", "import tensorflow; ", "import tensorflow as tf; tf.constant(1); "]


@pytest.mark.slow
def test_rnn_cell_works_whatever_was_imported_first_and_the_package_prints_nothing():
    """One fresh interpreter per import order, and one that builds a graph (all started at once)."""
    jobs = [(first + "import r2rt_rnn; " + CHECK, {"TF_USE_LEGACY_KERAS": ""}) for first in FIRST_IMPORTS]
    jobs.append((CHECK + "; from r2rt_rnn.model import build_graph; build_graph('LSTM', num_steps=5)", None))
    *orders, quiet = run_pythons(jobs)
    for first, out in zip(FIRST_IMPORTS, orders):
        assert out.returncode == 0, (first, out.stderr[-2000:])
        assert out.stdout.strip() == "ok", first
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert quiet.stderr == ""  # no oneDNN/CUDA/absl banners, no deprecation warnings
