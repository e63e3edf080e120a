"""How the benchmark times things: its session settings, trainers stepped in turns, medians and rates."""
import statistics
import time

import numpy as np

from ..runtime import interrupts, machine
from ..runtime.errors import R2RTError
from ..runtime.quiet import native_stderr_silenced
from ..tf1 import tf


def log(msg):
    print(msg, flush=True)


def median(xs):
    return float(statistics.median(xs))


def timing_session_config():
    """The session settings every timed training step uses: TF's thread defaults (0 = one thread per usable
    core), and GPU memory taken as needed, since our sessions and the peers' processes share one GPU."""
    config = tf.ConfigProto()
    config.gpu_options.allow_growth = True
    return config


def device_info():
    """:func:`r2rt_rnn.runtime.machine.describe`, plus the thread settings of :func:`timing_session_config`."""
    config = timing_session_config()
    return {**machine.describe(),
            "session": {"intra_op_parallelism_threads": config.intra_op_parallelism_threads,
                        "inter_op_parallelism_threads": config.inter_op_parallelism_threads,
                        "note": "0 = TensorFlow's default (one thread per usable core)"}}


class Trainer:
    """A graph built ``n_builds`` times (the last kept), initialised in its own session, and ready to step.

    ``batches`` yields ``(x, y)`` training batches. ``out`` holds seconds: ``builds_s``
    (each build), ``build_s`` (their median), ``builds_cpu_s`` and ``build_cpu_s`` (the
    same in this process's CPU time: a build is Python on one thread, so on a shared
    machine this leaves out the time spent waiting for a core), ``init_s``,
    ``first_step_s`` and ``first_run_s`` (init + first training step). :meth:`step` runs
    one training step and returns its seconds; it feeds each batch's final state into
    the next, as training does.
    """

    def __init__(self, build, n_builds, batches):
        builds, builds_cpu = [], []
        for _ in range(max(1, n_builds)):
            t, cpu = time.perf_counter(), time.process_time()
            g = build()
            builds.append(time.perf_counter() - t)
            builds_cpu.append(time.process_time() - cpu)
            interrupts.check()  # the command line's Ctrl-C takes effect between measurements
        self.out = {"builds_s": builds, "build_s": median(builds), "builds_cpu_s": builds_cpu,
                    "build_cpu_s": median(builds_cpu)}
        self.g, self.state, self.data = g, None, batches
        self.fetches = [g["total_loss"], g["final_state"], g["train_step"]]
        graph = g["total_loss"].graph
        with graph.as_default():
            init = tf.global_variables_initializer()
        self.sess = tf.Session(graph=graph, config=timing_session_config())
        t = time.perf_counter()
        self.sess.run(init)
        self.out["init_s"] = time.perf_counter() - t
        # The first run prints kernel-selection chatter on stderr (e.g. "oneDNN supports DT_INT32
        # only on platforms with AVX-512"); Python exceptions still surface.
        with native_stderr_silenced():
            self.out["first_step_s"] = self.step()
        self.out["first_run_s"] = self.out["init_s"] + self.out["first_step_s"]

    def step(self):
        g = self.g
        x, y = next(self.data)
        feed = {g["x"]: x, g["y"]: y, **(g.get("train_feed") or {})}
        if self.state is not None:
            feed[g["init_state"]] = self.state  # carry the state, as train_network does
        t = time.perf_counter()
        loss, self.state, _ = self.sess.run(self.fetches, feed)
        seconds = time.perf_counter() - t
        if not np.isfinite(loss):
            raise R2RTError(f"non-finite loss {loss} while benchmarking")
        interrupts.check()
        return seconds

    def close(self):
        self.sess.close()


def time_graph(build, n_builds, batches, warmup_steps, train_steps):
    """Build ``n_builds`` times, then on the last graph time init + first step and ``train_steps`` steps.

    Returns :class:`Trainer`'s ``out`` plus ``steps_s`` (each timed step, after ``warmup_steps``).
    """
    trainer = Trainer(build, n_builds, batches)
    try:
        if train_steps:
            for _ in range(warmup_steps):
                trainer.step()
            trainer.out["steps_s"] = [trainer.step() for _ in range(train_steps)]
    finally:
        trainer.close()
    return trainer.out


def time_interleaved(trainers, warmup_steps, timed_steps, rounds=5):
    """Time ``timed_steps`` steps of each trainer, taken in turns (a few steps of each per round).

    On a machine whose speed drifts (a shared VM), models timed one after another can
    land in different phases of the drift; taking turns exposes them all to the same
    conditions, so their ratios are what to compare. Returns {name: [step seconds]}.
    """
    for trainer in trainers.values():
        for _ in range(warmup_steps):
            trainer.step()
    per_round = max(1, -(-timed_steps // rounds))
    steps = {name: [] for name in trainers}
    while any(len(v) < timed_steps for v in steps.values()):
        for name, trainer in trainers.items():
            n = min(per_round, timed_steps - len(steps[name]))
            steps[name] += [trainer.step() for _ in range(n)]
    return steps


def rate(fn, n_small, n_large, repeats=3):
    """Time ``fn(n)`` at two lengths, best of ``repeats`` each.

    Returns the end-to-end rate at ``n_large`` (``chars_per_s``) and the per-character
    (marginal) rate ``(n_large - n_small) / (t_large - t_small)``, free of fixed costs.
    """
    fn(max(2, n_small // 4))  # warm-up: caches, graph-building code paths

    def best(n):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn(n)
            times.append(time.perf_counter() - t)
        return min(times)

    t_small, t_large = best(n_small), best(n_large)
    marginal = (n_large - n_small) / max(t_large - t_small, 1e-9)
    return {"chars": n_large, "seconds": t_large, "chars_per_s": n_large / t_large,
            "marginal_chars_per_s": marginal if t_large > t_small else n_large / t_large,
            "fixed_overhead_s": max(0.0, t_small - n_small / marginal) if t_large > t_small else 0.0}
