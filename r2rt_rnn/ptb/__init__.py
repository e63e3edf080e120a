"""The TensorFlow PTB word-level language-model tutorial (Zaremba et al. 2014).

* :mod:`r2rt_rnn.ptb.reader` — PTB files -> word ids (``ptb_raw_data``, ``read_words``, ``download_ptb``)
  and ``ptb_iterator`` batches;
* :mod:`r2rt_rnn.ptb.word_lm` — the configs (``SmallConfig``, ``MediumConfig``, ``LargeConfig``,
  ``TestConfig``), ``PTBModel``, ``run_epoch``, ``train``, ``evaluate`` and the ``ptb`` command.

Import the submodules directly; this package does not load TensorFlow by itself.
"""
