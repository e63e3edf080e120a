"""What a training run returns and saves in each checkpoint: its per-epoch record."""


class TrainingHistory(list):
    """The per-epoch average training losses (a list, as the post returned), plus:

    ``valid_losses`` (per epoch, when validation data was given), ``epoch_seconds``,
    ``learning_rates`` (the rate each epoch trained with), ``checkpoint`` (the
    path last saved, if any) and ``best_checkpoint`` (with ``keep_best``).
    """

    def __init__(self, losses=(), valid_losses=(), epoch_seconds=(), learning_rates=()):
        super().__init__(losses)
        self.valid_losses = list(valid_losses)
        self.epoch_seconds = list(epoch_seconds)
        self.learning_rates = list(learning_rates)
        self.checkpoint = None
        self.best_checkpoint = None
        self.next_learning_rate = None  # what the next epoch trains with, after any decay

    @classmethod
    def from_progress(cls, progress):
        history = cls(progress.get("losses", []), progress.get("valid_losses", []),
                      progress.get("epoch_seconds", []), progress.get("learning_rates", []))
        history.next_learning_rate = progress.get("next_learning_rate")
        return history

    def progress(self):
        return {"epochs_done": len(self), "losses": list(self), "valid_losses": self.valid_losses,
                "epoch_seconds": self.epoch_seconds, "learning_rates": self.learning_rates,
                "next_learning_rate": self.next_learning_rate}
