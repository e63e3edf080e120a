"""The scaling part: how the cost of each of the post's graph styles grows with ``num_steps``.

The post's case for ``dynamic_rnn`` and ``tf.scan`` is about growth. ``static_rnn``
adds one copy of the cell to the graph per time step, so the list-unrolled graph,
the time to build it and the time of its first ``session.run`` (where Grappler
optimises the whole graph) grow with the sequence length. A ``while_loop`` holds
one copy of the cell whatever the length, so only the computation itself grows.

:func:`sweep` measures each style at a series of lengths (shortest first) and
fits a growth exponent: the least-squares slope of log(figure) against
log(num_steps), about 1 for a figure proportional to the length and 0 for one
that does not depend on it. For each style and length, one :func:`measure`:

* ``build_s``: median of ``builds_s``, each a fresh graph. Builds predicted to take
  over :data:`SINGLE_BUILD_S` are done once: their noise is small next to them, and a
  second build would double the sweep's longest measurements. ``build_cpu_s``: the
  same builds in CPU seconds, which leave out the time spent waiting for a core;
* ``first_run_s``: variable initialisation plus the first training step;
* ``step_s``: median of ``steps_s``, the training steps after that. They are fed as the
  first one was (zero initial state, not the carried one): a different set of feeds
  makes the session prepare and optimise the graph a second time, which for a long
  list graph costs as much as the first run, so timing it would double what a
  length costs without saying anything new;
* ``nodes``, ``graphdef_bytes``: the node count and serialized size of the GraphDef
  the session runs (the builder's graph plus the one variable-initialiser op);
* ``peak_memory_mib``: see :class:`PeakMemory`.

The sweep is bounded by ``max_seconds``. Every style's shortest length is always
measured, so each has a point. After that the sweep always takes the measurement
predicted to be cheapest (each style's lengths in increasing order; the cost of the
next one extrapolated from the style's measured ones, :func:`plan`). When even
that one would not fit in what is left of the budget, it and every remaining
length are skipped, each with a note in the results and the log. So the cheap
``while_loop`` graphs reach the longest length, and what the budget cuts is the
longest list-unrolled graphs.
"""
import ctypes
import functools
import gc
import resource
import time
from pathlib import Path

import numpy as np

from ..reproduction.post_results import POST_BUILD_S
from ..runtime import interrupts
from .timing import Trainer, log, median
from .training import GRAPH_BUILDERS, GRAPH_LABELS, batches

# The post's four graphs (keys of training.GRAPH_BUILDERS), in the order the results list them.
SWEEP_STYLES = ("list_basic_rnn", "list_lstm", "dynamic_lstm", "scan_lstm")
# The figures a growth exponent is fitted to.
FITTED = ("build_s", "build_cpu_s", "first_run_s", "step_s", "nodes", "graphdef_bytes")
SINGLE_BUILD_S = 5.0


class PeakMemory:
    """How far the process's resident memory rose during one measurement, in MiB.

    Before each measurement the garbage collector runs and glibc hands freed heap
    back to the system (``malloc_trim``), so what earlier measurements freed is
    not silently reused. Then, where Linux allows it (``/proc/self/clear_refs``),
    the kernel's high-water mark is reset to the current resident size, and the
    figure is the new high-water mark minus that: the peak growth of this
    measurement alone, whatever ran before (``method = "hwm_reset"``). Elsewhere
    the figure is the rise of the process's lifetime peak (``ru_maxrss``), which is
    zero whenever an earlier, larger measurement went higher
    (``method = "lifetime_peak"``), so there only the largest measurements so far
    show a figure.
    """

    _STATUS = Path("/proc/self/status")
    _CLEAR_REFS = Path("/proc/self/clear_refs")

    def __init__(self):
        self.method = "hwm_reset" if self._reset() else "lifetime_peak"
        self.base_kib = 0

    def _status_kib(self, field):
        for line in self._STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise OSError(f"{field} not in {self._STATUS}")

    def _reset(self):
        try:
            self._CLEAR_REFS.write_text("5")  # 5: reset the peak resident size to the current one
            self._status_kib("VmHWM")
            return True
        except OSError:
            return False

    def start(self):
        gc.collect()
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (AttributeError, OSError):  # not glibc: freed heap may stay with the process
            pass
        if self.method == "hwm_reset":
            self._reset()
            self.base_kib = self._status_kib("VmRSS")
        else:
            self.base_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    def growth_mib(self):
        if self.method == "hwm_reset":
            peak = self._status_kib("VmHWM")
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return max(0, peak - self.base_kib) / 1024


def growth_exponent(num_steps, values):
    """Least-squares slope of log(value) against log(num_steps); None without two lengths with positive values."""
    pairs = [(n, v) for n, v in zip(num_steps, values) if v is not None and v > 0]
    if len({n for n, _ in pairs}) < 2:
        return None
    xs, ys = np.log([n for n, _ in pairs]), np.log([v for _, v in pairs])
    return float(np.polyfit(xs, ys, 1)[0])


def exponents(points):
    """:func:`growth_exponent` of each figure in :data:`FITTED` over the measured lengths."""
    steps = [p["num_steps"] for p in points]
    return {key: growth_exponent(steps, [p[key] for p in points]) for key in FITTED}


def predict(points, num_steps, key):
    """Extrapolate ``key`` from the longest measured length to ``num_steps`` (0 with none measured).

    The exponent is :func:`growth_exponent` over all the measured lengths (one noisy
    length moves it less than a slope through the last two), taken as 1 from a single
    length and held between 1 and 2: below 1, the short lengths' fixed costs would
    predict too little for a long list graph, and faster than quadratic growth was
    never seen. For a loop graph the prediction is too high, which its low cost allows.
    """
    if not points:
        return 0.0
    k = growth_exponent([p["num_steps"] for p in points], [p[key] for p in points])
    last = points[-1]
    return last[key] * (num_steps / last["num_steps"]) ** min(2.0, max(1.0, 1.0 if k is None else k))


def plan(points, num_steps, cfg):
    """``(builds, predicted seconds)`` for the next measurement of a style measured at ``points``.

    ``cfg.build_repeats`` builds, or one where a build is predicted over :data:`SINGLE_BUILD_S`;
    the prediction is that many builds plus everything else (first run, steps, GraphDef), each
    extrapolated on its own, since earlier lengths may have been built a different number of times.
    """
    build = predict(points, num_steps, "build_s")
    builds = cfg.build_repeats if build <= SINGLE_BUILD_S else 1
    rest = [{"num_steps": p["num_steps"], "rest_s": p["cost_s"] - sum(p["builds_s"])} for p in points]
    return builds, builds * build + predict(rest, num_steps, "rest_s")


def builder(name, num_steps, cfg):
    """A function that builds graph style ``name`` at ``num_steps`` with the config's sizes."""
    extra = {} if name == "list_basic_rnn" else {"num_layers": cfg.num_layers}
    return functools.partial(GRAPH_BUILDERS[name], state_size=cfg.state_size, batch_size=cfg.batch_size,
                             num_steps=num_steps, learning_rate=cfg.learning_rate, **extra)


def measure(name, num_steps, cfg, n_builds):
    """One style at one length: builds, first run, later steps, GraphDef size (see the module docstring)."""
    trainer = Trainer(builder(name, num_steps, cfg), n_builds, batches(cfg.batch_size, num_steps))
    try:
        out = {"num_steps": num_steps, **trainer.out, "steps_s": []}
        for _ in range(cfg.scaling_timed_steps):
            trainer.state = None  # the first run's feeds: see the module docstring
            out["steps_s"].append(trainer.step())
        graph_def = trainer.sess.graph.as_graph_def()
    finally:
        trainer.close()
    out.update(step_s=median(out["steps_s"]), nodes=len(graph_def.node), graphdef_bytes=graph_def.ByteSize())
    return out


class _SweepState:
    """What one :func:`sweep` has done so far: each style's measured points and skipped lengths, the lengths still
    pending, and the clock and memory gauge its measurements share."""

    def __init__(self, cfg, lengths, budget, styles, log):
        self.cfg, self.lengths, self.budget, self.styles, self.log = cfg, lengths, budget, styles, log
        self.memory = PeakMemory()
        self.t0 = time.perf_counter()
        self.points = {name: [] for name in styles}
        self.skipped = {name: [] for name in styles}
        self.pending = {name: list(lengths) for name in styles}

    def seconds_left(self):
        return self.budget - (time.perf_counter() - self.t0)

    def measure_next(self, name):
        """Measure style ``name`` at its next pending length (after a Ctrl-C check) and log the line."""
        interrupts.check()
        num_steps = self.pending[name].pop(0)
        series = self.points[name]
        n_builds, _ = plan(series, num_steps, self.cfg)
        self.memory.start()
        t = time.perf_counter()
        p = measure(name, num_steps, self.cfg, n_builds)
        p.update(cost_s=time.perf_counter() - t, peak_memory_mib=self.memory.growth_mib())
        series.append(p)
        self.log(f"scaling  {name:15s} {num_steps:4d} steps  build {p['build_s']:7.3f} s "
                 f"(median of {len(p['builds_s'])})  first run {p['first_run_s']:7.3f} s  "
                 f"step {p['step_s'] * 1e3:7.1f} ms  {p['nodes']:7d} nodes  "
                 f"+{p['peak_memory_mib']:.0f} MiB  ({p['cost_s']:.1f} s)")

    def cheapest(self):
        """``(style, predicted seconds)`` of the pending measurement predicted to cost least."""
        def predicted(name):
            return plan(self.points[name], self.pending[name][0], self.cfg)[1]
        name = min((n for n in self.styles if self.pending[n]), key=predicted)
        return name, predicted(name)

    def skip_the_rest(self, left):
        """Nothing left fits in ``left`` seconds: note every remaining length, with its own prediction."""
        for name in self.styles:
            for num_steps in self.pending[name]:
                predicted = plan(self.points[name], num_steps, self.cfg)[1]
                note = (f"skipped: predicted {predicted:.0f} s, more than the {max(0.0, left):.0f} s left of the "
                        f"{self.budget:.0f} s budget (--max-seconds)")
                self.skipped[name].append({"num_steps": num_steps, "predicted_s": predicted, "note": note})
                self.log(f"scaling  {name:15s} {num_steps:4d} steps  {note}")
            self.pending[name] = []

    def result(self):
        """The sweep's results (see :func:`sweep`), each style's growth exponents fitted and logged."""
        result = {"lengths": self.lengths, "max_seconds": self.budget, "memory_method": self.memory.method,
                  "total_s": time.perf_counter() - self.t0, "styles": {}}
        for name in self.styles:
            e = exponents(self.points[name])
            result["styles"][name] = {"label": GRAPH_LABELS[name], "post_build_s": POST_BUILD_S[name],
                                      "points": self.points[name], "skipped": self.skipped[name], "exponents": e}
            self.log(f"scaling  {name:15s} growth exponents: build {_show(e['build_s'])} (CPU time "
                     f"{_show(e['build_cpu_s'])}), first run {_show(e['first_run_s'])}, nodes {_show(e['nodes'])}")
        return result


def sweep(cfg, lengths=None, max_seconds=None, styles=SWEEP_STYLES, log=log):
    """Measure ``styles`` at ``lengths`` (default ``cfg.scaling_lengths``) within ``max_seconds``.

    Returns ``{"lengths", "max_seconds", "memory_method", "total_s", "styles": {name:
    {"label", "post_build_s", "points": [measure() + "cost_s", "peak_memory_mib"],
    "skipped": [{"num_steps", "predicted_s", "note"}], "exponents": {figure: slope}}}}``.
    Checks for Ctrl-C between measurements. ``log`` is given each progress line (a line per
    measurement); ``log=lambda line: None`` keeps them out of a notebook, which shows the figure instead.
    """
    lengths = sorted(set(cfg.scaling_lengths if lengths is None else lengths))
    budget = float(cfg.scaling_max_s if max_seconds is None else max_seconds)
    state = _SweepState(cfg, lengths, budget, styles, log)
    log(f"scaling  {len(styles)} graph styles at num_steps {', '.join(map(str, lengths))}; budget {budget:.0f} s")
    # The first build of each style in a process also pays for imports and TensorFlow's lazy
    # set-up (a 10-step dynamic_rnn graph: 1.8 s, then 0.9 s): one untimed build takes that out.
    for name in styles:
        builder(name, lengths[0], cfg)()
    for name in styles:  # every style's shortest length, whatever the budget
        state.measure_next(name)
    while any(state.pending.values()):  # the cheapest next measurement while it fits, then none
        left = state.seconds_left()
        name, predicted = state.cheapest()
        if predicted <= left:
            state.measure_next(name)
        else:
            state.skip_the_rest(left)
    return state.result()


def _show(x):
    return "—" if x is None else f"{x:.2f}"


def bench_scaling(cfg, results):
    """The scaling part of ``python -m r2rt_rnn bench``: :func:`sweep` with the config's lengths and budget."""
    results["scaling"] = sweep(cfg)
