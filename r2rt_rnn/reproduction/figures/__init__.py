"""The pictures and result figures of the four notebooks, one module per source text.

* :mod:`.post_diagrams`, :mod:`.post_losses` -- notebook 02, R2RT's post: unrolling, dropout in a
  stack, the layer-normalised LSTM; loss curves beside the post's values;
* :mod:`.gentle` -- notebook 01, the gentle intro: a TF graph (the whitepaper's layer, one RNN step),
  the state carried from batch to batch, the loss with its held-out points;
* :mod:`.slides` -- notebook 03, the slides: many-to-one, many-to-many, many-to-one-to-many; the
  confusion matrix, the sorter's loss beside its gradient norm;
* :mod:`.ptb` -- notebook 04, the PTB tutorial: perplexity beside the published figures, dropout's
  gap, the cost of each configuration.

Every function returns a :class:`matplotlib.figure.Figure` without showing it; diagrams are drawn with
:mod:`.drawing`'s tagged boxes, so a test can count their parts (:func:`.drawing.count`).
"""
