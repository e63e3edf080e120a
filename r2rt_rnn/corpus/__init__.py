"""Training texts: the bundled tiny-shakespeare (``tinyshakespeare.txt``, package data) and recipes that build one.

:mod:`.tempest` cuts *The Tempest*, the gentle intro's training text, from tiny-shakespeare;
:mod:`.stdlib_source` builds a text of Python source from the standard library beside the
running interpreter (``python -m r2rt_rnn corpus stdlib --out FILE``).
"""
