"""The peers part: the same 3-layer LSTM in Keras 3 and PyTorch (child processes), and cuDNN in our graph mode.

The Keras 3 and PyTorch peers are the scripts in :mod:`r2rt_rnn.bench.peer_scripts`,
each run by path in a fresh interpreter that never imports r2rt_rnn. On a GPU, a
cuDNN LSTM is also timed here, in our TF1 graph mode. Each peer's speed is then
given as a ratio to our ``LSTM`` cell's (same model, same sizes).
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

from ..cell_types import fastest
from ..data import bundled_corpus
from ..graphs import common
from ..runtime.machine import gpus, usable_cores
from ..tf1 import tf
from .peer_scripts import KERAS_LSTM, TORCH_LSTM
from .timing import log, time_graph
from .training import batches, training_figures


def peer_env():
    """The environment of a peer's process: ours, minus what r2rt_rnn sets for itself."""
    env = dict(os.environ)
    env.pop("TF_USE_LEGACY_KERAS", None)  # the child uses Keras 3, as a user of today's TensorFlow would
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"  # our sessions and the peers share one GPU
    return env


def run_peer(script, cfg_dict, timeout):
    """Run a peer script by path in a child process; returns its JSON dict or ``{'ok': False, 'error': ...}``."""
    try:
        proc = subprocess.run([sys.executable, str(script), json.dumps(cfg_dict)], capture_output=True,
                              text=True, env=peer_env(), timeout=timeout, cwd=tempfile.gettempdir())
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
    config = {"learning_rate": cfg.learning_rate}
    return common.finish(config, x, y, tuple(init_state), tuple(final_state), total_loss)


def _time_cudnn(cfg):
    try:
        r = time_graph(lambda: cudnn_lstm_graph(cfg, bundled_corpus().vocab_size), 1,
                       batches(cfg.batch_size, cfg.cell_steps), cfg.warmup_steps, cfg.timed_steps)
        fig = training_figures(r["steps_s"], cfg, cfg.cell_steps, cfg.cell_epochs)
        fig.update(ok=True, label="TF1 graph mode, tf.compat.v1.keras.layers.CuDNNLSTM x3", device="GPU",
                   build_s=r["build_s"], first_run_s=r["first_run_s"])
    except Exception as exc:  # noqa: BLE001 - report what did not work
        fig = {"ok": False, "label": "TF1 graph mode, CuDNNLSTM", "error": f"{type(exc).__name__}: {exc}"[:500]}
    return fig


def bench_peers(cfg, results):
    """Time the peers into ``results["peers"]``; needs our ``LSTM`` cell's figure in ``results["train"]``."""
    peers = results["peers"]
    peer_cfg = {"batch_size": cfg.batch_size, "num_steps": cfg.cell_steps, "state_size": cfg.state_size,
                "num_layers": cfg.num_layers, "num_classes": bundled_corpus().vocab_size,
                "learning_rate": cfg.learning_rate, "seed": cfg.seed,
                "warmup_steps": cfg.warmup_steps, "timed_steps": cfg.timed_steps, "threads": usable_cores()}
    r = run_peer(KERAS_LSTM, peer_cfg, cfg.peer_timeout_s)
    r["label"] = "Keras 3 (keras.layers.LSTM x3, train_on_batch, own process)"
    peers["keras3"] = r
    _log_peer("keras3", r)
    if importlib.util.find_spec("torch") is not None:
        r = run_peer(TORCH_LSTM, peer_cfg, cfg.peer_timeout_s)
        r["label"] = f"PyTorch nn.LSTM(num_layers={cfg.num_layers}), {usable_cores()} threads, own process"
        peers["torch"] = r
        _log_peer("torch", r)
    else:
        peers["torch"] = {"ok": False, "skipped": True, "error": "torch is not importable (pip install .[torch])"}
        log("peer   torch           skipped: torch is not importable")
    if gpus():
        peers["tf1_cudnn"] = _time_cudnn(cfg)
        _log_peer("tf1_cudnn", peers["tf1_cudnn"])
    # Ratios to our LSTM and to our fastest way of computing that model (the same model, the same sizes).
    quickest = fastest("LSTM")
    lstm, fast = results["train"].get("LSTM"), results["train"].get(quickest)
    if fast:
        results["ours_fastest_lstm"] = {"cell_type": quickest, "chars_per_s": fast["chars_per_s"]}
    for r in peers.values():
        if r.get("ok") and lstm:
            r["ratio_to_our_lstm"] = r["chars_per_s"] / lstm["chars_per_s"]
        if r.get("ok") and fast:
            r["ratio_to_our_fastest_lstm"] = r["chars_per_s"] / fast["chars_per_s"]


def _log_peer(name, r):
    if r.get("ok"):
        log(f"peer   {name:15s} {r['step_s'] * 1e3:8.1f} ms/step {r['chars_per_s']:9.0f} chars/s  "
            f"({r.get('device', '')})")
    else:
        log(f"peer   {name:15s} FAILED: {r.get('error')}")
