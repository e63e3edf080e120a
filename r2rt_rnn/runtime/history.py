"""What a training run returns and saves in each checkpoint: its per-epoch record."""
import math


class TrainingHistory(list):
    """The per-epoch average training losses (a list, as the post returned), plus:

    ``valid_losses`` (per epoch, when validation data was given), ``epoch_seconds``,
    ``learning_rates`` (the rate each epoch trained with), ``about`` (what the caller records of the run: the
    train command's text and settings, so ``--resume PATH`` alone continues it), ``values`` (a trainer's own
    per-epoch figures, by name: PTB's perplexities...), ``evals`` (``{name: [[step, value]]}``,
    held-out measurements taken every N steps), ``checkpoint`` (the path last saved, if any)
    and ``best_checkpoint`` (with ``keep_best``).
    """

    def __init__(self, losses=(), valid_losses=(), epoch_seconds=(), learning_rates=(), values=None, evals=None,
                 about=None):
        super().__init__(losses)
        self.about = about
        self.valid_losses = list(valid_losses)
        self.epoch_seconds = list(epoch_seconds)
        self.learning_rates = list(learning_rates)
        self.values = {name: list(v) for name, v in (values or {}).items()}
        self.evals = {name: [list(e) for e in v] for name, v in (evals or {}).items()}
        self.checkpoint = None
        self.best_checkpoint = None
        self.next_learning_rate = None  # what the next epoch trains with, after any decay

    def record(self, loss, seconds, valid_loss=None, learning_rate=None, values=None):
        """Append one epoch."""
        self.append(loss)
        self.epoch_seconds.append(seconds)
        if valid_loss is not None:
            self.valid_losses.append(float(valid_loss))
        if learning_rate is not None:
            self.learning_rates.append(float(learning_rate))
        for name, value in (values or {}).items():
            self.values.setdefault(name, []).append(value)

    @classmethod
    def from_progress(cls, progress):
        if "losses" not in progress and "train_perplexity" in progress:  # a PTB checkpoint of the first record
            progress = _word_model_progress(progress)
        history = cls(progress.get("losses", []), progress.get("valid_losses", []),
                      progress.get("epoch_seconds", []), progress.get("learning_rates", []),
                      progress.get("values"), progress.get("evals"), progress.get("about"))
        history.next_learning_rate = progress.get("next_learning_rate")
        return history

    def progress(self):
        """The record as a checkpoint keeps it (plain JSON numbers)."""
        out = {"epochs_done": len(self), "losses": [float(x) for x in self], "valid_losses": self.valid_losses,
               "epoch_seconds": self.epoch_seconds, "learning_rates": self.learning_rates,
               "next_learning_rate": self.next_learning_rate}
        if self.values:
            out["values"] = self.values
        if self.evals:
            out["evals"] = self.evals
        if self.about:
            out["about"] = self.about
        return out


def _word_model_progress(progress):
    """A PTB checkpoint's record as its trainer wrote it before the loop driver: perplexities to losses."""
    train, valid = progress.get("train_perplexity", []), progress.get("valid_perplexity", [])
    return {**progress, "losses": [math.log(p) for p in train], "valid_losses": [math.log(p) for p in valid],
            "values": {"train_perplexity": train, "valid_perplexity": valid,
                       "train_seconds": progress.get("epoch_seconds", [])}}
