"""The same model today: the post's final GRU in Keras 3, with the weights the TF1 graph trained, giving the same loss.

:func:`compare` takes a checkpoint of ``build_graph(cell_type="GRU")`` (the shipped ``post-GRU`` by default)
and one batch, and computes the batch's loss and logits twice: here with the package's TF1 graph (built from
the checkpoint's config, restored), and in a separate process with the Keras 3 model of
:mod:`r2rt_rnn.beyond.keras_side`, into which the same tensors are copied. Keras 3 cannot share this process:
importing ``r2rt_rnn`` put TensorFlow in graph mode and chose the legacy Keras 2 (:mod:`r2rt_rnn.tf1`). The
Keras side also runs once with the gates' halves swapped, so the comparison shows that a wrong mapping is seen.
"""
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data import load_corpus, ptb_iterator
from ..runtime import checkpoint, checks
from ..runtime.errors import R2RTError
from ..tf1 import tf

KERAS_SIDE = Path(__file__).with_name("keras_side.py")
RUN_AS_SCRIPT = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
KERAS_SECONDS = 600  # the Keras process's limit: it imports TensorFlow and Keras, then runs one batch twice


@dataclass
class Comparison:
    """One batch's loss and logits from the TF1 graph and from the Keras 3 model holding its weights."""

    tf1_loss: float
    keras_loss: float
    max_logit_difference: float  # the largest |TF1 logit - Keras logit| over the batch
    swapped_loss: float  # Keras with the gates' halves read the wrong way round (r taken for z)
    batch_size: int
    num_steps: int
    keras_version: str

    @property
    def relative_difference(self):
        """|TF1 loss - Keras loss| / TF1 loss."""
        return abs(self.tf1_loss - self.keras_loss) / abs(self.tf1_loss)


def held_out_batch(batch_size, num_steps, data=None):
    """The first ``[batch_size, num_steps]`` batch ``(x, y)`` of ``data`` (ids); by default of the held-out last
    tenth of tiny-shakespeare, which the shipped model never trained on."""
    batch_size, num_steps = checks.positive(batch_size=batch_size, num_steps=num_steps)
    ids = load_corpus(valid_fraction=0.1).valid if data is None else np.asarray(data)
    checks.length(ids, batch_size, num_steps, what="data")
    return next(ptb_iterator(ids, batch_size, num_steps))


def tf1_loss_and_logits(ckpt, x, y):
    """The TF1 graph's ``total_loss`` on ``(x, y)`` and its logits, ``[batch, steps, classes]``, from a zero state."""
    batch_size, num_steps = x.shape
    g = checkpoint.build_from_checkpoint(ckpt, batch_size=batch_size, num_steps=num_steps)
    with tf.Session() as sess:
        checkpoint.restore(sess, g, ckpt)
        loss, logits = sess.run([g["total_loss"], g["logits"]], {g["x"]: x, g["y"]: y})
    return float(loss), logits.reshape(batch_size, num_steps, -1)  # row b * num_steps + t is (b, t)


def keras_losses_and_logits(ckpt, x, y):
    """Run :mod:`.keras_side` in a fresh process on ``(x, y)``: ``{name: value}`` with ``loss_rz``,
    ``logits_rz`` (the right mapping), ``loss_zr``, ``logits_zr`` (gates swapped) and ``keras_version``."""
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}  # r2rt_rnn's switch: Keras 3 there
    env.update(KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL=env.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    with tempfile.TemporaryDirectory() as folder:
        batch, out = Path(folder) / "batch.npz", Path(folder) / "out.npz"
        np.savez(batch, x=x, y=y, num_classes=ckpt.num_classes, state_size=ckpt.config["state_size"],
                 num_layers=ckpt.config["num_layers"])
        # Run by runpy from an empty folder, not as `python keras_side.py`: that would put the script's folder on
        # sys.path, where beyond/inspect would hide the standard library's inspect (`python -P` is 3.11's cure).
        done = subprocess.run([sys.executable, "-c", RUN_AS_SCRIPT, str(KERAS_SIDE), ckpt.prefix, str(batch),
                               str(out)], capture_output=True, text=True, env=env, cwd=folder, timeout=KERAS_SECONDS)
        if done.returncode != 0 or not out.exists():
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise R2RTError(f"the Keras 3 side failed (exit status {done.returncode}): {last}")
        with np.load(out) as found:
            return {name: found[name] for name in found.files}


def compare(model="post-GRU", batch_size=32, num_steps=80, data=None):
    """Compute one batch's loss with the TF1 graph and with Keras 3 holding the same weights; a :class:`Comparison`.

    ``model``: a checkpoint path or a shipped model's name, of ``build_graph`` with ``cell_type="GRU"``;
    ``data``: ids to take the batch from (default: the held-out tenth of tiny-shakespeare).
    """
    ckpt = checkpoint.load(model)
    if ckpt.config.get("builder") != "build_graph" or ckpt.config.get("cell_type") != "GRU":
        raise R2RTError(f"{model} is not a build_graph GRU (its config: {ckpt.config.get('builder')}, cell_type "
                        f"{ckpt.config.get('cell_type')!r}); the Keras 3 model copies only that one",
                        params=("model",))
    x, y = held_out_batch(batch_size, num_steps, data)
    tf1_loss, tf1_logits = tf1_loss_and_logits(ckpt, x, y)
    keras = keras_losses_and_logits(ckpt, x, y)
    return Comparison(tf1_loss, float(keras["loss_rz"]), float(np.abs(tf1_logits - keras["logits_rz"]).max()),
                      float(keras["loss_zr"]), int(x.shape[0]), int(x.shape[1]), str(keras["keras_version"]))
