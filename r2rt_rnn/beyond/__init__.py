"""Tools that go beyond the posts: looking inside a trained model (``inspect``) and sampling a whole
text in one ``session.run`` (``in_graph_sampler``). Only the command line (and the benchmark, which
times the sampler) imports them."""
