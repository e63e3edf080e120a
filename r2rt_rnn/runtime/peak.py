"""This machine's measured matrix-multiply rate: the ceiling an RNN's training speed is held against.

A recurrent layer's time goes into matrix products, so the rate TensorFlow reaches on
large float32 ``matmul``\\ s is a practical peak: FLOPs per word divided by it is the
fastest a model could train here (:mod:`r2rt_rnn.ptb.cost`). The rate depends on the
shape: a product ``[m, k] @ [k, n]`` is ``2 m k n`` floating-point operations, and a thin
one (``m`` = a batch of 20) reaches a fraction of a square one's rate.
"""
import time

import numpy as np

from ..tf1 import tf
from . import checks

SQUARE_SIZES = (1024, 2048)


def matmul_rate(m, k, n, repeats=10, warmup=2, seed=0):
    """Median and best GFLOP/s of ``repeats`` float32 ``[m, k] @ [k, n]`` products in a TF1 session.

    Returns ``{"shape": [m, k, n], "seconds" (median per product), "gflops" (median), "best_gflops"}``.
    """
    m, k, n, repeats = checks.positive(m=m, k=k, n=n, repeats=repeats)
    rng = np.random.RandomState(seed)
    with tf.Graph().as_default():
        a = tf.Variable(rng.rand(m, k).astype(np.float32))
        b = tf.Variable(rng.rand(k, n).astype(np.float32))
        product = tf.reduce_sum(tf.matmul(a, b))  # a scalar fetch: the timing is the product, not a copy
        with tf.Session() as session:
            session.run(tf.global_variables_initializer())
            for _ in range(warmup):
                session.run(product)
            seconds = []
            for _ in range(repeats):
                t = time.perf_counter()
                session.run(product)
                seconds.append(time.perf_counter() - t)
    flops = 2.0 * m * k * n
    median = float(np.median(seconds))
    return {"shape": [m, k, n], "seconds": median, "gflops": flops / median / 1e9,
            "best_gflops": flops / min(seconds) / 1e9}


def peak(sizes=SQUARE_SIZES, repeats=10):
    """The best median rate over square products of ``sizes``: ``{"gflops", "shapes": [matmul_rate, ...]}``."""
    shapes = [matmul_rate(n, n, n, repeats) for n in sizes]
    return {"gflops": max(s["gflops"] for s in shapes), "shapes": shapes}
