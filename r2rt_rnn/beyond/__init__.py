"""Tools that go beyond the posts: looking inside a trained model (``inspect``), sampling a whole
text in one ``session.run`` (``in_graph_sampler``), and the post's final GRU in today's Keras 3 holding the
shipped weights (``keras_today``, whose Keras side, ``keras_side``, runs in a process of its own). In the package,
only the command line (and the benchmark, which times the sampler) imports them; the notebooks use them too."""
