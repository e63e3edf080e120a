"""The package's one exception type for bad input.

Raised with a one-line message that names the bad value and says what to do; the
command line prints it as ``error: ...`` instead of a stack trace.
"""


class R2RTError(ValueError):
    """Bad input or configuration, explained in one line."""
