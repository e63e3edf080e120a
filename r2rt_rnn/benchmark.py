"""``python -m r2rt_rnn bench``: how fast the post's graphs build, train and generate here.

Four parts (``--parts build,train,generate,peers``):

* **build**: median build time of the post's four graphs (list-unrolled basic RNN,
  list-unrolled 3-layer LSTM, ``dynamic_rnn``, ``tf.scan``; fresh graph each build)
  and the first ``session.run`` (variable init + first training step);
* **train**: median step time after warm-up for list / dynamic / scan at 200 steps
  and for each ``build_graph`` cell at 80 steps (batch 32, state 100, 3 layers),
  as characters per second and projected seconds per tiny-shakespeare epoch and
  for the post's runs (3 epochs at 200 steps, 20 epochs at 80 steps);
* **generate**: characters per second of ``generate_characters`` (one
  ``session.run`` per character) and of ``r2rt_rnn.fast.sample_in_graph`` when present;
* **peers**: the same 3-layer LSTM in Keras 3 and (when importable) PyTorch, each in
  a child process that never imports r2rt_rnn (which switches eager execution off and
  Keras to the legacy package), plus, on a GPU, a cuDNN LSTM in our TF1 graph mode.

Writes ``benchmark.json`` (every figure, with the device), ``benchmark.md`` (our
figures beside the post's) and ``benchmark.png`` into ``--out``.
"""
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

# Our sessions and the peer processes share one GPU: none may grab all of its memory.
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")

import numpy as np  # noqa: E402

from . import checkpoint  # noqa: E402
from .data import bundled_corpus, epoch_size, ptb_iterator  # noqa: E402
from .errors import R2RTError  # noqa: E402
from .tf1 import GPUS, _native_stderr_silenced, tf, tf2  # noqa: E402

PARTS = ("build", "train", "generate", "peers")
POST_CORPUS_CHARS = 1115394  # the post trained on all of tiny-shakespeare, no validation split

# The post's published figures (seed 001; also in DESIGN.md).
POST_BUILD_S = {"list_basic_rnn": 5.6, "list_lstm": 25.6, "dynamic_lstm": 0.53, "scan_lstm": 0.65}
POST_3_EPOCHS_S = {"list_lstm": 117.8, "dynamic_lstm": 96.7, "scan_lstm": 101.6}
POST_20_EPOCHS_S = {"GRU": 1051.7, "LSTM": 614.5, "LN_LSTM": 3867.6}

GRAPH_LABELS = {
    "list_basic_rnn": "list-unrolled BasicRNN",
    "list_lstm": "list-unrolled 3-layer LSTM",
    "dynamic_lstm": "dynamic_rnn 3-layer LSTM",
    "scan_lstm": "tf.scan 3-layer LSTM",
}


@dataclass
class BenchConfig:
    """Every size the benchmark uses; ``quick()`` shrinks them for tests (same code paths)."""

    batch_size: int = 32
    state_size: int = 100
    num_layers: int = 3
    graph_steps: int = 200  # the post's list / dynamic / scan comparison
    cell_steps: int = 80  # the post's 20-epoch cell comparison
    build_repeats: int = 3
    warmup_steps: int = 3
    timed_steps: int = 20
    gen_chars: int = 500
    peer_timeout_s: int = 600
    quick: bool = False

    @classmethod
    def quick_config(cls):
        return cls(graph_steps=10, cell_steps=8, build_repeats=2, warmup_steps=1, timed_steps=3,
                   gen_chars=40, peer_timeout_s=180, quick=True)


def log(msg):
    print(msg, flush=True)


def median(xs):
    return float(statistics.median(xs))


# --- the machine ----------------------------------------------------------------------------------

def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))  # respects taskset
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def session_config():
    """The session settings every measurement uses: TF's defaults (0 = let TF pick, i.e. all cores)."""
    config = tf.ConfigProto()
    config.gpu_options.allow_growth = True
    return config


def device_info():
    info = {
        "tf_version": tf2.__version__,
        "python": platform.python_version(),
        "cpu_model": cpu_model(),
        "cores_total": os.cpu_count(),
        "cores_usable": usable_cores(),
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "session": {"intra_op_parallelism_threads": session_config().intra_op_parallelism_threads,
                    "inter_op_parallelism_threads": session_config().inter_op_parallelism_threads,
                    "note": "0 = TensorFlow's default (one thread per usable core)"},
        "onednn_opts": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
    }
    if GPUS:
        details = {}
        try:
            details = tf2.config.experimental.get_device_details(GPUS[0])
        except Exception:  # noqa: BLE001 - details are a nicety
            pass
        info.update(type="GPU", name=details.get("device_name", GPUS[0].name), gpu_count=len(GPUS),
                    compute_capability=details.get("compute_capability"))
    else:
        info.update(type="CPU", name=info["cpu_model"])
    return info


# --- graphs: build, first run, training steps ----------------------------------------------------

def graph_builders():
    from .graphs.dynamic import build_multilayer_lstm_graph_with_dynamic_rnn
    from .graphs.scan import build_multilayer_lstm_graph_with_scan
    from .graphs.static import build_basic_rnn_graph_with_list, build_multilayer_lstm_graph_with_list

    return {
        "list_basic_rnn": build_basic_rnn_graph_with_list,
        "list_lstm": build_multilayer_lstm_graph_with_list,
        "dynamic_lstm": build_multilayer_lstm_graph_with_dynamic_rnn,
        "scan_lstm": build_multilayer_lstm_graph_with_scan,
    }


def cell_types():
    """The post's cells at 80 steps, plus LN_LSTM_fast (the LN_LSTM model, computed faster)."""
    return ["GRU", "LSTM", "LN_LSTM", "Custom", "LN_LSTM_fast"]


def batches(batch_size, num_steps):
    """Endless ``(x, y)`` batches of tiny-shakespeare, ``[batch_size, num_steps]`` each, in training order."""
    ids = bundled_corpus().train
    while True:
        yield from ptb_iterator(ids, batch_size, num_steps)


class _Trainer:
    """A graph built ``n_builds`` times (the last kept), initialised in its own session, and ready to step.

    ``out`` holds seconds: ``builds_s`` (each build), ``build_s`` (their median),
    ``init_s``, ``first_step_s`` and ``first_run_s`` (init + first training step).
    :meth:`step` runs one training step and returns its seconds; it feeds each batch's
    final state into the next, as training does.
    """

    def __init__(self, build, n_builds, cfg, num_steps):
        builds = []
        for _ in range(max(1, n_builds)):
            t = time.perf_counter()
            g = build()
            builds.append(time.perf_counter() - t)
        self.out = {"builds_s": builds, "build_s": median(builds)}
        self.g, self.state = g, None
        self.data = batches(cfg.batch_size, num_steps)
        self.fetches = [g["total_loss"], g["final_state"], g["train_step"]]
        graph = g["total_loss"].graph
        with graph.as_default():
            init = tf.global_variables_initializer()
        self.sess = tf.Session(graph=graph, config=session_config())
        t = time.perf_counter()
        self.sess.run(init)
        self.out["init_s"] = time.perf_counter() - t
        # The first run prints kernel-selection chatter on stderr (e.g. "oneDNN supports DT_INT32
        # only on platforms with AVX-512"); Python exceptions still surface.
        with _native_stderr_silenced():
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
        if not np.isfinite(loss):
            raise R2RTError(f"non-finite loss {loss} while benchmarking")
        return time.perf_counter() - t

    def close(self):
        self.sess.close()


def time_graph(build, n_builds, cfg, num_steps, train_steps):
    """Build ``n_builds`` times, then on the last graph time init + first step and ``train_steps`` steps.

    Returns :class:`_Trainer`'s ``out`` plus ``steps_s`` (each timed step, after ``cfg.warmup_steps``).
    """
    trainer = _Trainer(build, n_builds, cfg, num_steps)
    try:
        if train_steps:
            for _ in range(cfg.warmup_steps):
                trainer.step()
            trainer.out["steps_s"] = [trainer.step() for _ in range(train_steps)]
    finally:
        trainer.close()
    return trainer.out


def time_interleaved(trainers, cfg, rounds=5):
    """Time ``cfg.timed_steps`` steps of each trainer, taken in turns (a few steps of each per round).

    On a machine whose speed drifts (a shared VM), models timed one after another can
    land in different phases of the drift; taking turns exposes them all to the same
    conditions, so their ratios are what to compare. Returns {name: [step seconds]}.
    """
    for trainer in trainers.values():
        for _ in range(cfg.warmup_steps):
            trainer.step()
    per_round = max(1, -(-cfg.timed_steps // rounds))
    steps = {name: [] for name in trainers}
    while any(len(v) < cfg.timed_steps for v in steps.values()):
        for name, trainer in trainers.items():
            n = min(per_round, cfg.timed_steps - len(steps[name]))
            steps[name] += [trainer.step() for _ in range(n)]
    return steps


def training_figures(steps_s, cfg, num_steps, epochs, post_s=None):
    """Step time -> chars/s and projected seconds per epoch / per the post's run."""
    step = median(steps_s)
    per_epoch = epoch_size(POST_CORPUS_CHARS, cfg.batch_size, num_steps)
    fig = {"num_steps": num_steps, "batch_size": cfg.batch_size, "steps_s": steps_s, "step_s": step,
           "chars_per_s": cfg.batch_size * num_steps / step, "batches_per_epoch": per_epoch,
           "epoch_s": per_epoch * step, "projected_epochs": epochs, "projected_s": epochs * per_epoch * step}
    if post_s is not None:
        fig["post_s"] = post_s
        fig["post_over_ours"] = post_s / fig["projected_s"]
    return fig


def bench_graphs(cfg, parts, results):
    """The post's four graphs at ``cfg.graph_steps``: build part and (for the three LSTMs) train part."""
    kwargs = dict(state_size=cfg.state_size, batch_size=cfg.batch_size, num_steps=cfg.graph_steps)
    for name, builder in graph_builders().items():
        train = "train" in parts and name != "list_basic_rnn"
        if "build" not in parts and not train:
            continue
        extra = {} if name == "list_basic_rnn" else {"num_layers": cfg.num_layers}
        n_builds = cfg.build_repeats if "build" in parts else 1
        r = time_graph(lambda: builder(**kwargs, **extra), n_builds, cfg, cfg.graph_steps,
                       cfg.timed_steps if train else 0)
        if "build" in parts:
            results["build"][name] = {
                "label": GRAPH_LABELS[name], "num_steps": cfg.graph_steps, "builds_s": r["builds_s"],
                "build_s": r["build_s"], "init_s": r["init_s"], "first_step_s": r["first_step_s"],
                "first_run_s": r["first_run_s"], "post_build_s": POST_BUILD_S[name],
                "post_over_ours": POST_BUILD_S[name] / r["build_s"],
            }
            log(f"build  {name:15s} {r['build_s']:7.3f} s (median of {len(r['builds_s'])}; post "
                f"{POST_BUILD_S[name]} s)   first session.run {r['first_run_s']:.3f} s")
        if train:
            fig = training_figures(r["steps_s"], cfg, cfg.graph_steps, 3, POST_3_EPOCHS_S[name])
            fig["label"] = GRAPH_LABELS[name]
            results["train"][name] = fig
            log(f"train  {name:15s} {fig['step_s'] * 1e3:8.1f} ms/step {fig['chars_per_s']:9.0f} chars/s   "
                f"3 epochs ~{fig['projected_s']:.1f} s (post {POST_3_EPOCHS_S[name]} s)")


def bench_cells(cfg, results):
    """Each ``build_graph`` cell at ``cfg.cell_steps`` steps, timed in turns (:func:`time_interleaved`)."""
    from .model import build_graph

    trainers = {}
    try:
        for cell in cell_types():
            def build(cell=cell):
                return build_graph(cell_type=cell, state_size=cfg.state_size, batch_size=cfg.batch_size,
                                   num_steps=cfg.cell_steps, num_layers=cfg.num_layers)

            trainers[cell] = _Trainer(build, 1, cfg, cfg.cell_steps)
        steps = time_interleaved(trainers, cfg)
    finally:
        for trainer in trainers.values():
            trainer.close()
    for cell, trainer in trainers.items():
        fig = training_figures(steps[cell], cfg, cfg.cell_steps, 20, POST_20_EPOCHS_S.get(cell.replace("_fast", "")))
        fig.update(label=f"build_graph(cell_type={cell!r})", build_s=trainer.out["build_s"],
                   first_run_s=trainer.out["first_run_s"])
        results["train"][cell] = fig
        post = f" (post {fig['post_s']} s)" if "post_s" in fig else ""
        log(f"train  {cell:15s} {fig['step_s'] * 1e3:8.1f} ms/step {fig['chars_per_s']:9.0f} chars/s   "
            f"20 epochs ~{fig['projected_s']:.0f} s{post}")


# --- generation ----------------------------------------------------------------------------------

def save_quick_checkpoint(path, cfg, cell_type="GRU"):
    """A freshly initialised (untrained) ``build_graph`` checkpoint: generation speed does not depend on training."""
    from .model import build_graph

    g = build_graph(cell_type=cell_type, state_size=cfg.state_size, batch_size=1, num_steps=1,
                    num_layers=cfg.num_layers)
    with tf.Session(config=session_config()) as sess:
        sess.run(tf.global_variables_initializer())
        checkpoint.save(sess, g, path, bundled_corpus().vocab)
    return path


def _rate(fn, n_small, n_large, repeats=3):
    """Time ``fn(n)`` at two lengths, best of ``repeats`` each: end-to-end chars/s at ``n_large``, and the
    per-character (marginal) rate ``(n_large - n_small) / (t_large - t_small)``, free of fixed costs."""
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


def bench_generate(cfg, results):
    """``generate_characters`` against the in-graph sampler, on one untrained checkpoint.

    Both per-character rates are steady-state: ``generate_characters`` runs on a graph
    built once (its own cost per call is a session and a restore), and the in-graph
    sampler's loop is timed in one session with its graph built once. End to end,
    ``sample_in_graph`` (build + restore + loop) is timed as a user calls it.
    """
    from .fast import build_sampler, sample_in_graph
    from .generate import generate_characters, session_config as generation_config

    gen = results["generate"]
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = save_quick_checkpoint(Path(tmp) / "GRU", cfg)
        g = checkpoint.build_from_checkpoint(ckpt, batch_size=1, num_steps=1)
        n_small, n_large = cfg.gen_chars, 4 * cfg.gen_chars  # long enough for fixed costs to cancel
        gen["checkpoint"] = {"cell_type": "GRU", "state_size": cfg.state_size, "num_layers": cfg.num_layers,
                             "trained": False}
        r = _rate(lambda n: generate_characters(g, ckpt, n, "A", 5, seed=0, verbose=False), n_small, n_large)
        r["label"] = "generate_characters (one session.run per character; graph built once)"
        gen["generate_characters"] = r
        log(f"gen    generate_characters {r['chars_per_s']:9.0f} chars/s ({r['chars']} chars in {r['seconds']:.2f} s)")
        r = _rate(lambda n: sample_in_graph(str(ckpt), n, prompt="A", pick_top_chars=5, seed=0), n_small, n_large)
        r["label"] = "fast.sample_in_graph (whole loop in one session.run; includes its graph build)"
        gen["sample_in_graph"] = r
        sampler = build_sampler(checkpoint.read_meta(ckpt)[0], pick_top_chars=5)
        with tf.Session(config=generation_config()) as sess:
            checkpoint.restore(sess, sampler, ckpt)
            rng = np.random.default_rng(0)

            def run_loop(n):
                sess.run(sampler["chars"], {sampler["prompt"]: [0], sampler["uniforms"]: rng.random(n)})

            loop = _rate(run_loop, 10 * n_small, 10 * n_large)
        gen["sample_in_graph"]["loop_chars_per_s"] = loop["marginal_chars_per_s"]
        gen["in_graph_over_python"] = r["chars_per_s"] / gen["generate_characters"]["chars_per_s"]
        gen["in_graph_over_python_marginal"] = (loop["marginal_chars_per_s"]
                                                / gen["generate_characters"]["marginal_chars_per_s"])
        log(f"gen    sample_in_graph     {r['chars_per_s']:9.0f} chars/s (x{gen['in_graph_over_python']:.1f} "
            f"generate_characters end to end, x{gen['in_graph_over_python_marginal']:.1f} per character)")


# --- peers: Keras 3 and PyTorch in child processes; cuDNN in our graph mode -----------------------

# Each child prints one JSON line. They never import r2rt_rnn: it disables eager
# execution and switches tf.keras to the legacy package for the whole process.
KERAS_PEER = r'''
import json, os, sys, time, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
cfg = json.loads(sys.argv[1])
import numpy as np
import tensorflow as tf
import keras
B, T, H, V, L = cfg["batch_size"], cfg["num_steps"], cfg["state_size"], cfg["num_classes"], cfg["num_layers"]
keras.utils.set_random_seed(2345)
inputs = keras.Input(shape=(T,), batch_size=B, dtype="int32")
h = keras.layers.Embedding(V, H)(inputs)
for _ in range(L):
    h = keras.layers.LSTM(H, return_sequences=True)(h)
model = keras.Model(inputs, keras.layers.Dense(V)(h))
model.compile(optimizer=keras.optimizers.Adam(1e-4),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
rng = np.random.default_rng(0)
def batch():
    return rng.integers(0, V, (B, T)).astype("int32"), rng.integers(0, V, (B, T)).astype("int32")
t = time.perf_counter(); model.train_on_batch(*batch()); first = time.perf_counter() - t
for _ in range(cfg["warmup_steps"]):
    model.train_on_batch(*batch())
steps = []
for _ in range(cfg["timed_steps"]):
    x, y = batch(); t = time.perf_counter(); model.train_on_batch(x, y); steps.append(time.perf_counter() - t)
step = statistics.median(steps)
print(json.dumps({"ok": True, "framework": "keras", "version": keras.__version__, "backend": keras.backend.backend(),
                  "tf_version": tf.__version__, "device": "GPU" if tf.config.list_physical_devices("GPU") else "CPU",
                  "first_step_s": first, "steps_s": steps, "step_s": step, "chars_per_s": B * T / step,
                  "threads": "TF default (0 = all usable cores)"}))
'''

TORCH_PEER = r'''
import json, os, sys, time, statistics
cfg = json.loads(sys.argv[1])
import torch
from torch import nn
B, T, H, V, L = cfg["batch_size"], cfg["num_steps"], cfg["state_size"], cfg["num_classes"], cfg["num_layers"]
torch.set_num_threads(cfg["threads"])
torch.manual_seed(2345)
dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, H)
        self.lstm = nn.LSTM(H, H, num_layers=L, batch_first=True)
        self.out = nn.Linear(H, V)
    def forward(self, x, state=None):
        h, state = self.lstm(self.embed(x), state)
        return self.out(h), state
model = CharLSTM().to(dev)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
loss_fn = nn.CrossEntropyLoss()
state = None
def step():
    global state
    x = torch.randint(0, V, (B, T), device=dev); y = torch.randint(0, V, (B, T), device=dev)
    if dev.type == "cuda": torch.cuda.synchronize()
    t = time.perf_counter()
    logits, new_state = model(x, state)
    loss = loss_fn(logits.reshape(-1, V), y.reshape(-1))
    opt.zero_grad(); loss.backward(); opt.step()
    state = tuple(s.detach() for s in new_state)  # carry the state, truncated backprop
    loss.item()
    return time.perf_counter() - t
first = step()
for _ in range(cfg["warmup_steps"]):
    step()
steps = [step() for _ in range(cfg["timed_steps"])]
s = statistics.median(steps)
print(json.dumps({"ok": True, "framework": "torch", "version": torch.__version__, "device": dev.type.upper(),
                  "threads": torch.get_num_threads(), "first_step_s": first, "steps_s": steps, "step_s": s,
                  "chars_per_s": B * T / s}))
'''


def run_peer(script, cfg_dict, timeout):
    """Run a peer script in a clean child process; returns its JSON dict or ``{'ok': False, 'error': ...}``."""
    env = dict(os.environ)
    env.pop("TF_USE_LEGACY_KERAS", None)  # the child uses Keras 3, as a user of today's TensorFlow would
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        proc = subprocess.run([sys.executable, "-c", script, json.dumps(cfg_dict)], capture_output=True,
                              text=True, env=env, timeout=timeout, cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout} s"}
    for line in reversed(proc.stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"ok": False, "error": f"exit {proc.returncode}: " + " | ".join(tail)[-500:]}


def cudnn_lstm_graph(cfg, num_classes):
    """The same 3-layer LSTM with tf_keras's ``CuDNNLSTM`` layers, in our TF1 graph mode (GPU only).

    State is carried between batches through ``initial_state`` placeholders, as in our graphs.
    """
    from .graphs import common

    common.reset_graph()
    B, T, H = cfg.batch_size, cfg.cell_steps, cfg.state_size
    x, y = common.placeholders(B, T)
    h = common.embed(x, num_classes, H)
    init_state, final_state = [], []
    for layer in range(cfg.num_layers):
        c0 = tf.placeholder_with_default(tf.zeros([B, H]), [B, H], name=f"c0_{layer}")
        h0 = tf.placeholder_with_default(tf.zeros([B, H]), [B, H], name=f"h0_{layer}")
        lstm = tf.keras.layers.CuDNNLSTM(H, return_sequences=True, return_state=True)
        h, h_n, c_n = lstm(h, initial_state=[h0, c0])
        init_state.append((c0, h0))
        final_state.append((c_n, h_n))
    logits = common.softmax_logits(tf.reshape(h, [-1, H]), H, num_classes)
    total_loss = common.mean_loss(logits, tf.reshape(y, [-1]))
    config = {"learning_rate": 1e-4}
    return common.finish(config, x, y, tuple(init_state), tuple(final_state), total_loss)


def bench_peers(cfg, results):
    peers = results["peers"]
    peer_cfg = {"batch_size": cfg.batch_size, "num_steps": cfg.cell_steps, "state_size": cfg.state_size,
                "num_layers": cfg.num_layers, "num_classes": bundled_corpus().vocab_size,
                "warmup_steps": cfg.warmup_steps, "timed_steps": cfg.timed_steps, "threads": usable_cores()}
    r = run_peer(KERAS_PEER, peer_cfg, cfg.peer_timeout_s)
    r["label"] = "Keras 3 (keras.layers.LSTM x3, train_on_batch, own process)"
    peers["keras3"] = r
    _log_peer("keras3", r)
    if importlib.util.find_spec("torch") is not None:
        r = run_peer(TORCH_PEER, peer_cfg, cfg.peer_timeout_s)
        r["label"] = f"PyTorch nn.LSTM(num_layers=3), {usable_cores()} threads, own process"
        peers["torch"] = r
        _log_peer("torch", r)
    else:
        peers["torch"] = {"ok": False, "skipped": True, "error": "torch is not importable (pip install .[torch])"}
        log("peer   torch           skipped: torch is not importable")
    if GPUS:
        try:
            r = time_graph(lambda: cudnn_lstm_graph(cfg, bundled_corpus().vocab_size), 1, cfg, cfg.cell_steps,
                           cfg.timed_steps)
            fig = training_figures(r["steps_s"], cfg, cfg.cell_steps, 20)
            fig.update(ok=True, label="TF1 graph mode, tf.compat.v1.keras.layers.CuDNNLSTM x3", device="GPU",
                       build_s=r["build_s"], first_run_s=r["first_run_s"])
        except Exception as exc:  # noqa: BLE001 - report what did not work
            fig = {"ok": False, "label": "TF1 graph mode, CuDNNLSTM", "error": f"{type(exc).__name__}: {exc}"[:500]}
        peers["tf1_cudnn"] = fig
        _log_peer("tf1_cudnn", fig)
    # Ratios to our LSTM and to our fastest LSTM (same model, same sizes).
    ours = {c: results["train"][c]["chars_per_s"] for c in ("LSTM",) if c in results["train"]}
    if ours:
        fastest = max(ours, key=ours.get)
        results["ours_fastest_lstm"] = {"cell_type": fastest, "chars_per_s": ours[fastest]}
        for r in peers.values():
            if r.get("ok"):
                if "LSTM" in ours:
                    r["ratio_to_our_lstm"] = r["chars_per_s"] / ours["LSTM"]
                r["ratio_to_our_fastest_lstm"] = r["chars_per_s"] / ours[fastest]


def _log_peer(name, r):
    if r.get("ok"):
        log(f"peer   {name:15s} {r['step_s'] * 1e3:8.1f} ms/step {r['chars_per_s']:9.0f} chars/s  ({r.get('device', '')})")
    else:
        log(f"peer   {name:15s} FAILED: {r.get('error')}")


# --- report --------------------------------------------------------------------------------------

def _f(x, digits=2):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def markdown(results):
    m, d = results["meta"], results["meta"]["device"]
    lines = [f"# r2rt_rnn benchmark — {d['type']}: {d['name']}", ""]
    if m["config"]["quick"]:
        lines += ["**Quick mode**: sizes scaled down (see config); projections are not comparable with the post.", ""]
    lines += [
        f"- command: `{m['command']}`",
        f"- TensorFlow {d['tf_version']} (graph mode, tf.compat.v1), Python {d['python']}",
        f"- device: {d['type']} — {d['name']}; CPU {d['cpu_model']}, {d['cores_usable']} usable of "
        f"{d['cores_total']} cores; 1-min load average at start {_f(d.get('load_average_1m'))}",
        f"- session threads: intra_op {d['session']['intra_op_parallelism_threads']}, inter_op "
        f"{d['session']['inter_op_parallelism_threads']} ({d['session']['note']})",
        f"- sizes: batch {m['config']['batch_size']}, state {m['config']['state_size']}, "
        f"{m['config']['num_layers']} layers; {m['config']['timed_steps']} timed steps after "
        f"{m['config']['warmup_steps']} warm-up; builds: median of {m['config']['build_repeats']}",
        "- The post's figures: a 2016 TensorFlow (0.x) on the author's unnamed machine.", "",
    ]
    if results["build"]:
        lines += ["## Graph build", "",
                  "| graph | steps | build (s, ours) | build (s, post) | post / ours | first session.run (s) |",
                  "|---|---|---|---|---|---|"]
        for r in results["build"].values():
            lines.append(f"| {r['label']} | {r['num_steps']} | {_f(r['build_s'], 3)} | {r['post_build_s']} | "
                         f"{_f(r['post_over_ours'], 1)}x | {_f(r['first_run_s'], 3)} |")
        lines.append("")
    train = results["train"]
    graphs = [k for k in train if k in GRAPH_LABELS]
    cells = [k for k in train if k not in GRAPH_LABELS]
    if graphs:
        lines += ["## Training, post's graph styles (3 epochs of tiny-shakespeare)", "",
                  "| graph | steps | ms/step | chars/s | s/epoch | 3 epochs (s, projected) | 3 epochs (s, post) | post / ours |",
                  "|---|---|---|---|---|---|---|---|"]
        for k in graphs:
            r = train[k]
            lines.append(f"| {r['label']} | {r['num_steps']} | {_f(r['step_s'] * 1e3, 1)} | {_f(r['chars_per_s'], 0)} | "
                         f"{_f(r['epoch_s'], 1)} | {_f(r['projected_s'], 1)} | {r['post_s']} | {_f(r['post_over_ours'], 1)}x |")
        lines.append("")
    if cells:
        lines += ["## Training, cells (20 epochs of tiny-shakespeare)", "",
                  "| cell | steps | ms/step | chars/s | s/epoch | 20 epochs (s, projected) | 20 epochs (s, post) | post / ours |",
                  "|---|---|---|---|---|---|---|---|"]
        for k in cells:
            r = train[k]
            lines.append(f"| {k} | {r['num_steps']} | {_f(r['step_s'] * 1e3, 1)} | {_f(r['chars_per_s'], 0)} | "
                         f"{_f(r['epoch_s'], 1)} | {_f(r['projected_s'], 0)} | {_f(r.get('post_s'), 0)} | "
                         f"{_f(r.get('post_over_ours'), 1) + 'x' if 'post_over_ours' in r else '—'} |")
        lines.append("")
    gen = results["generate"]
    if gen:
        lines += ["## Generation (3-layer GRU, state 100, top-5 sampling)", "",
                  "| method | chars | seconds | chars/s | per-char rate (chars/s) |", "|---|---|---|---|---|"]
        for k in ("generate_characters", "sample_in_graph"):
            if k in gen:
                r = gen[k]
                per_char = r.get("loop_chars_per_s", r["marginal_chars_per_s"])
                lines.append(f"| {r['label']} | {r['chars']} | {_f(r['seconds'], 3)} | {_f(r['chars_per_s'], 0)} | "
                             f"{_f(per_char, 0)} |")
        if "in_graph_over_python" in gen:
            lines += ["", "Per character: generate_characters' marginal rate (two lengths, fixed costs cancel); "
                          "sample_in_graph's loop timed the same way in one session, its graph built once.", "",
                      f"sample_in_graph / generate_characters: {_f(gen['in_graph_over_python'], 1)}x end to end, "
                      f"{_f(gen['in_graph_over_python_marginal'], 1)}x per character."]
        lines.append("")
    if results["peers"]:
        fastest = results.get("ours_fastest_lstm", {})
        lines += ["## Peers: the same 3-layer LSTM (embedding 65->100, 3x LSTM(100), dense 65, Adam 1e-4)", "",
                  f"Our fastest LSTM here: `{fastest.get('cell_type', '—')}` at {_f(fastest.get('chars_per_s'), 0)} chars/s.",
                  "", "| implementation | device | ms/step | chars/s | vs our LSTM | vs our fastest LSTM |",
                  "|---|---|---|---|---|---|"]
        for k in ("LSTM",):
            if k in train:
                lines.append(f"| ours: build_graph(cell_type='{k}') | {d['type']} | {_f(train[k]['step_s'] * 1e3, 1)} | "
                             f"{_f(train[k]['chars_per_s'], 0)} | {_f(train[k]['chars_per_s'] / train['LSTM']['chars_per_s'], 2) + 'x' if 'LSTM' in train else '—'} | "
                             f"{_f(train[k]['chars_per_s'] / fastest['chars_per_s'], 2) + 'x' if fastest else '—'} |")
        for k, r in results["peers"].items():
            if r.get("ok"):
                lines.append(f"| {r['label']} | {r.get('device', '')} | {_f(r['step_s'] * 1e3, 1)} | {_f(r['chars_per_s'], 0)} | "
                             f"{_f(r.get('ratio_to_our_lstm'), 2)}x | {_f(r.get('ratio_to_our_fastest_lstm'), 2)}x |")
            else:
                error = " ".join(str(r.get("error", "")).replace("|", "/").split())[-200:]
                lines.append(f"| {r.get('label', k)} | — | — | — | not run: {error} | |")
        lines.append("")
    lines.append(f"Total benchmark time: {_f(m.get('total_s'), 1)} s.")
    if results.get("targets"):
        lines += ["", "## Speed targets", "", "| ratio | this run | target | met |", "|---|---|---|---|"]
        for t in results["targets"].values():
            lines.append(f"| {t['what']} | {_f(t['ratio'], 2)} | {t['target']} | {'yes' if t['met'] else 'no'} |")
    return "\n".join(lines) + "\n"


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    build = results["build"]
    if build:
        names = list(build)
        xs = np.arange(len(names))
        ax1.bar(xs - 0.2, [build[n]["build_s"] for n in names], 0.4, label="ours")
        ax1.bar(xs + 0.2, [build[n]["post_build_s"] for n in names], 0.4, label="post (2016)")
        ax1.set_xticks(xs, [n.replace("_", "\n") for n in names])
        ax1.set_yscale("log")
        ax1.set_ylabel("graph build (s, log)")
        ax1.legend()
    ax1.set_title("Graph build time")
    bars = {k: v["chars_per_s"] for k, v in results["train"].items()}
    bars.update({f"peer:{k}": v["chars_per_s"] for k, v in results["peers"].items() if v.get("ok")})
    if bars:
        colors = ["tab:orange" if k.startswith("peer:") else "tab:blue" for k in bars]
        ax2.bar(range(len(bars)), list(bars.values()), color=colors)
        ax2.set_xticks(range(len(bars)), list(bars), rotation=45, ha="right", fontsize=8)
        ax2.set_ylabel("training chars/s")
    d = results["meta"]["device"]
    ax2.set_title(f"Training throughput ({d['type']}: {d['name'][:40]})")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# --- entry points ---------------------------------------------------------------------------------

# The speed goals this project set itself (issue 7), as (ratio, at least / at most, bound).
TARGETS = {
    "fastest_lstm_over_torch": ("our fastest LSTM's chars/s / PyTorch nn.LSTM's", ">=", 1.0),
    "fastest_lstm_over_keras3": ("our fastest LSTM's chars/s / Keras 3's", ">=", 1.4),
    "ln_lstm_step_over_lstm": ("LN_LSTM step time / LSTM step time (the post's cell)", "<=", 1.5),
    "ln_lstm_fast_step_over_lstm": ("LN_LSTM_fast step time / LSTM step time", "<=", 1.5),
    "in_graph_over_python": ("sample_in_graph chars/s / generate_characters' (per character)", ">=", 10.0),
}


def speed_targets(results):
    """The ratios named in :data:`TARGETS` that this run measured, each with whether it met its bound."""
    train, gen, peers = results["train"], results["generate"], results["peers"]
    ratios = {}
    fastest = results.get("ours_fastest_lstm", {}).get("chars_per_s")
    for key, peer in (("fastest_lstm_over_torch", "torch"), ("fastest_lstm_over_keras3", "keras3")):
        if fastest and peers.get(peer, {}).get("ok"):
            ratios[key] = fastest / peers[peer]["chars_per_s"]
    for key, cell in (("ln_lstm_step_over_lstm", "LN_LSTM"), ("ln_lstm_fast_step_over_lstm", "LN_LSTM_fast")):
        if cell in train and "LSTM" in train:
            ratios[key] = train[cell]["step_s"] / train["LSTM"]["step_s"]
    if "in_graph_over_python_marginal" in gen:
        ratios["in_graph_over_python"] = gen["in_graph_over_python_marginal"]
    return {k: {"what": TARGETS[k][0], "ratio": v, "target": f"{TARGETS[k][1]} {TARGETS[k][2]}",
                "met": v >= TARGETS[k][2] if TARGETS[k][1] == ">=" else v <= TARGETS[k][2]}
            for k, v in ratios.items()}


def run_benchmark(out="bench_out", parts=PARTS, cfg=None, command=None):
    """Run the chosen ``parts`` and write ``benchmark.json``, ``benchmark.md`` and ``benchmark.png`` into ``out``.

    Returns the results dict (what ``benchmark.json`` holds).
    """
    cfg = cfg or BenchConfig()
    parts = tuple(parts)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise R2RTError(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results = {"meta": {"command": command or f"run_benchmark(parts={list(parts)})", "parts": list(parts),
                        "config": asdict(cfg), "device": device_info(),
                        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")},
               "build": {}, "train": {}, "generate": {}, "peers": {}}
    d = results["meta"]["device"]
    log(f"bench  {d['type']}: {d['name']} | TF {d['tf_version']} | {d['cores_usable']} cores | "
        f"session threads intra/inter = 0/0 (TF default) | parts: {','.join(parts)}")
    if "build" in parts or "train" in parts:
        bench_graphs(cfg, parts, results)
    if "train" in parts or "peers" in parts:
        bench_cells(cfg, results)  # the peers' ratios need our LSTM's figure
    if "generate" in parts:
        bench_generate(cfg, results)
    if "peers" in parts:
        bench_peers(cfg, results)
    results["targets"] = speed_targets(results)
    results["meta"]["total_s"] = time.perf_counter() - t0
    (out / "benchmark.json").write_text(json.dumps(results, indent=1))
    (out / "benchmark.md").write_text(markdown(results))
    plot(results, out / "benchmark.png")
    log(f"bench  done in {results['meta']['total_s']:.1f} s: {out / 'benchmark.json'}, benchmark.md, benchmark.png")
    return results


def add_arguments(parser):
    parser.add_argument("--out", default="bench_out", help="directory for benchmark.json / .md / .png")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few steps (seconds; for tests)")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated subset of " + ",".join(PARTS))
    parser.add_argument("--repeats", type=int, default=None, help="graph builds per graph (median reported)")
    parser.add_argument("--steps", type=int, default=None, help="timed training steps per model (after warm-up)")


def main(args):
    cfg = BenchConfig.quick_config() if args.quick else BenchConfig()
    if args.repeats is not None:
        cfg.build_repeats = args.repeats
    if args.steps is not None:
        cfg.timed_steps = args.steps
    if cfg.build_repeats < 1 or cfg.timed_steps < 1:
        raise R2RTError("--repeats and --steps must be at least 1")
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    command = "python -m r2rt_rnn bench " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] else None
    run_benchmark(args.out, parts, cfg, command=command)
    return 0
