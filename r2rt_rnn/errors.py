"""The package's exception types for what a user can get wrong.

Each is raised with a one-line message that names the problem and says what to
do; the command line prints it as ``error: ...`` and exits with status 2
instead of printing a stack trace.
"""


class R2RTError(ValueError):
    """Bad input or configuration, explained in one line."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training, after the last complete epoch was kept; the message says where and how to resume."""
