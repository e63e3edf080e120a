"""The benchmark: how fast the post's graphs build, train and generate here (``python -m r2rt_rnn bench``).

Five parts (``--parts build,train,generate,peers,scaling``):

* **build**: median build time of the post's four graphs (list-unrolled basic RNN,
  list-unrolled 3-layer LSTM, ``dynamic_rnn``, ``tf.scan``; fresh graph each build)
  and the first ``session.run`` (variable init + first training step);
* **train**: median step time after warm-up for list / dynamic / scan at 200 steps
  and for each ``build_graph`` cell at 80 steps (batch 32, state 100, 3 layers),
  as characters per second and projected seconds per tiny-shakespeare epoch and
  for the post's runs (3 epochs at 200 steps, 20 epochs at 80 steps);
* **generate**: characters per second of ``generate_characters`` (one
  ``session.run`` per character) and of ``in_graph_sampler.sample_in_graph``;
* **peers**: the same 3-layer LSTM in Keras 3 and (when importable) PyTorch, each in
  a child process that never imports r2rt_rnn (which switches eager execution off and
  Keras to the legacy package), plus, on a GPU, a cuDNN LSTM in our TF1 graph mode;
* **scaling**: the post's four graphs at num_steps 10 to 800: build, first ``session.run``
  and later step seconds, GraphDef nodes and bytes, peak memory growth, and each
  figure's growth exponent (log-log slope), within a ``--max-seconds`` budget.

Writes ``benchmark.json`` (every figure, with the device), ``benchmark.md`` (our
figures beside the post's), ``benchmark.png`` and, with the scaling part, ``scaling.png``
into ``--out``.

Modules, one job each:

* :mod:`.config`: the parts and :class:`BenchConfig` (sizes from :mod:`r2rt_rnn.reproduction.presets`; the post's
  timings, printed beside ours, from :mod:`r2rt_rnn.reproduction.post_results`);
* :mod:`.timing`: session settings, trainers, interleaved timing, medians and rates;
* :mod:`.training`: the build and train parts;
* :mod:`.generation`: the generate part;
* :mod:`.peers`: the peers part, running the scripts in :mod:`.peer_scripts`;
* :mod:`.scaling`: the scaling part: the sweep over num_steps, peak memory, the growth fit;
* :mod:`.targets`: the speed goals and whether a run met them;
* :mod:`.report`: ``benchmark.md``, ``benchmark.png`` and ``scaling.png``;
* :mod:`.run`: :func:`run_benchmark`: the chosen parts, then the files (through :mod:`r2rt_rnn.runtime.files`).

The ``bench`` command itself is :mod:`r2rt_rnn.cli.bench`.

Post: R2RT, "Recurrent Neural Networks in Tensorflow II",
https://r2rt.com/recurrent-neural-networks-in-tensorflow-ii.html
"""
from .config import PARTS, BenchConfig
from .run import run_benchmark

__all__ = ["BenchConfig", "PARTS", "run_benchmark"]
