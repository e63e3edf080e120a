"""What the benchmark measures and at which sizes: the parts, and :class:`BenchConfig`.

The model sizes are the post's, read from :mod:`r2rt_rnn.reproduction.presets` rather than repeated here.
"""
from dataclasses import dataclass

from ..reproduction.presets import PRESETS

PARTS = ("build", "train", "generate", "peers", "scaling")

_POST = PRESETS["post"]  # the post's model: 3 x 100, batch 32, 80 steps, Adam 1e-4
_GRAPH_STYLES = PRESETS["graph_styles"]  # list vs dynamic_rnn vs scan: 200 steps, 3 epochs
_CELL_COMPARISON = PRESETS["cell_comparison"]  # GRU vs LSTM vs LN_LSTM: 80 steps, 20 epochs


@dataclass
class BenchConfig:
    """Every size the benchmark uses; :meth:`quick_config` shrinks them for tests (same code paths)."""

    batch_size: int = _POST.batch_size
    state_size: int = _POST.state_size
    num_layers: int = _POST.num_layers
    learning_rate: float = _POST.learning_rate
    seed: int = _POST.seed
    graph_steps: int = _GRAPH_STYLES.num_steps  # the post's list / dynamic / scan comparison
    graph_epochs: int = _GRAPH_STYLES.epochs  # its runs, projected from our step time
    cell_steps: int = _CELL_COMPARISON.num_steps  # the post's 20-epoch cell comparison
    cell_epochs: int = _CELL_COMPARISON.epochs
    build_repeats: int = 3
    warmup_steps: int = 3
    timed_steps: int = 20
    gen_chars: int = 500
    peer_timeout_s: int = 600
    scaling_lengths: tuple = (10, 25, 50, 100, 200, 400, 800)  # the post's 200 among them, roughly doubling
    scaling_max_s: float = 300.0  # the scaling part's budget: lengths predicted to overrun it are skipped
    scaling_timed_steps: int = 3  # training steps timed after the first, at each length
    quick: bool = False

    @classmethod
    def quick_config(cls):
        # The fewest steps and characters that still time every figure, on a one-layer model of 32 units (a
        # quick run checks that every figure is measured and written, not how fast the post's model is): two
        # builds (a median), three lengths (two increments, so a constant per-step growth is visible).
        return cls(state_size=32, num_layers=1, batch_size=8, graph_steps=4, cell_steps=4, build_repeats=2,
                   warmup_steps=1, timed_steps=3,
                   gen_chars=10, peer_timeout_s=180, scaling_lengths=(2, 4, 8), scaling_max_s=60.0,
                   scaling_timed_steps=2, quick=True)
