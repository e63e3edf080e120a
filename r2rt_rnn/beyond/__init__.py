"""Tools that go beyond the posts: looking inside a trained model (``inspect``), sampling a whole
text in one ``session.run`` (``in_graph_sampler``), and measuring how far back a gradient reaches
(``gradient_reach``, the vanishing gradient of notebook 02). Only the command line, the benchmark (which
times the sampler) and the notebooks import them."""
