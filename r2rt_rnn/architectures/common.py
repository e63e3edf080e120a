"""Small pieces the three slide architectures share: byte encoding and checks."""
import numpy as np

from ..runtime.errors import R2RTError
from ..runtime.loop import Loop
from ..runtime.parts import ProgressBar

E_DIM = 128  # the slides' one-hot width: 7-bit ASCII


def text_to_bytes(text):
    """``str -> uint8 [len]`` of ASCII codes; characters outside ASCII become ``'?'``.

    The slides one-hot bytes to ``E_DIM = 128`` columns, so anything above 127 would
    be a zero vector as input and an out-of-range label as target; mapping to ``'?'``
    keeps every id a valid class.
    """
    if not isinstance(text, str):
        raise R2RTError(f"expected a str of text, got {type(text).__name__}; decode bytes first")
    return np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8).copy()


def check_2d(x, width, what):
    """Return ``x`` as an array ``[n, width]``, or raise R2RTError saying what shape was wrong."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != width:
        raise R2RTError(f"{what} must have shape [n, {width}] with n >= 1, got {list(x.shape)}; "
                        f"pass sequences of exactly {width} items")
    return x


def minibatches(n, batch_size, steps, rng):
    """Yield ``steps`` index arrays of ``batch_size`` rows drawn from ``range(n)``, reshuffling per pass."""
    order = rng.permutation(n)
    pos = 0
    for _ in range(steps):
        if pos + batch_size > n:
            order, pos = rng.permutation(n), 0
        yield order[pos : pos + batch_size]
        pos += batch_size


def train_on_minibatches(sess, g, x_train, y_train, batches, steps, label, progress=True, log_every=0, window=50,
                         parts=()):
    """Run ``g["train_step"]`` on each minibatch of row indices; returns ``{"losses": [...], "grad_norms": [...]}``.

    ``grad_norms`` holds the global gradient norm before clipping per step when the graph has a
    ``grad_norm`` tensor (else it is empty). Progress shows the mean loss of the last ``window``
    steps (one batch's loss jumps by a factor of ten from step to step); every ``log_every`` steps a
    line gives the mean over those steps. Ctrl-C stops it within a step (``TrainingInterrupted``). ``parts``
    (e.g. :class:`~r2rt_rnn.runtime.parts.Every`) join the loop; what they measure is returned as ``evals``
    (``{name: [[step, value], ...]}``).
    """
    norms = []
    fetches = {"loss": g["loss"], "train_step": g["train_step"]}
    if "grad_norm" in g:
        fetches["grad_norm"] = g["grad_norm"]
    bar = ProgressBar(label=label, enabled=progress, unit="step", window=window, log_every=log_every)
    with Loop(sess, max_steps=steps, parts=[*parts, bar], label="run") as loop:
        for _ in loop.epochs():  # one pass: the minibatches drawn for this run
            for idx in loop.batches(batches):
                out = sess.run(fetches, {g["x"]: x_train[idx], g["y"]: y_train[idx]})
                if "grad_norm" in out:
                    norms.append(float(out["grad_norm"]))
                loop.step(out["loss"])
            loop.end_epoch()
    evals = {name: [list(e) for e in values] for name, values in loop.history.evals.items()}
    return {"losses": loop.step_losses, "grad_norms": norms, "evals": evals}
