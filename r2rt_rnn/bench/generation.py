"""The generate part: ``generate_characters`` (one ``session.run`` a character) against the in-graph sampler."""
import tempfile
from pathlib import Path

import numpy as np

from ..beyond.in_graph_sampler import build_sampler, sample_in_graph
from ..data import bundled_corpus
from ..generate import generate_characters
from ..model import build_graph
from ..runtime import checkpoint
from ..runtime.sampling import sampling_session_config
from ..tf1 import tf
from .timing import log, rate, timing_session_config


def save_quick_checkpoint(path, cfg, cell_type="GRU"):
    """A freshly initialised (untrained) ``build_graph`` checkpoint: generation speed does not depend on training."""
    g = build_graph(cell_type=cell_type, state_size=cfg.state_size, batch_size=1, num_steps=1,
                    num_layers=cfg.num_layers)
    with tf.Session(config=timing_session_config()) as sess:
        sess.run(tf.global_variables_initializer())
        checkpoint.save(sess, g, path, bundled_corpus().vocab)
    return path


def bench_generate(cfg, results):
    """``generate_characters`` against the in-graph sampler, on one untrained checkpoint.

    Both per-character rates are steady-state: ``generate_characters`` runs on a graph
    built once (its own cost per call is a session and a restore), and the in-graph
    sampler's loop is timed in one session with its graph built once. End to end,
    ``sample_in_graph`` (build + restore + loop) is timed as a user calls it.
    """
    gen = results["generate"]
    with tempfile.TemporaryDirectory() as tmp:
        path = save_quick_checkpoint(Path(tmp) / "GRU", cfg)
        ckpt = checkpoint.load(path)
        g = checkpoint.build_from_checkpoint(ckpt, batch_size=1, num_steps=1)
        n_small, n_large = cfg.gen_chars, 4 * cfg.gen_chars  # long enough for fixed costs to cancel
        gen["checkpoint"] = {"cell_type": "GRU", "state_size": cfg.state_size, "num_layers": cfg.num_layers,
                             "trained": False}
        r = rate(lambda n: generate_characters(g, path, n, "A", 5, seed=0, verbose=False), n_small, n_large)
        r["label"] = "generate_characters (one session.run per character; graph built once)"
        gen["generate_characters"] = r
        log(f"gen    generate_characters {r['chars_per_s']:9.0f} chars/s ({r['chars']} chars in {r['seconds']:.2f} s)")
        r = rate(lambda n: sample_in_graph(str(path), n, prompt="A", pick_top_chars=5, seed=0), n_small, n_large)
        r["label"] = "in_graph_sampler.sample_in_graph (whole loop in one session.run; includes its graph build)"
        gen["sample_in_graph"] = r
        sampler = build_sampler(ckpt.config, pick_top_chars=5)
        with tf.Session(config=sampling_session_config()) as sess:
            checkpoint.restore(sess, sampler, ckpt)
            rng = np.random.default_rng(0)

            def run_loop(n):
                sess.run(sampler["chars"], {sampler["prompt"]: [0], sampler["uniforms"]: rng.random(n)})

            loop = rate(run_loop, 10 * n_small, 10 * n_large)
    gen["sample_in_graph"]["loop_chars_per_s"] = loop["marginal_chars_per_s"]
    gen["in_graph_over_python"] = r["chars_per_s"] / gen["generate_characters"]["chars_per_s"]
    gen["in_graph_over_python_marginal"] = (loop["marginal_chars_per_s"]
                                            / gen["generate_characters"]["marginal_chars_per_s"])
    log(f"gen    sample_in_graph     {r['chars_per_s']:9.0f} chars/s (x{gen['in_graph_over_python']:.1f} "
        f"generate_characters end to end, x{gen['in_graph_over_python_marginal']:.1f} per character)")
