"""The post's final model in today's Keras 3, holding the weights the TF1 graph trained.

This file is run as a script, with the arguments ``CHECKPOINT_PREFIX BATCH.npz OUT.npz``, in a process of its own
(:mod:`r2rt_rnn.beyond.keras_today` starts it, by ``runpy``: see there why not as ``python keras_side.py``),
because importing ``r2rt_rnn`` switches TensorFlow to graph mode and to the legacy Keras 2 (``tf_keras``),
and Keras 3 runs only eagerly, beside neither. So it imports nothing of ``r2rt_rnn`` and imports Keras and
TensorFlow only inside its functions: the notebook can import it to show its source without loading Keras 3.

Two layouts of the same GRU. TF1's ``GRUCell`` multiplies ``[input, state]`` (joined) by one gates
matrix whose columns are the reset gate ``r`` then the update gate ``u``, and ``[input, r * state]`` by a
candidate matrix;
Keras's ``GRU`` keeps the input's weights (``kernel``) apart from the state's (``recurrent_kernel``), each
with columns in the order ``z`` (Keras's name for the update gate), ``r``, candidate ``h``. With
``reset_after=False`` Keras applies the reset gate to the state before its matrix, as TF1's cell does
(Keras's default, ``reset_after=True``, applies it after, another model: cuDNN's).
"""
import sys

import numpy as np

GATE_ORDERS = ("rz", "zr")  # how the columns of TF1's gates matrix are read: "rz" is GRUCell's; "zr" is a mistake


def gru_weights(gates_kernel, gates_bias, candidate_kernel, candidate_bias, input_size, gate_order="rz"):
    """One TF1 ``GRUCell``'s four tensors as Keras's ``GRU(reset_after=False)`` takes them:
    ``[kernel, recurrent_kernel, bias]``, shapes ``[input_size, 3u]``, ``[u, 3u]``, ``[3u]``, columns z, r, h.

    TF1: ``gates_kernel`` ``[input_size + u, 2u]`` (rows: input then state; columns: r then u),
    ``gates_bias`` ``[2u]``, ``candidate_kernel`` ``[input_size + u, u]``, ``candidate_bias`` ``[u]``.
    ``gate_order="zr"`` reads the gates' halves the wrong way round (to show that a mistake is caught).
    """
    first, second = np.split(gates_kernel, 2, axis=1)
    first_bias, second_bias = np.split(gates_bias, 2)
    if gate_order == "rz":
        r, z, r_bias, z_bias = first, second, first_bias, second_bias
    else:
        z, r, z_bias, r_bias = first, second, first_bias, second_bias
    both = np.concatenate([z, r, candidate_kernel], axis=1)  # [input_size + u, 3u], Keras's column order
    return [both[:input_size], both[input_size:], np.concatenate([z_bias, r_bias, candidate_bias])]


def build_model(num_classes, state_size, num_layers):
    """The post's final GRU stack as a Keras 3 model: character ids ``[batch, steps]`` -> logits
    ``[batch, steps, num_classes]``. The layers make and own their weights; no graph, session or placeholder."""
    import keras

    ids = keras.Input(shape=(None,), dtype="int32")
    h = keras.layers.Embedding(num_classes, state_size, name="embedding")(ids)
    for k in range(num_layers):  # each layer starts from a zero state, as the TF1 graph's zero_state
        h, _final_state = keras.layers.GRU(state_size, return_sequences=True, return_state=True,
                                           reset_after=False, name=f"gru_{k}")(h)
    logits = keras.layers.Dense(num_classes, name="softmax")(h)
    return keras.Model(ids, logits)


def load_tf1_weights(model, prefix, num_layers, gate_order="rz"):
    """Put the TF1 checkpoint ``prefix``'s tensors (read eagerly by ``tf.train.load_checkpoint``) into ``model``."""
    import tensorflow as tf

    tensor = tf.train.load_checkpoint(prefix).get_tensor
    model.get_layer("embedding").set_weights([tensor("embedding_matrix")])
    input_size = tensor("embedding_matrix").shape[1]
    for k in range(num_layers):
        cell = f"rnn/multi_rnn_cell/cell_{k}/gru_cell"
        weights = gru_weights(tensor(f"{cell}/gates/kernel"), tensor(f"{cell}/gates/bias"),
                              tensor(f"{cell}/candidate/kernel"), tensor(f"{cell}/candidate/bias"),
                              input_size, gate_order)
        model.get_layer(f"gru_{k}").set_weights(weights)
        input_size = weights[1].shape[0]  # the next layer's input is this layer's output
    model.get_layer("softmax").set_weights([tensor("softmax/W"), tensor("softmax/b")])


def loss_and_logits(model, x, y):
    """The mean cross-entropy of predicting ``y`` from ``x`` (as the TF1 graph's ``total_loss``) and the logits."""
    import keras

    logits = model(x)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)
    return float(loss), keras.ops.convert_to_numpy(logits)


def main(prefix, batch_file, out_file):
    """Run the model with the checkpoint's weights on the batch in ``batch_file`` (``x``, ``y``, ``num_classes``,
    ``state_size``, ``num_layers``), once per gate order; write each order's loss and logits to ``out_file``."""
    import keras

    batch = np.load(batch_file)
    sizes = (int(batch["num_classes"]), int(batch["state_size"]), int(batch["num_layers"]))
    model = build_model(*sizes)
    out = {"keras_version": np.array(keras.__version__)}
    for order in GATE_ORDERS:
        load_tf1_weights(model, prefix, sizes[2], order)
        out[f"loss_{order}"], out[f"logits_{order}"] = loss_and_logits(model, batch["x"], batch["y"])
    np.savez(out_file, **out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
