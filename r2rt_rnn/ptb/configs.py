"""The PTB tutorial's hyper-parameter sets (Zaremba et al. 2014; TF ``ptb_word_lm.py``), as dataclasses.

These are the word model's presets; the character model's live in :mod:`r2rt_rnn.reproduction.presets`.
"""
import dataclasses
from dataclasses import dataclass

from ..runtime.errors import R2RTError

__all__ = ["CONFIGS", "PUBLISHED", "PUBLISHED_BY_CONFIG", "Config", "LargeConfig", "MediumConfig", "SmallConfig",
           "TestConfig",
           "config_from_dict", "get_config"]


# The published figures for the small model (paper: Zaremba et al. 2014, table 1;
# TF script: the log printed by models/tutorials/rnn/ptb/ptb_word_lm.py).
PUBLISHED = {
    "paper": {"valid_perplexity": 120.7, "test_perplexity": 114.5},
    "tf_script": {"valid_perplexity": 121.39, "test_perplexity": 115.91,
                  "epoch_1": {"train_perplexity": 270, "valid_perplexity": 180}},
}

# Final validation / test perplexity of each config: the paper's table 1 and the TF script's README.
PUBLISHED_BY_CONFIG = {
    "small": {who: (PUBLISHED[who]["valid_perplexity"], PUBLISHED[who]["test_perplexity"])
              for who in ("paper", "tf_script")},
    "medium": {"paper": (86.2, 82.7), "tf_script": (86.16, 82.07)},
    "large": {"paper": (82.2, 78.4), "tf_script": (82.62, 78.29)},
}


@dataclass
class Config:
    """Hyper-parameters of one run. The defaults are the tutorial's small model.

    ``max_epoch``: epochs at the initial learning rate; ``max_max_epoch``: total
    epochs; ``keep_prob``: dropout keep probability (1.0 = no dropout);
    ``vocab_size`` is replaced by the real vocabulary size when training.
    """

    init_scale: float = 0.1
    learning_rate: float = 1.0
    max_grad_norm: float = 5
    num_layers: int = 2
    num_steps: int = 20
    hidden_size: int = 200
    max_epoch: int = 4
    max_max_epoch: int = 13
    keep_prob: float = 1.0
    lr_decay: float = 0.5
    batch_size: int = 20
    vocab_size: int = 10000


@dataclass
class SmallConfig(Config):
    """2 x 200 LSTM, no dropout; published test perplexity 114.5 (paper) / 115.91 (TF script)."""


@dataclass
class MediumConfig(Config):
    """2 x 650 LSTM, dropout 0.5; published test perplexity 82.7 (paper) / 82.07 (TF script)."""

    init_scale: float = 0.05
    max_grad_norm: float = 5
    num_steps: int = 35
    hidden_size: int = 650
    max_epoch: int = 6
    max_max_epoch: int = 39
    keep_prob: float = 0.5
    lr_decay: float = 0.8  # the TF script's value; the paper divides by 1.2 instead


@dataclass
class LargeConfig(Config):
    """2 x 1500 LSTM, dropout 0.65; published test perplexity 78.4 (paper) / 78.29 (TF script)."""

    init_scale: float = 0.04
    max_grad_norm: float = 10
    num_steps: int = 35
    hidden_size: int = 1500
    max_epoch: int = 14
    max_max_epoch: int = 55
    keep_prob: float = 0.35
    lr_decay: float = 1 / 1.15


@dataclass
class TestConfig(Config):
    """A tiny model for tests and quick runs (the tutorial's TestConfig)."""

    max_grad_norm: float = 1
    num_layers: int = 1
    num_steps: int = 2
    hidden_size: int = 2
    max_epoch: int = 1
    max_max_epoch: int = 1


CONFIGS = {"test": TestConfig, "small": SmallConfig, "medium": MediumConfig, "large": LargeConfig}


def get_config(name):
    """A fresh config object for ``name`` (test, small, medium or large)."""
    try:
        return CONFIGS[name]()
    except KeyError:
        raise R2RTError(f"unknown model {name!r}; use one of {', '.join(CONFIGS)}") from None


def config_from_dict(saved):
    """The config saved in a checkpoint (``dataclasses.asdict`` plus ``class``) as a config object."""
    saved = dict(saved)
    cls = CONFIGS.get({v.__name__: k for k, v in CONFIGS.items()}.get(saved.pop("class", None)), Config)
    names = {f.name for f in dataclasses.fields(Config)}
    return cls(**{k: v for k, v in saved.items() if k in names})
