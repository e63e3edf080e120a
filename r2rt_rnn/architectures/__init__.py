"""The architectures of the "Recurrent Neural Networks" slides, runnable in TF1 graph mode.

* :mod:`.cells` -- hand-built ``basic_rnn_cell``, ``lstm_cell``, ``gru_cell`` (bugs fixed),
  ``multi_layer_rnn`` (one cell per layer) and ``project``;
* :mod:`.cell_match` -- the hand-built cells against TensorFlow's on copied weights;
* :mod:`.many_to_one` -- a bidirectional multi-layer RNN naming the source of a byte window;
* :mod:`.many_to_many` -- byte-level text generation with the state fed back;
* :mod:`.sorting` -- an encoder-decoder (many-to-one-to-many) that sorts sequences of numbers.

Every builder returns a dict of tensors; sessions are opened by the functions that train.
"""
