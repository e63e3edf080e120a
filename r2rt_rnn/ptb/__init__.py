"""The TensorFlow PTB word-level language-model tutorial (Zaremba et al. 2014).

* :mod:`r2rt_rnn.ptb.reader` — PTB files -> word ids (``ptb_raw_data``, ``read_words``, ``download_ptb``),
  ``ptb_iterator`` batches, and the ``<eos>``/``<unk>`` tokens (``EOS``, ``UNK``);
* :mod:`r2rt_rnn.ptb.configs` — the hyper-parameter sets (``SmallConfig``, ``MediumConfig``, ``LargeConfig``,
  ``TestConfig``) and the published perplexities;
* :mod:`r2rt_rnn.ptb.model` — ``PTBModel`` and ``build_models``;
* :mod:`r2rt_rnn.ptb.word_lm` — ``run_epoch``, ``train``, ``checkpoint_perplexity`` (the configs and the
  model are importable from here too);
* :mod:`r2rt_rnn.ptb.sample` — ``sample_words`` from a trained checkpoint.

The ``ptb`` command is :mod:`r2rt_rnn.cli.ptb`.

Import the submodules directly; this package does not load TensorFlow by itself.
"""
