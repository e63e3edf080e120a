"""Figures measured outside this project for the same three PTB configs, to quote beside ours.

``docs/results/ptb_pytorch_h200.jsonl`` (copied from the workplace's ``shared/anchors``, where its
README says how it was made): the tutorial's small/medium/large configs as a plain PyTorch
``nn.LSTM`` (cuDNN) model on one NVIDIA H200 GPU, PyTorch 2.11, measured 2026-12-04. Not
TensorFlow and not this machine: quoted as a GPU's figures for the same arithmetic.
"""
import json
from pathlib import Path

from ..runtime.errors import R2RTError


def load(path):
    """The anchor file as ``{"wps": {config: {"fp32": event, "tf32": event}}, "runs": {config: [epoch events]},
    "test": {config: event}}``; ``runs`` holds each config's longest fp32 run of consecutive epochs from 1."""
    events = read_events(path)
    wps, test = {}, {}
    for e in events:
        precision = "tf32" if e.get("tf32") else "fp32"
        if e["event"] == "wps":
            wps.setdefault(e["config"], {})[precision] = e
        elif e["event"] == "test" and precision == "fp32":
            test[e["config"]] = e
    return {"wps": wps, "runs": longest_runs(e for e in events if e["event"] == "epoch" and not e.get("tf32")),
            "test": test}


def read_events(path):
    """The file's JSON lines, one event each; R2RTError naming the file if it cannot be read."""
    try:
        return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as e:
        raise R2RTError(f"cannot read the anchor figures {path} ({e}); restore docs/results/ from git") from None


def longest_runs(epochs):
    """Each config's longest run of consecutive ``epochs`` events from epoch 1 (a line the file repeats counted
    once): ``{config: [event, ...]}``."""
    runs, current = {}, {}
    for e in epochs:
        run = current.setdefault(e["config"], [])
        if e["epoch"] == 1 or (run and run[-1]["epoch"] != e["epoch"] - 1):
            run = current[e["config"]] = []  # a new run starts
        if not run or run[-1] != e:
            run.append(e)
        if len(run) > len(runs.get(e["config"], [])):
            runs[e["config"]] = run
    return runs
