"""The same model today: the shipped post-GRU in Keras 3 gives the TF1 graph's loss and logits, and a wrong weight
mapping is seen."""
import numpy as np
import pytest

from conftest import random_checkpoint
from r2rt_rnn.beyond import keras_side, keras_today
from r2rt_rnn.beyond.keras_today import compare, held_out_batch
from r2rt_rnn.runtime.errors import R2RTError


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def tf1_gru_step(x, h, gates_kernel, gates_bias, candidate_kernel, candidate_bias):
    """TF1's GRUCell.call, in numpy."""
    r, u = np.split(sigmoid(np.concatenate([x, h], 1) @ gates_kernel + gates_bias), 2, axis=1)
    c = np.tanh(np.concatenate([x, r * h], 1) @ candidate_kernel + candidate_bias)
    return u * h + (1 - u) * c


def keras_gru_step(x, h, kernel, recurrent_kernel, bias):
    """Keras 3's GRUCell.call with reset_after=False, in numpy (columns z, r, h)."""
    n = h.shape[1]
    z = sigmoid(x @ kernel[:, :n] + h @ recurrent_kernel[:, :n] + bias[:n])
    r = sigmoid(x @ kernel[:, n:2 * n] + h @ recurrent_kernel[:, n:2 * n] + bias[n:2 * n])
    hh = np.tanh(x @ kernel[:, 2 * n:] + (r * h) @ recurrent_kernel[:, 2 * n:] + bias[2 * n:])
    return z * h + (1 - z) * hh


def test_gru_weights_make_keras_compute_tf1s_cell():
    rng = np.random.default_rng(0)
    inputs, units = 4, 3
    tf1 = [rng.normal(size=s) for s in ((inputs + units, 2 * units), (2 * units,), (inputs + units, units), (units,))]
    x, h = rng.normal(size=(5, inputs)), rng.normal(size=(5, units))
    right = keras_side.gru_weights(*tf1, inputs)
    assert [w.shape for w in right] == [(inputs, 3 * units), (units, 3 * units), (3 * units,)]
    np.testing.assert_allclose(keras_gru_step(x, h, *right), tf1_gru_step(x, h, *tf1), rtol=1e-12)
    swapped = keras_side.gru_weights(*tf1, inputs, gate_order="zr")
    assert np.abs(keras_gru_step(x, h, *swapped) - tf1_gru_step(x, h, *tf1)).max() > 1e-2


@pytest.fixture(scope="module")
def comparison():
    """One small batch of held-out text through both models (one Keras process: about 10-20 s)."""
    return compare("post-GRU", batch_size=2, num_steps=10)


@pytest.mark.xdist_group("keras_today")
def test_keras_3_gives_the_tf1_graphs_loss_and_logits(comparison):
    assert (comparison.batch_size, comparison.num_steps) == (2, 10)
    assert comparison.keras_version.startswith("3.")
    assert comparison.relative_difference < 1e-5
    assert comparison.max_logit_difference < 1e-4


@pytest.mark.xdist_group("keras_today")
def test_a_wrong_mapping_is_caught(comparison):
    """Reading TF1's gates as (z, r), Keras's order, instead of (r, z): the loss is another model's."""
    assert abs(comparison.swapped_loss - comparison.tf1_loss) > 0.1


def test_only_a_build_graph_gru_is_copied(tmp_path, corpus):
    lstm = random_checkpoint(tmp_path, "LSTM", corpus.vocab)
    with pytest.raises(R2RTError, match="not a build_graph GRU"):
        compare(str(lstm), batch_size=1, num_steps=3)


def test_the_batch_must_fit_the_data():
    x, y = held_out_batch(2, 5, data=np.arange(12))
    assert x.tolist() == [[0, 1, 2, 3, 4], [6, 7, 8, 9, 10]] and y.tolist() == [[1, 2, 3, 4, 5], [7, 8, 9, 10, 11]]
    with pytest.raises(R2RTError, match="data has 11 tokens"):
        held_out_batch(2, 5, data=np.arange(11))
    with pytest.raises(R2RTError, match="batch_size must be a positive integer"):
        held_out_batch(0, 5)


def test_a_failing_keras_side_is_one_line(tmp_path, monkeypatch):
    broken = tmp_path / "keras_side.py"
    broken.write_text("raise SystemExit('no Keras 3 here')\n")
    monkeypatch.setattr(keras_today, "KERAS_SIDE", broken)
    with pytest.raises(R2RTError, match=r"the Keras 3 side failed \(exit status 1\): no Keras 3 here"):
        compare("post-GRU", batch_size=1, num_steps=3)
