"""Faster versions of the post's LSTM models and of its sampler, still plain ``tf.compat.v1`` graphs.

* ``cell_type='LSTM_fast'`` and ``'LN_LSTM_fast'`` in ``build_graph``: the same models as
  ``'LSTM'`` and ``'LN_LSTM'`` (same variables, names and shapes, so checkpoints
  interchange; same loss and gradients for the same weights), run layer by layer:
  the input projection of all time steps is one matmul before the time loop, the
  gates share one sigmoid (and, with layer norm, one normalisation over
  ``[batch, 4, units]``), and the backward pass is written out (a custom gradient)
  so its time loop carries only ``dh`` and ``dc`` and the weight gradients are a few
  big matmuls after it. ``build_graph`` calls :data:`WHOLE_SEQUENCE` instead of ``dynamic_rnn``.
* :func:`sample_in_graph`: ``generate_characters`` (priming with the prompt, then
  feeding each sampled character back with the state) as one ``session.run`` of a
  ``tf.while_loop``. It draws the same uniforms and samples by the same inverse CDF,
  in float64, so the same seed gives the same text.

Every op used has CPU and GPU kernels. (TensorFlow's fused ``BlockLSTM`` kernel computes
the same LSTM, but on CPU it was 1.5x slower than ``dynamic_rnn`` here.)
"""
import contextlib

import numpy as np

from . import checkpoint
from .cells import normalise
from .graphs import common
from .tf1 import rnn_cell, tf

# Where the post's cells keep their variables inside dynamic_rnn's MultiRNNCell, so
# checkpoints of the post's cells and of the fast paths interchange.
LSTM_SCOPE = "rnn/multi_rnn_cell/cell_{}/lstm_cell"
LN_LSTM_SCOPE = "rnn/multi_rnn_cell/cell_{}/layer_normalized_lstm_cell/LayerNormalizedLSTMCell"



def _dropout(x, keep_prob):
    return x if keep_prob is None else tf.nn.dropout(x, rate=1.0 - keep_prob)


def _run_layers(layer_fn, rnn_inputs, init_state, keep_prob):
    """Run ``layer_fn(k, inputs [T, B, n], c0, h0) -> (outputs [T, B, units], c, h)`` layer by layer.

    ``rnn_inputs``: ``[batch, num_steps, n]``. Dropout (when ``keep_prob`` is a
    tensor) is where ``build_graph``'s DropoutWrappers put it: on every layer's
    input and on the stack's output. Returns ``[batch * num_steps, units]``
    batch-major outputs (as ``dynamic_outputs``) and the final state, one
    ``LSTMStateTuple(c, h)`` per layer.
    """
    x = tf.transpose(rnn_inputs, [1, 0, 2])  # time-major: [num_steps, batch, n]
    final_state = []
    for k, (c0, h0) in enumerate(init_state):
        x, c, h = layer_fn(k, _dropout(x, keep_prob), c0, h0)
        final_state.append(rnn_cell.LSTMStateTuple(c, h))
    outputs = _dropout(tf.transpose(x, [1, 0, 2]), keep_prob)
    return tf.reshape(outputs, [-1, int(x.shape[2])]), tuple(final_state)


@contextlib.contextmanager
def _control_flow_v1():
    """Build TF1 ``while_loop``s: their loop invariants (weights, input arrays) are entered once,
    where a TF2 ``While`` op, lowered in a Session, passes every captured tensor through
    five control-flow ops per iteration; with per-step work this small that overhead dominates."""
    was_v2 = tf.control_flow_v2_enabled()
    tf.disable_control_flow_v2()
    try:
        yield
    finally:
        if was_v2:
            tf.enable_control_flow_v2()


def _scan(fn, num_steps, init, inputs, num_outputs, reverse=False):
    """``for t in range(num_steps)`` (backwards with ``reverse``): ``carry, outs = fn(carry, *inputs[t])``.

    ``inputs``: tensors ``[num_steps, ...]``, sliced in place each step (no gradient
    flows through this loop: the callers write their own); returns the last
    ``carry`` and the ``num_outputs`` outputs stacked to ``[num_steps, ...]``.
    """
    def body(t, carry, outs):
        k = num_steps - 1 - t if reverse else t
        carry, out = fn(carry, *(x[k] for x in inputs))
        return t + 1, carry, tuple(ta.write(k, o) for ta, o in zip(outs, out))

    with _control_flow_v1():
        outs = tuple(tf.TensorArray(tf.float32, size=num_steps) for _ in range(num_outputs))
        _, carry, outs = tf.while_loop(lambda t, *_: t < num_steps, body, (0, init, outs))
        return carry, tuple(ta.stack() for ta in outs)


def _lstm_layer(x, c0, h0, w_x, w_h, bias, forget_bias):
    """One LSTMCell layer over time-major ``x [T, B, n]``; returns ``h [T, B, units]``, final ``c``, ``h``.

    The forward pass hoists ``x @ w_x + bias`` for all steps into one matmul, so
    each step does one ``[B, units] @ [units, 4 * units]`` matmul. The backward pass
    is written out (a custom gradient): its time loop carries only ``dh`` and ``dc``,
    and the weight gradients are three big matmuls after the loop instead of
    ``T`` small ones accumulated inside it.
    """
    num_steps, batch, n = tf.shape(x)[0], tf.shape(x)[1], int(x.shape[2])
    units = int(h0.shape[1])

    @tf.custom_gradient
    def layer(x, c0, h0, w_x, w_h, bias):
        # forget_bias joins the f quarter of the bias, outside the loop
        bias_f = bias + tf.concat([tf.zeros([2 * units]), tf.fill([units], forget_bias), tf.zeros([units])], 0)
        xw = tf.reshape(tf.matmul(tf.reshape(x, [-1, n]), w_x) + bias_f, [num_steps, batch, 4 * units])

        def step(carry, xw_t):
            c, h = carry
            z = xw_t + tf.matmul(h, w_h)
            i, _, f, o = tf.split(tf.sigmoid(z), 4, axis=1)  # one sigmoid for i, f and o
            j = tf.tanh(z[:, units:2 * units])
            c = f * c + i * j
            tanh_c = tf.tanh(c)
            h = o * tanh_c
            # what the backward pass needs, in one array: [B, 7 * units]
            return (c, h), (tf.concat([i, j, f, o, c, tanh_c, h], 1),)

        (c, h), (saved,) = _scan(step, num_steps, (c0, h0), [xw], 1)
        hs = saved[:, :, 6 * units:]

        def grad(d_hs, d_c, d_h):
            d_c = tf.zeros_like(c0) if d_c is None else d_c
            d_h = tf.zeros_like(h0) if d_h is None else d_h
            c_prev = tf.concat([c0[None], saved[:-1, :, 4 * units:5 * units]], 0)
            w_h_t = tf.transpose(w_h)

            def back(carry, d_hs_t, saved_t, c_prev_t):
                d_c, d_h = carry
                i, j, f, o, _, tanh_c, _ = tf.split(saved_t, 7, axis=1)
                d_h += d_hs_t
                d_c += d_h * o * (1 - tanh_c * tanh_c)
                d_z = tf.concat([d_c * j * i * (1 - i), d_c * i * (1 - j * j), d_c * c_prev_t * f * (1 - f),
                                 d_h * tanh_c * o * (1 - o)], 1)
                return (d_c * f, tf.matmul(d_z, w_h_t)), (d_z,)

            (d_c0, d_h0), (d_z,) = _scan(back, num_steps, (d_c, d_h), [d_hs, saved, c_prev], 1, reverse=True)
            h_prev = tf.reshape(tf.concat([h0[None], hs[:-1]], 0), [-1, units])
            d_z = tf.reshape(d_z, [-1, 4 * units])
            d_x = tf.reshape(tf.matmul(d_z, w_x, transpose_b=True), tf.shape(x))
            d_w_x = tf.matmul(tf.reshape(x, [-1, n]), d_z, transpose_a=True)
            d_w_h = tf.matmul(h_prev, d_z, transpose_a=True)
            return d_x, d_c0, d_h0, d_w_x, d_w_h, tf.reduce_sum(d_z, 0)

        return (hs, c, h), grad

    return layer(x, c0, h0, w_x, w_h, bias)


def lstm_fast_outputs(rnn_inputs, init_state, keep_prob=None, forget_bias=1.0):
    """``cell_type='LSTM_fast'``: a stack of LSTMCell layers, each run by :func:`_lstm_layer`.

    Same variables as LSTMCell in dynamic_rnn (``kernel: [n + units, 4 * units]``,
    gate order i, j, f, o; ``bias: [4 * units]``; ``forget_bias`` added to ``f``).
    """
    def layer(k, x, c0, h0):
        units, n = int(h0.shape[1]), int(x.shape[2])
        with tf.variable_scope(LSTM_SCOPE.format(k)):
            kernel = tf.get_variable("kernel", [n + units, 4 * units])
            bias = tf.get_variable("bias", [4 * units], initializer=tf.zeros_initializer())
        hs, c, h = _lstm_layer(x, c0, h0, kernel[:n], kernel[n:], bias, forget_bias)
        hs.set_shape(x.shape[:2].concatenate([units]))
        return hs, c, h

    return _run_layers(layer, rnn_inputs, init_state, keep_prob)


def _ln_lstm_variables(k, n, units):
    """The variables of the post's ``LayerNormalizedLSTMCell`` number ``k``, by their names there.

    Returns the ``[n + units, 4 * units]`` matrix and the gates' scales and shifts
    stacked as ``[4, units]`` (order i, j, f, o), plus the new cell state's ``[units]`` pair.
    """
    with tf.variable_scope(LN_LSTM_SCOPE.format(k)):
        with tf.variable_scope("Linear"):
            matrix = tf.get_variable("Matrix", [n + units, 4 * units])
        pairs = []
        for name in ("i", "j", "f", "o", "new_h"):
            with tf.variable_scope(f"{name}/layer_norm"):
                pairs.append((tf.get_variable("scale", [units], initializer=tf.constant_initializer(1)),
                              tf.get_variable("shift", [units], initializer=tf.constant_initializer(0))))
    gate_scale = tf.stack([s for s, _ in pairs[:4]])
    gate_shift = tf.stack([b for _, b in pairs[:4]])
    return matrix, gate_scale, gate_shift, pairs[4]


_FORGET_BIAS_ROW = np.array([[0.0], [0.0], [1.0], [0.0]], np.float32)  # added to the f row of [4, units] shifts


def _normalise_grad(d_n, n, r, axis):
    """The gradient through ``cells.normalise``: ``r * (d_n - mean(d_n) - n * mean(d_n * n))`` along ``axis``."""
    def mean(t):
        return tf.reduce_mean(t, axis, keepdims=True)

    return r * (d_n - mean(d_n) - n * mean(d_n * n))


def _ln_lstm_step(xw_t, c, h, w_h, gate_scale, gate_shift, c_scale, c_shift, epsilon):
    """One LayerNormalizedLSTMCell step given ``xw_t = x @ W_x`` (``[B, 4, units]``); returns ``c``, ``h`` and
    the intermediate values the backward pass needs."""
    units = int(h.shape[1])
    z, r = normalise(xw_t + tf.reshape(tf.matmul(h, w_h), [-1, 4, units]), 2, epsilon)
    a = z * gate_scale + gate_shift
    i, _, f, o = tf.unstack(tf.sigmoid(a), axis=1)  # one sigmoid for i, f and o
    j = tf.tanh(a[:, 1])
    c = c * f + i * j
    nc, rc = normalise(c, 1, epsilon)
    tc = tf.tanh(nc * c_scale + c_shift)
    h = tc * o
    return c, h, (z, r, i, j, f, o, tc, nc, rc)


def _ln_lstm_layer(x, c0, h0, w_x, w_h, gate_scale, gate_shift, c_scale, c_shift, epsilon):
    """One LayerNormalizedLSTMCell layer over time-major ``x [T, B, n]``; returns ``h [T, B, units]``, ``c``, ``h``.

    ``gate_scale`` and ``gate_shift``: ``[4, units]`` (gates i, j, f, o; the forget
    bias already in the shift). Each forward step saves what its backward step needs
    in one ``[B, 12 * units + 5]`` row; the custom backward pass's time loop carries
    only ``dh`` and ``dc`` back through the two layer norms and the recurrent matmul,
    and the weight, scale and shift gradients are computed for all steps at once after it.
    """
    num_steps, batch, n = tf.shape(x)[0], tf.shape(x)[1], int(x.shape[2])
    units = int(h0.shape[1])

    @tf.custom_gradient
    def layer(x, c0, h0, w_x, w_h, gate_scale, gate_shift, c_scale, c_shift):
        xw = tf.reshape(tf.matmul(tf.reshape(x, [-1, n]), w_x), [num_steps, batch, 4, units])

        def step(carry, xw_t):
            c, h, (z, r, i, j, f, o, tc, nc, rc) = _ln_lstm_step(xw_t, *carry, w_h, gate_scale, gate_shift,
                                                                 c_scale, c_shift, epsilon)
            # what the backward pass needs, in one array: [B, 12 * units + 5]
            return (c, h), (tf.concat([tf.reshape(z, [-1, 4 * units]), i, j, f, o, c, tc, nc, h,
                                       tf.reshape(r, [-1, 4]), rc], 1),)

        (c, h), (saved,) = _scan(step, num_steps, (c0, h0), [xw], 1)
        hs = saved[:, :, 11 * units:12 * units]
        sizes = [4 * units] + [units] * 8 + [4, 1]

        def grad(d_hs, d_c, d_h):
            d_c = tf.zeros_like(c0) if d_c is None else d_c
            d_h = tf.zeros_like(h0) if d_h is None else d_h
            c_prev = tf.concat([c0[None], saved[:-1, :, 8 * units:9 * units]], 0)
            w_h_t = tf.transpose(w_h)

            def back(carry, d_hs_t, saved_t, c_prev_t):
                d_c, d_h = carry
                z, i, j, f, o, _, tc, nc, _, r, rc = tf.split(saved_t, sizes, axis=1)
                d_h += d_hs_t
                d_ac = d_h * o * (1 - tc * tc)  # through new_h's tanh
                d_c += _normalise_grad(d_ac * c_scale, nc, rc, 1)
                d_a = tf.stack([d_c * j * i * (1 - i), d_c * i * (1 - j * j), d_c * c_prev_t * f * (1 - f),
                                d_h * tc * o * (1 - o)], 1)
                d_z = _normalise_grad(d_a * gate_scale, tf.reshape(z, [-1, 4, units]), r[:, :, None], 2)
                return (d_c * f, tf.matmul(tf.reshape(d_z, [-1, 4 * units]), w_h_t)), (d_z, d_a, d_ac)

            (d_c0, d_h0), (d_z, d_a, d_ac) = _scan(back, num_steps, (d_c, d_h), [d_hs, saved, c_prev], 3,
                                                   reverse=True)
            h_prev = tf.reshape(tf.concat([h0[None], hs[:-1]], 0), [-1, units])
            z = tf.reshape(saved[:, :, :4 * units], [num_steps, batch, 4, units])
            nc = saved[:, :, 10 * units:11 * units]
            d_z = tf.reshape(d_z, [-1, 4 * units])
            return (tf.reshape(tf.matmul(d_z, w_x, transpose_b=True), tf.shape(x)), d_c0, d_h0,
                    tf.matmul(tf.reshape(x, [-1, n]), d_z, transpose_a=True),
                    tf.matmul(h_prev, d_z, transpose_a=True),
                    tf.reduce_sum(d_a * z, [0, 1]), tf.reduce_sum(d_a, [0, 1]),
                    tf.reduce_sum(d_ac * nc, [0, 1]), tf.reduce_sum(d_ac, [0, 1]))

        return (hs, c, h), grad

    return layer(x, c0, h0, w_x, w_h, gate_scale, gate_shift, c_scale, c_shift)


def ln_lstm_fast_outputs(rnn_inputs, init_state, keep_prob=None, forget_bias=1.0, epsilon=1e-5):
    """``cell_type='LN_LSTM_fast'``: the post's ``LayerNormalizedLSTMCell`` stack, each layer by :func:`_ln_lstm_layer`.

    ``ln([x, h] @ W)`` per gate equals ``ln(x @ W_x + h @ W_h)``, so ``x @ W_x`` for
    every time step is one ``[num_steps * batch, n] @ [n, 4 * units]`` matmul before
    the loop; inside it, one normalisation over ``[batch, 4, units]`` serves all four
    gates, and one sigmoid serves i, f and o (the forget bias folded into the shift).
    """
    def layer(k, x, c0, h0):
        units, n = int(h0.shape[1]), int(x.shape[2])
        matrix, gate_scale, gate_shift, (c_scale, c_shift) = _ln_lstm_variables(k, n, units)
        gate_shift += forget_bias * _FORGET_BIAS_ROW  # f + forget_bias
        hs, c, h = _ln_lstm_layer(x, c0, h0, matrix[:n], matrix[n:], gate_scale, gate_shift, c_scale, c_shift,
                                  epsilon)
        hs.set_shape(x.shape[:2].concatenate([units]))
        return hs, c, h

    return _run_layers(layer, rnn_inputs, init_state, keep_prob)


# cell_type -> a function (rnn_inputs [batch, steps, n], init_state, keep_prob or None)
#              -> ([batch * steps, units] outputs, final_state), used by build_graph instead of dynamic_rnn
WHOLE_SEQUENCE = {"LSTM_fast": lstm_fast_outputs, "LN_LSTM_fast": ln_lstm_fast_outputs}


# --- generation in one session.run ------------------------------------------------------------

def sample_from_logits(logits, u, pick_top_chars=None, temperature=1.0):
    """In-graph :func:`~r2rt_rnn.generate.next_char_distribution` + :func:`~r2rt_rnn.generate.sample_index`.

    ``logits``: ``[num_classes]``; ``u``: a float64 scalar in [0, 1). Computed in
    float64 like the numpy version: divide by ``temperature``, keep the
    ``pick_top_chars`` largest, softmax, and return (int32) the number of
    cumulative probabilities ``<= u`` (numpy's ``searchsorted(side='right')``),
    capped at ``num_classes - 1``.
    """
    z = tf.cast(logits, tf.float64) / temperature
    num_classes = int(z.shape[0])
    if pick_top_chars is not None and pick_top_chars < num_classes:
        kth_largest = tf.math.top_k(z, pick_top_chars).values[-1]
        z = tf.where(z >= kth_largest, z, tf.fill([num_classes], tf.constant(-np.inf, tf.float64)))
    p = tf.exp(z - tf.reduce_max(z))
    cdf = tf.cumsum(p / tf.reduce_sum(p))
    index = tf.reduce_sum(tf.cast(cdf <= u, tf.int32))
    return tf.minimum(index, num_classes - 1)


def build_sampler(config, pick_top_chars=None, temperature=1.0):
    """Build the in-graph sampler for a model built by ``build_graph(**config)``; returns a dict.

    Keys: ``prompt`` (int32 placeholder ``[prompt_length]``, at least one id),
    ``uniforms`` (float64 placeholder ``[num_chars]``), ``chars`` (int32
    ``[num_chars]``: the sampled ids), ``saver`` and ``config``. The variables have
    the training graph's names, so its checkpoints restore here.
    """
    from .model import CELL_TYPES  # model imports this module

    # the sampler runs one step at a time, with the post's cell of the same model
    cell_type = checkpoint.SAME_MODEL_AS.get(config["cell_type"], config["cell_type"])
    state_size, num_classes = config["state_size"], config["num_classes"]
    common.reset_graph(None)
    prompt = tf.placeholder(tf.int32, [None], name="prompt")
    uniforms = tf.placeholder(tf.float64, [None], name="uniforms")
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    cell = common.stack(lambda: CELL_TYPES[cell_type](state_size, config.get("num_weights_for_custom_cell", 5)),
                        config["num_layers"])
    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes])
    init_state = cell.zero_state(1, tf.float32)

    if cell_type == "LN_LSTM":  # the fast path's step: far fewer ops than the post's cell, the same model
        layers = []
        for k in range(config["num_layers"]):  # everything that does not change, outside the loops
            matrix, gate_scale, gate_shift, (c_scale, c_shift) = _ln_lstm_variables(k, state_size, state_size)
            layers.append((matrix[:state_size], matrix[state_size:], gate_scale, gate_shift + _FORGET_BIAS_ROW,  # 1.0
                           c_scale, c_shift))

        def run_cell(char_id, state):
            x, new_state = tf.nn.embedding_lookup(embeddings, char_id[None]), []
            for (w_x, w_h, gate_scale, gate_shift, c_scale, c_shift), (c, h) in zip(layers, state):
                xw = tf.reshape(tf.matmul(x, w_x), [-1, 4, state_size])
                c, x, _ = _ln_lstm_step(xw, c, h, w_h, gate_scale, gate_shift, c_scale, c_shift, 1e-5)
                new_state.append(rnn_cell.LSTMStateTuple(c, x))
            return x, tuple(new_state)
    else:
        def run_cell(char_id, state):
            with tf.variable_scope("rnn", reuse=tf.AUTO_REUSE):  # dynamic_rnn's scope: the same variable names
                return cell(tf.nn.embedding_lookup(embeddings, char_id[None]), state)

        run_cell(prompt[0], init_state)  # creates the cell's variables outside the loops

    def prime(t, state):  # feed prompt[:-1], as generate_characters does, to set the state
        return t + 1, run_cell(prompt[t], state)[1]

    num_chars = tf.size(uniforms)

    def sample(t, current, state, chars):
        output, state = run_cell(current, state)
        logits = tf.matmul(output, W)[0] + b
        current = sample_from_logits(logits, uniforms[t], pick_top_chars, temperature)
        return t + 1, current, state, chars.write(t, current)

    with _control_flow_v1():
        _, state = tf.while_loop(lambda t, _: t < tf.size(prompt) - 1, prime, (0, init_state))
        chars = tf.TensorArray(tf.int32, size=num_chars)
        _, _, _, chars = tf.while_loop(lambda t, *_: t < num_chars, sample, (0, prompt[-1], state, chars))
        chars = chars.stack()
    return {"prompt": prompt, "uniforms": uniforms, "chars": chars, "saver": tf.train.Saver(), "config": dict(config)}


def sample_in_graph(checkpoint_path, num_chars, prompt="A", pick_top_chars=None, temperature=1.0, seed=None):
    """``generate_from_checkpoint`` in one ``session.run``: returns the prompt followed by ``num_chars`` characters.

    The same ``seed`` (and options) gives the same text as ``generate_characters``:
    the same uniforms, ``np.random.default_rng(seed).random(num_chars)``, pick the
    characters by the same inverse CDF.
    """
    from .generate import check_sampling, encode_prompt

    config, _, vocab = checkpoint.read_meta(checkpoint_path)
    check_sampling(num_chars, pick_top_chars, temperature, config["num_classes"])
    prompt_ids = encode_prompt(prompt, vocab)
    uniforms = np.random.default_rng(seed).random(num_chars)
    if num_chars == 0:
        return prompt
    g = build_sampler(config, pick_top_chars, temperature)
    with tf.Session() as sess:
        checkpoint.restore(sess, g, checkpoint_path)
        chars = sess.run(g["chars"], {g["prompt"]: prompt_ids, g["uniforms"]: uniforms})
    return vocab.decode(list(prompt_ids) + chars.tolist())
