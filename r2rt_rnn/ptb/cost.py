"""What a PTB configuration costs in arithmetic: FLOPs per trained word and the fastest a run could be.

Per word and layer, a ``BasicLSTMCell`` of ``h`` units multiplies ``[input, h]`` (``2h``
values) by a ``[2h, 4h]`` kernel: ``2 * 2h * 4h`` FLOPs. The softmax multiplies ``h`` by
``[h, V]``: ``2hV``. Backpropagation costs about twice the forward pass (one product for
the inputs' gradient, one for the weights'), so a trained word is about 3x the forward
FLOPs. Element-wise work (gates, dropout, the softmax itself) is left out: this is a lower
bound, reached only if every product ran at the machine's measured matmul rate
(:func:`r2rt_rnn.bench.peak.peak`).
"""

TRAIN_FACTOR = 3  # forward + backward (inputs' and weights' gradients)


def forward_flops_per_word(config):
    """Forward-pass FLOPs per word of ``config``: ``{"lstm": ..., "softmax": ..., "total": ...}``."""
    h, v = config.hidden_size, config.vocab_size
    lstm = config.num_layers * 2 * (2 * h) * (4 * h)
    softmax = 2 * h * v
    return {"lstm": lstm, "softmax": softmax, "total": lstm + softmax}


def train_flops_per_word(config):
    """FLOPs to train on one word (forward and backward), about 3x the forward pass."""
    return TRAIN_FACTOR * forward_flops_per_word(config)["total"]


def projection(config, words_per_second, train_words):
    """A full training of ``config`` at ``words_per_second``: ``{"words_per_second", "seconds_per_epoch",
    "hours"}`` for ``config.max_max_epoch`` epochs of ``train_words`` words."""
    epoch = train_words / words_per_second
    return {"words_per_second": words_per_second, "seconds_per_epoch": epoch,
            "hours": config.max_max_epoch * epoch / 3600}


def lower_bound(config, gflops, train_words):
    """The fastest training ``config`` could go at ``gflops`` (a :func:`projection`)."""
    return projection(config, gflops * 1e9 / train_flops_per_word(config), train_words)


def product_shapes(config):
    """The forward pass's matrix products per batch: ``{part: ([m, k, n], count)}``.

    Each LSTM layer multiplies ``[batch, 2h]`` by ``[2h, 4h]`` once per step; the softmax
    multiplies all ``batch * num_steps`` outputs by ``[h, V]`` at once.
    """
    b, h = config.batch_size, config.hidden_size
    return {"lstm": ([b, 2 * h, 4 * h], config.num_layers * config.num_steps),
            "softmax": ([b * config.num_steps, h, config.vocab_size], 1)}


def seconds_per_batch(config, product_seconds):
    """Training seconds per batch if every product took ``product_seconds[part]`` (measured at its own shape),
    the backward pass costing 2x the forward (see :data:`TRAIN_FACTOR`)."""
    shapes = product_shapes(config)
    return TRAIN_FACTOR * sum(count * product_seconds[part] for part, (_, count) in shapes.items())
