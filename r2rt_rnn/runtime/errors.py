"""The package's exception types for what a user can get wrong.

Each is raised with a one-line message that names the problem and says what to
do. Library functions name their own *parameters* (``save``, ``num_chars``) and list
them in ``params``; the command layer (:mod:`r2rt_rnn.cli`) says the matching
flag instead (:meth:`R2RTError.with_flags`), prints ``error: ...`` and exits with
status 2 instead of printing a stack trace.
"""
import re


class R2RTError(ValueError):
    """Bad input or configuration, explained in one line; ``params``: the parameters the message names."""

    def __init__(self, message, params=()):
        super().__init__(message)
        self.params = tuple(params)

    def with_flags(self, flags):
        """The same error with each named parameter that ``flags`` maps (``{"save": "--save"}``) said as its flag.

        ``overwrite=True`` becomes ``--overwrite``; a parameter the command has no flag for stays as it is.
        """
        message = str(self)
        for param in self.params:
            if param in flags:
                # the word itself, not part of a path, a file name or another word ("out" in /tmp/out/p.html)
                message = re.sub(rf"(?<![\w./-]){re.escape(param)}(=True)?(?![\w/-]|\.\w)", flags[param], message)
        return R2RTError(message, self.params)


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training, after the last complete epoch was kept.

    ``checkpoint`` is where that epoch is (None when nothing new was saved), ``epochs`` how many it holds;
    the message says how to continue from Python, and a command says it with its own flags.
    """

    def __init__(self, message, checkpoint=None, epochs=0):
        super().__init__(message)
        self.checkpoint = checkpoint
        self.epochs = epochs
