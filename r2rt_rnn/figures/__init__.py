"""The pictures and result figures of the four notebooks, one module per source text
(notebooks 02 and 03 do not have theirs yet: issue 39).

* :mod:`.post_diagrams`, :mod:`.post_losses` -- notebook 01, R2RT's post: unrolling, dropout in a
  stack, the layer-normalised LSTM; loss curves beside the post's values;
* :mod:`.ptb` -- notebook 04, the PTB tutorial: perplexity beside the published figures, dropout's
  gap, the cost of each configuration.

Every function returns a :class:`matplotlib.figure.Figure` without showing it; diagrams mark their
parts (``gid``) so a test can count them (:func:`.post_diagrams.count`).
"""
