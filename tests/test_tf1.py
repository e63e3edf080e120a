"""The one TensorFlow switchboard: rnn_cell available in either import order, graph mode, quiet start-up."""
import pytest

from conftest import run_pythons

CHECK = ("from r2rt_rnn.tf1 import tf, rnn_cell; "
         "assert not tf.executing_eagerly(); "
         "assert not tf.control_flow_v2_enabled(); "  # TF1 while loops: invariants enter once
         "c = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(4), rnn_cell.LSTMCell(4)]); print('ok')")
FIRST_IMPORTS = ["", "import tensorflow; ", "import tensorflow as tf; tf.constant(1); "]
QUIET = "; from r2rt_rnn.model import build_graph; build_graph('LSTM', num_steps=5)"


@pytest.mark.slow
def test_rnn_cell_works_whatever_was_imported_first_and_the_package_prints_nothing():
    """One fresh interpreter per import order, all started at once; the first (the package first) also builds a
    graph and must print nothing to stderr."""
    jobs = [(first + "import r2rt_rnn; " + CHECK + (QUIET if not first else ""), {"TF_USE_LEGACY_KERAS": ""})
            for first in FIRST_IMPORTS]
    for first, out in zip(FIRST_IMPORTS, run_pythons(jobs)):
        assert out.returncode == 0, (first, out.stderr[-2000:])
        assert out.stdout.strip() == "ok", first
        if not first:
            assert out.stderr == ""  # no oneDNN/CUDA/absl banners, no deprecation warnings
