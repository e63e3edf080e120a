"""The benchmark's peers: the same 3-layer LSTM in other frameworks, as scripts run by path in a child process.

Each script takes one argument, a JSON object of sizes (``batch_size``, ``num_steps``,
``state_size``, ``num_layers``, ``num_classes``, ``learning_rate``, ``seed``,
``warmup_steps``, ``timed_steps``, and ``threads`` for PyTorch), trains on random
batches, and prints one JSON line of timings. They must never import r2rt_rnn: it
switches eager execution off and ``tf.keras`` to the legacy package for the whole
process. This ``__init__`` only makes the folder a package, so that it is installed
with r2rt_rnn; it imports nothing.
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent
KERAS_LSTM = HERE / "keras_lstm.py"
TORCH_LSTM = HERE / "torch_lstm.py"
