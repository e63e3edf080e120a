"""The character model's named configurations, in one place.

``build_graph`` and ``train_network`` keep the post's own function defaults (200
steps, Adam at 1e-4, ...). The configurations the post actually *ran*, and ours
beyond it, are named here, as the PTB tutorial names ``SmallConfig`` (see
:mod:`r2rt_rnn.ptb.configs`) and nanoGPT keeps config files. The ``train``
command, ``reproduce``, the benchmark and the notebooks all read them from here.

Post: R2RT, "Recurrent Neural Networks in Tensorflow II",
https://r2rt.com/recurrent-neural-networks-in-tensorflow-ii.html
"""
import dataclasses
from dataclasses import dataclass
from typing import Optional

from ..runtime.errors import R2RTError


@dataclass(frozen=True)
class Preset:
    """One run of ``build_graph`` + ``train_network``. The defaults are the post's model and optimiser.

    ``keep_prob`` 1.0 means no dropout; ``max_grad_norm`` None means no clipping;
    ``lr_decay`` None means a constant learning rate (else it is multiplied by
    ``lr_decay`` whenever the validation loss fails to improve, and after every
    epoch from the ``lr_decay_after``-th on when that is set).
    """

    description: str = ""
    cell_type: Optional[str] = "GRU"
    state_size: int = 100
    num_layers: int = 3
    num_steps: int = 80
    batch_size: int = 32
    learning_rate: float = 1e-4
    epochs: int = 20
    keep_prob: float = 1.0
    max_grad_norm: Optional[float] = None
    lr_decay: Optional[float] = None
    lr_decay_after: Optional[int] = None
    seed: int = 2345

    def graph_kwargs(self, num_classes=None):
        """Keyword arguments for :func:`r2rt_rnn.model.build_graph`."""
        return dict(cell_type=self.cell_type, state_size=self.state_size, num_classes=num_classes,
                    batch_size=self.batch_size, num_steps=self.num_steps, num_layers=self.num_layers,
                    build_with_dropout=self.keep_prob < 1.0, keep_prob=self.keep_prob,
                    learning_rate=self.learning_rate, max_grad_norm=self.max_grad_norm, seed=self.seed)

    def schedule_kwargs(self):
        """The learning-rate schedule's keyword arguments for :func:`r2rt_rnn.train.train_network`."""
        return dict(lr_decay=self.lr_decay, lr_decay_after=self.lr_decay_after)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


PRESETS = {
    # What `python -m r2rt_rnn train` runs with no options: the post's 20-epoch cell comparison, GRU.
    "post": Preset("the post's final model: 3 x 100 GRU, 80 steps, Adam 1e-4, 20 epochs"),
    # The post's three experiments (its cell types and graph styles vary per model; see experiments.py).
    "graph_styles": Preset("list vs dynamic_rnn vs scan: 3-layer LSTM, 200 steps, 3 epochs",
                           cell_type="LSTM", num_steps=200, epochs=3),
    "gru_vs_custom": Preset("GRU vs the post's Custom cell: 30 steps, 5 epochs", num_steps=30, epochs=5),
    "cell_comparison": Preset("GRU vs LSTM vs LN_LSTM: 80 steps, 20 epochs", num_steps=80, epochs=20),
    # The post's open threads, each a short experiment of ours (experiments.py): its learning rate against faster
    # ones at equal time (the same model and steps); dropout's effect on the gap between training and validation
    # loss, at a rate fast enough to open one; its "skip connection from t-2 to t, easy with scan".
    "learning_rates": Preset("the post's GRU at Adam 1e-4, 3e-4, 1e-3 and 3e-3: 3 epochs at 80 steps each (equal time)",
                             epochs=3),
    "dropout_gap": Preset("the post's GRU at Adam 2e-3 for 10 epochs, without and with dropout (keep 0.8): the gap "
                          "between training and validation loss", learning_rate=2e-3, epochs=10, keep_prob=0.8),
    "skip_connection": Preset("a 3 x 100 GRU unrolled by tf.scan, without and with a skip connection from t-2 to t: "
                              "Adam 2e-3, 5 epochs at 80 steps", learning_rate=2e-3, epochs=5),
    # Ours: the best validation loss we found for 30 minutes of training on a 2-core CPU
    # (docs/REPRODUCTION.md, "Beyond the post", has the search).
    "beyond_the_post": Preset("2 x 512 GRU, 50 steps, batch 64, dropout (keep 0.65), clipping at 5, "
                              "Adam 2e-3, x0.7 after every epoch from the 5th on (and on a stall), 12 epochs",
                              cell_type="GRU", state_size=512, num_layers=2, num_steps=50, batch_size=64,
                              learning_rate=2e-3, epochs=12, keep_prob=0.65, max_grad_norm=5.0, lr_decay=0.7,
                              lr_decay_after=5),
    # Ours: Python source (`python -m r2rt_rnn corpus stdlib`, 2 MB) for the quote and bracket cells of Karpathy's
    # "Unreasonable Effectiveness of RNNs". Longer steps than beyond_the_post (a string or a call spans more
    # characters), less dropout (twice the text). Trained 2 epochs: 22 minutes on a 2-core CPU shared with other
    # jobs (its second epoch, with less else running, took 400 s); validation loss 1.397 nats.
    "stdlib_source": Preset("for `corpus stdlib` text: 2 x 512 GRU, 100 steps, batch 64, dropout (keep 0.9), "
                            "clipping at 5, Adam 2e-3 (x0.7 when the validation loss stalls), 2 epochs",
                            cell_type="GRU", state_size=512, num_layers=2, num_steps=100, batch_size=64,
                            learning_rate=2e-3, epochs=2, keep_prob=0.9, max_grad_norm=5.0, lr_decay=0.7),
}


def get_preset(name):
    try:
        return PRESETS[name]
    except KeyError:
        raise R2RTError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
