"""Benchmark peer: the 3-layer character LSTM in Keras 3, trained with ``train_on_batch``.

Run by ``r2rt_rnn.bench.peers`` in its own process (never imports r2rt_rnn)::

    python keras_lstm.py '{"batch_size": 32, "num_steps": 80, "state_size": 100, "num_layers": 3,
                           "num_classes": 65, "learning_rate": 1e-4, "seed": 2345,
                           "warmup_steps": 3, "timed_steps": 20}'

Prints one JSON line: the step times, their median and characters per second.
"""
import json
import statistics
import sys
import time

import keras
import numpy as np
import tensorflow as tf


def build_model(batch_size, num_steps, state_size, num_classes, num_layers, learning_rate):
    inputs = keras.Input(shape=(num_steps,), batch_size=batch_size, dtype="int32")
    h = keras.layers.Embedding(num_classes, state_size)(inputs)
    for _ in range(num_layers):
        h = keras.layers.LSTM(state_size, return_sequences=True)(h)
    model = keras.Model(inputs, keras.layers.Dense(num_classes)(h))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def main(cfg):
    B, T, V = cfg["batch_size"], cfg["num_steps"], cfg["num_classes"]
    keras.utils.set_random_seed(cfg["seed"])
    model = build_model(B, T, cfg["state_size"], V, cfg["num_layers"], cfg["learning_rate"])
    rng = np.random.default_rng(0)

    def batch():
        return rng.integers(0, V, (B, T)).astype("int32"), rng.integers(0, V, (B, T)).astype("int32")

    t = time.perf_counter()
    model.train_on_batch(*batch())
    first = time.perf_counter() - t
    for _ in range(cfg["warmup_steps"]):
        model.train_on_batch(*batch())
    steps = []
    for _ in range(cfg["timed_steps"]):
        x, y = batch()
        t = time.perf_counter()
        model.train_on_batch(x, y)
        steps.append(time.perf_counter() - t)
    step = statistics.median(steps)
    return {"ok": True, "framework": "keras", "version": keras.__version__, "backend": keras.backend.backend(),
            "tf_version": tf.__version__, "device": "GPU" if tf.config.list_physical_devices("GPU") else "CPU",
            "first_step_s": first, "steps_s": steps, "step_s": step, "chars_per_s": B * T / step,
            "threads": "TF default (0 = all usable cores)"}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: python {sys.argv[0]} '<JSON sizes>' (see the docstring)")
    print(json.dumps(main(json.loads(sys.argv[1]))))
