"""Custom RNN cells from the post: ``linear``, ``ln``, GRU, the Custom cell, layer-normalised cells.

Each cell subclasses ``tf.compat.v1.nn.rnn_cell.RNNCell``. In 2016 a cell overrode
``__call__``; today's RNNCell is a (legacy Keras) layer whose ``__call__`` opens
the variable scope and then calls ``call(inputs, state)``, so the cells below
implement ``call``. Inside it, ``tf.get_variable`` works as it did in the post.
"""
from .runtime import checks
from .runtime.errors import R2RTError
from .tf1 import rnn_cell, tf


def linear(args, output_size, bias, bias_start=0.0, scope=None):
    """``concat(args, 1) @ Matrix (+ Bias)``: the post's ``tf.nn.rnn_cell._linear``, removed from TensorFlow.

    ``args``: a 2-D tensor ``[batch, n]`` or a list of them (concatenated along
    axis 1). Returns ``[batch, output_size]``. Variables ``Matrix`` and ``Bias``
    live in ``scope`` (default ``"Linear"``), as in TensorFlow 0.x.
    """
    if not isinstance(args, (list, tuple)):
        args = [args]
    for a in args:
        if a.shape.ndims != 2 or a.shape[1] is None:
            raise R2RTError(f"linear() needs 2-D inputs with a known second dimension, got shape {a.shape}")
    total_size = sum(int(a.shape[1]) for a in args)
    with tf.variable_scope(scope or "Linear"):
        matrix = tf.get_variable("Matrix", [total_size, output_size], dtype=args[0].dtype)
        inputs = args[0] if len(args) == 1 else tf.concat(args, 1)
        res = tf.matmul(inputs, matrix)
        if not bias:
            return res
        bias_term = tf.get_variable("Bias", [output_size], dtype=args[0].dtype,
                                    initializer=tf.constant_initializer(bias_start))
    return res + bias_term


def normalise(x, axis, epsilon=1e-5):
    """``(x - mean) / sqrt(var + epsilon)`` along ``axis``: layer norm before its scale and shift.

    This is what ``tf.nn.moments`` gave the post, written out: in TF 2.21 Grappler's
    oneDNN remapper rewrites the moments pattern into a fused layer norm that, in
    graphs without a training step (generation, evaluation), returns slightly
    different numbers or fails outright with "Retval[0] does not have value".
    Its gradient is written out too (:func:`with_normalise_gradient`). ``ln`` spells
    the same ops out in the post's place.
    """
    centred = x - tf.reduce_mean(x, axis, keepdims=True)
    r = tf.math.rsqrt(tf.reduce_mean(centred * centred, axis, keepdims=True) + epsilon)
    return with_normalise_gradient(x, centred * r, r, axis)


def with_normalise_gradient(x, normalised, r, axis):
    """``normalised``, ``(x - mean(x)) * r`` along ``axis``, with its gradient written out.

    ``r = 1 / sqrt(var + epsilon)``. The gradient, ``r * (d - mean(d) - n * mean(d * n))``
    for ``n = normalised``, takes seven ops per step
    instead of the thirty-odd (tiles, broadcasts, negations) that differentiating the
    forward ops gives. The gradient reaches ``x`` only through this formula.
    """
    @tf.custom_gradient
    def _normalised(x):
        def grad(d):
            n = normalised
            return r * (d - tf.reduce_mean(d, axis, keepdims=True) - n * tf.reduce_mean(d * n, axis, keepdims=True))

        return normalised, grad

    return _normalised(x)


def ln(tensor, scope=None, epsilon=1e-5):
    """Layer-normalise a 2-D tensor ``[batch, n]`` along axis 1, with a learned scale and shift.

    Each row is shifted to mean 0 and scaled to variance 1, then multiplied by
    ``scale`` (initialised to 1) and offset by ``shift`` (initialised to 0), both
    ``[n]``, created in variable scope ``scope + 'layer_norm'`` (``scope``: a str, or None for none; the
    post's ``ln`` silently dropped any other value, which would share one scale and shift between its callers).
    """
    if tensor.shape.ndims != 2:
        raise R2RTError(f"ln() normalises 2-D tensors [batch, n]; got shape {tensor.shape}")
    # The mean and variance written out: Grappler rewrites TF's moments op pattern into a fused
    # layer norm that fails in graphs without a training step (see normalise).
    m = tf.reduce_mean(tensor, 1, keepdims=True)
    centred = tensor - m
    v = tf.reduce_mean(centred * centred, 1, keepdims=True)
    if scope is None:
        scope = ""
    elif not isinstance(scope, str):
        raise R2RTError(f"ln() takes scope as a str (its variables' scope prefix) or None, got "
                        f"{type(scope).__name__} {scope!r}", params=("scope",))
    with tf.variable_scope(scope + "layer_norm"):
        scale = tf.get_variable("scale", shape=[tensor.shape[1]], initializer=tf.constant_initializer(1))
        shift = tf.get_variable("shift", shape=[tensor.shape[1]], initializer=tf.constant_initializer(0))
    r = tf.math.rsqrt(v + epsilon)  # 1 / sqrt(v + epsilon), one op
    LN_initial = with_normalise_gradient(tensor, centred * r, r, 1)  # (tensor - m) * r, its gradient written out
    return LN_initial * scale + shift


class _ShowsGates:
    """Cells call ``self._record_gates(name=tensor)`` with their gate values, each ``[batch, size]``.

    Here the call does nothing (and builds no op), so training graphs are unchanged;
    the tracing cells of :mod:`r2rt_rnn.beyond.inspect` override it to keep the gates, so that
    the gates can be looked at without writing the cells' math a second time.
    """

    def _record_gates(self, **gates):
        pass


class GRUCell(_ShowsGates, rnn_cell.RNNCell):
    """The post's re-implementation of the GRU (Cho et al. 2014), built from ``linear``.

    Reset gate ``r`` and update gate ``u`` come from one linear map whose bias
    starts at 1.0, so a fresh cell neither resets nor updates much; the new state
    is ``u * h + (1 - u) * tanh(W x + U (r * h))``.
    """

    def __init__(self, num_units, **kwargs):
        super().__init__(**kwargs)
        self._num_units = num_units

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def call(self, inputs, state):  # today's RNNCell.__call__ opens the layer's scope, then calls call()
        with tf.variable_scope(type(self).__name__):
            with tf.variable_scope("Gates"):  # reset gate and update gate; bias 1.0: no reset, no update
                # linear: the post's tf.nn.rnn_cell._linear, which TensorFlow removed (defined above)
                ru = tf.nn.sigmoid(linear([inputs, state], 2 * self._num_units, True, 1.0))
                r, u = tf.split(ru, 2, axis=1)  # today's argument order: value, splits, axis
                self._record_gates(r=r, u=u)
            with tf.variable_scope("Candidate"):
                c = tf.nn.tanh(linear([inputs, r * state], self._num_units, True))
            new_h = u * state + (1 - u) * c
        return new_h, new_h


class CustomCell(_ShowsGates, rnn_cell.RNNCell):
    """The post's experiment: a GRU whose candidate mixes ``num_weights`` input transforms.

    Instead of one ``W x``, the candidate uses ``sum_i lambda_i W_i x`` where
    ``lambda = softmax(W_avg x + U_avg h + b)`` is computed per example. (The post
    found it twice as slow and no better than a GRU.)
    """

    def __init__(self, num_units, num_weights, **kwargs):
        super().__init__(**kwargs)
        self._num_units = num_units
        self._num_weights = checks.integer("num_weights", num_weights)

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def call(self, inputs, state):  # today's RNNCell.__call__ opens the layer's scope, then calls call()
        with tf.variable_scope(type(self).__name__):
            with tf.variable_scope("Gates"):  # the GRU's reset and update gates, as in GRUCell
                ru = tf.nn.sigmoid(linear([inputs, state], 2 * self._num_units, True, 1.0))
                r, u = tf.split(ru, 2, axis=1)  # today's argument order: value, splits, axis
                self._record_gates(r=r, u=u)
            with tf.variable_scope("Candidate"):
                # lambdas: [batch, num_weights], each row sums to 1
                lambdas = tf.nn.softmax(linear([inputs, state], self._num_weights, True))
                self._record_gates(mix=lambdas)  # the mixture weights, [batch, num_weights]
                Ws = tf.get_variable("Ws", shape=[self._num_weights, inputs.shape[1], self._num_units])
                # sum_i lambda_i * (x @ W_i) for all i at once (the post: num_weights matmuls and an add):
                # [batch, num_weights, num_units], weighted, summed over the weights
                candidate_inputs = tf.einsum("bi,kiu->bku", inputs, Ws)
                Wx = tf.reduce_sum(candidate_inputs * lambdas[:, :, None], axis=1)
                c = tf.nn.tanh(Wx + linear([r * state], self._num_units, True, scope="second"))
            new_h = u * state + (1 - u) * c
        return new_h, new_h


class LayerNormalizedLSTMCell(_ShowsGates, rnn_cell.RNNCell):
    """The post's LSTM with layer normalisation (Ba et al. 2016) on each gate and on the new cell state.

    State is ``LSTMStateTuple(c, h)``, each ``[batch, num_units]``. The gates' linear
    map has no bias: each ``ln`` adds its own shift.
    """

    def __init__(self, num_units, forget_bias=1.0, activation=tf.nn.tanh, **kwargs):
        super().__init__(**kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._activation = activation

    @property
    def state_size(self):
        return rnn_cell.LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def call(self, inputs, state):
        with tf.variable_scope(type(self).__name__):
            c, h = state
            concat = linear([inputs, h], 4 * self._num_units, False)
            i, j, f, o = tf.split(concat, 4, axis=1)
            i, j, f, o = (ln(g, scope=f"{name}/") for g, name in zip((i, j, f, o), "ijfo"))
            i, f, o = tf.nn.sigmoid(i), tf.nn.sigmoid(f + self._forget_bias), tf.nn.sigmoid(o)
            self._record_gates(i=i, f=f, o=o)
            new_c = c * f + i * self._activation(j)
            new_h = self._activation(ln(new_c, scope="new_h/")) * o
        return new_h, rnn_cell.LSTMStateTuple(new_c, new_h)


class FusedLayerNormalizedLSTMCell(LayerNormalizedLSTMCell):
    """``LayerNormalizedLSTMCell``, computed faster: ``build_graph(cell_type='LN_LSTM_fast')``.

    The same model with the same variables (names included, so checkpoints of either
    restore into the other): instead of four ``ln`` calls, one normalisation over the
    gates reshaped to ``[batch, 4, num_units]``, with the four gates' scales and shifts
    stacked (built once, outside the time loop, with the forget bias in f's shift). Fewer,
    larger ops per step: 1.36-1.52x the plain LSTM's step time, against 1.65x for the post's cell.
    """

    def __init__(self, num_units, forget_bias=1.0, activation=tf.nn.tanh, **kwargs):
        # the post's cell's layer name, so the variables' names match it
        kwargs.setdefault("name", "layer_normalized_lstm_cell")
        super().__init__(num_units, forget_bias, activation, **kwargs)

    def call(self, inputs, state):
        n = self._num_units
        with tf.variable_scope(LayerNormalizedLSTMCell.__name__):
            c, h = state
            concat = linear([inputs, h], 4 * n, False)
            scales, shifts = [], []
            for gate in "ijfo":
                with tf.variable_scope(f"{gate}/layer_norm"):
                    scales.append(tf.get_variable("scale", [n], initializer=tf.constant_initializer(1)))
                    shifts.append(tf.get_variable("shift", [n], initializer=tf.constant_initializer(0)))
            # Outside any while loop (control_dependencies(None) leaves the loop's context): the
            # stacked scales and shifts, with the forget bias in f's shift, are built once per
            # session.run and enter the loop as invariants instead of being rebuilt every step.
            with tf.control_dependencies(None):
                scale = tf.stack(scales)
                shift = tf.stack(shifts) + tf.constant([[0.0], [0.0], [self._forget_bias], [0.0]])
            z = normalise(tf.reshape(concat, [-1, 4, n]), 2) * scale + shift
            i, j, f, o = tf.unstack(z, axis=1)
            i, f, o = tf.nn.sigmoid(i), tf.nn.sigmoid(f), tf.nn.sigmoid(o)
            self._record_gates(i=i, f=f, o=o)
            new_c = c * f + i * self._activation(j)
            new_h = self._activation(ln(new_c, scope="new_h/")) * o
        return new_h, rnn_cell.LSTMStateTuple(new_c, new_h)


class LayerNormalizedGRUCell(GRUCell):
    """Beyond the post (which suggests trying it): a GRU with layer norm on each gate and the candidate.

    The linear maps drop their biases because each ``ln`` brings a shift; the gates
    add a constant 1.0 before the sigmoid, as the post's GRU gate biases start at 1.0.
    """

    def call(self, inputs, state):
        with tf.variable_scope(type(self).__name__):
            with tf.variable_scope("Gates"):
                r, u = tf.split(linear([inputs, state], 2 * self._num_units, False), 2, axis=1)
                r = tf.nn.sigmoid(ln(r, scope="r/") + 1.0)
                u = tf.nn.sigmoid(ln(u, scope="u/") + 1.0)
                self._record_gates(r=r, u=u)
            with tf.variable_scope("Candidate"):
                c = tf.nn.tanh(ln(linear([inputs, r * state], self._num_units, False), scope="c/"))
            new_h = u * state + (1 - u) * c
        return new_h, new_h
