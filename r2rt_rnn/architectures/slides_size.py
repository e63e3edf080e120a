"""The slides' three models at the slides' own sizes: what a training step costs, and one task trained there.

The slides set ``SEQ_LENGTH = 256``, ``E_DIM = 128``, ``STATE_DIM = 512`` and 3 layers (many-to-one,
many-to-many) or 4 (the sorter). The notebook runs smaller models so that it finishes in
minutes; :func:`step_seconds` measures what each full-size step costs here, and
:func:`train_text` trains the many-to-many text model at full size (the recorded run
``python -m r2rt_rnn reproduce slides_text``, drawn by notebook 03).
"""
import time

import numpy as np

from ..data import load_text, valid_cut
from ..runtime import checks
from ..tf1 import tf
from . import many_to_many, many_to_one, sorting
from .many_to_many import train_many_to_many

BATCH_SIZE = 32  # the slides give none; the post's and ours elsewhere
TASKS = ("many_to_one", "many_to_many", "sorting")
SIZES = {  # the slides' constants, task by task
    "many_to_one": {"seq_length": many_to_one.SEQ_LENGTH, "state_dim": many_to_one.STATE_DIM,
                    "n_layers": many_to_one.N_LAYERS},
    "many_to_many": {"seq_length": many_to_many.SEQ_LENGTH, "state_dim": many_to_many.STATE_DIM,
                     "n_layers": many_to_many.N_LAYERS},
    "sorting": {"seq_length": sorting.SEQ_LENGTH, "state_dim": sorting.STATE_DIM, "n_layers": sorting.N_LAYERS,
                "num_values": sorting.E_DIM},
}


def _graph_and_feed(task, rng, batch_size):
    size = SIZES[task]
    t, d, n = size["seq_length"], size["state_dim"], size["n_layers"]
    if task == "many_to_one":
        g = many_to_one.build_many_to_one_graph(seq_length=t, state_dim=d, n_layers=n)
        return g, lambda: {g["x"]: rng.randint(0, 128, (batch_size, t)), g["y"]: rng.randint(0, 4, batch_size)}
    if task == "many_to_many":
        g = many_to_many.build_many_to_many_graph(state_dim=d, n_layers=n)
        return g, lambda: {g["x"]: rng.randint(0, 128, (batch_size, t)), g["y"]: rng.randint(0, 128, (batch_size, t)),
                           g["initial_state"]: many_to_many.zero_state(g, batch_size)}
    g = sorting.build_sorting_graph(seq_length=t, num_values=size["num_values"], state_dim=d, n_layers=n)
    x = rng.randint(0, size["num_values"], (batch_size, t))
    return g, lambda: {g["x"]: x, g["y"]: np.sort(x, axis=1)}


def step_seconds(task, steps=3, warmup=1, batch_size=BATCH_SIZE, seed=0, after_step=None):
    """Median seconds of one training step of ``task`` at the slides' size (random inputs; after ``warmup``).

    ``after_step()`` is called after every step (the command line's Ctrl-C safe point: a step takes seconds)."""
    checks.positive(steps=steps, batch_size=batch_size)
    with tf.Graph().as_default():
        g, feed = _graph_and_feed(task, np.random.RandomState(seed), batch_size)
        with tf.Session() as session:
            session.run(tf.global_variables_initializer())
            after_step = after_step or (lambda: None)
            for _ in range(warmup):
                session.run(g["train_step"], feed())
                after_step()
            seconds = []
            for _ in range(steps):
                f = feed()
                t = time.perf_counter()
                session.run(g["train_step"], f)
                seconds.append(time.perf_counter() - t)
                after_step()
    return float(np.median(seconds))


def train_text(steps=200, eval_every=50, learning_rate=2e-3, seed=0, text=None, progress=False, log_every=25):
    """The many-to-many model at the slides' size (256 steps, 3 x 512 GRU, batch 32) on tiny-shakespeare.

    Trains on the first 90 % of the text and measures the held-out loss on the last 10 %
    every ``eval_every`` steps. Returns :func:`~.many_to_many.train_many_to_many`'s dict plus
    ``sizes`` and ``chars_per_step``.
    """
    text = load_text(text)
    cut = valid_cut(len(text), 0.1)  # the cut load_corpus(valid_fraction=0.1) makes for the post's models
    train, valid = text[:cut], text[cut:]
    size = SIZES["many_to_many"]
    result = train_many_to_many(train, steps=steps, batch_size=BATCH_SIZE, seq_length=size["seq_length"],
                                state_dim=size["state_dim"], n_layers=size["n_layers"], learning_rate=learning_rate,
                                sample_length=600, seed=seed, log_every=log_every, progress=progress,
                                valid_text=valid, eval_every=eval_every)
    return {**result, "sizes": {**size, "batch_size": BATCH_SIZE, "learning_rate": learning_rate},
            "chars_per_step": BATCH_SIZE * size["seq_length"], "train_chars": len(train), "valid_chars": len(valid)}
