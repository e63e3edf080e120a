"""The one TensorFlow switchboard: rnn_cell available in either import order, graph mode, quiet start-up."""
import pytest

from conftest import run_python

CHECK = ("from r2rt_rnn.tf1 import tf, rnn_cell; "
         "assert not tf.executing_eagerly(); "
         "assert not tf.control_flow_v2_enabled(); "  # TF1 while loops: invariants enter once
         "c = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(4), rnn_cell.LSTMCell(4)]); print('ok')")


@pytest.mark.slow
@pytest.mark.parametrize("first", ["", "import tensorflow; ", "import tensorflow as tf; tf.constant(1); "])
def test_rnn_cell_works_whatever_was_imported_first(first):
    out = run_python(first + "import r2rt_rnn; " + CHECK, env={"TF_USE_LEGACY_KERAS": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


@pytest.mark.slow
def test_importing_the_package_prints_nothing():
    out = run_python(CHECK + "; from r2rt_rnn.model import build_graph; build_graph('LSTM', num_steps=5)")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stderr == ""  # no oneDNN/CUDA/absl banners, no deprecation warnings
