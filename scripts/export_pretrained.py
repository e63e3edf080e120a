"""Export a trained checkpoint as one of the package's shipped models (weights only), with how it was trained.

    python scripts/export_pretrained.py /work/runs/post_GRU/checkpoint --log /work/runs/post_GRU.log \\
        --command "python -m r2rt_rnn train --preset post --save /work/runs/post_GRU/checkpoint --progress lines"

writes ``r2rt_rnn/pretrained/post-GRU/checkpoint.*`` (the model's variables, no Adam slots) and
``training.json`` beside them: the command, the preset and seed, every epoch's training and
validation loss and seconds, the minutes in all, the machine. Run again, it replaces what it wrote
before. It then checks the export: the same tensors as the source's model variables, and the same
sampled text for the same seed from both.
"""
import argparse
import datetime
import json
import re
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

import r2rt_rnn

r2rt_rnn.quiet()  # first: TensorFlow's start-up lines and deprecation warnings stay out of sight
# ruff: noqa: E402 - quiet() must run before the imports below load TensorFlow

from r2rt_rnn import pretrained
from r2rt_rnn.generate import generate_from_checkpoint
from r2rt_rnn.reproduction.presets import PRESETS
from r2rt_rnn.runtime import checkpoint
from r2rt_rnn.runtime.files import replace_atomically
from r2rt_rnn.runtime.machine import describe
from r2rt_rnn.tf1 import tf

MAX_BYTES = 3 * 2**20  # a shipped model stays under 3 MB


def export_weights(source, destination):
    """Restore ``source`` whole, save its trainable variables to ``destination``; returns the new Checkpoint."""
    ckpt = checkpoint.load(source)
    g = checkpoint.build_from_checkpoint(ckpt)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        checkpoint.restore(sess, g, ckpt)
        checkpoint.save(sess, g, destination, ckpt.vocab, ckpt.progress, weights_only=True)
    return checkpoint.load(destination)


def training_seconds(log):
    """The ``It took N seconds to train`` figure of a ``train`` log (None without a log or the line)."""
    if not log:
        return None
    found = re.search(r"It took ([\d.]+) seconds to train", Path(log).read_text(encoding="utf-8"))
    return float(found.group(1)) if found else None


def training_record(name, ckpt, command, preset, log):
    progress = ckpt.progress
    epochs = [{"epoch": i + 1, "train_loss": round(t, 4), "valid_loss": round(v, 4), "seconds": round(s, 1)}
              for i, (t, v, s) in enumerate(zip(progress["losses"], progress["valid_losses"],
                                                progress["epoch_seconds"]))]
    seconds = training_seconds(log) or sum(progress["epoch_seconds"])
    return {
        "model": name, "description": pretrained.MODELS[name], "command": command, "preset": preset,
        "seed": PRESETS[preset].seed, "settings": asdict(PRESETS[preset]),
        "data": "tiny-shakespeare (bundled): the first 1,003,854 characters trained, the last 111,540 validated",
        "epochs": epochs, "final_train_loss": epochs[-1]["train_loss"], "final_valid_loss": epochs[-1]["valid_loss"],
        "train_minutes": round(seconds / 60, 1),
        "minutes_note": "wall clock on a 2-core VM shared with other jobs; the epochs' seconds vary with that load",
        "machine": describe(), "weights_only": True,
        "bytes": sum(p.stat().st_size for p in checkpoint.files(ckpt.path)),
        "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def check_export(source, shipped):
    """The export holds the source's model variables with the same values, and samples the same text."""
    src, dst = checkpoint.load(source), checkpoint.load(shipped)
    expected = {name for name in src.tensors if "Adam" not in name and not name.startswith("beta")}
    assert set(dst.tensors) == expected, sorted(set(dst.tensors) ^ expected)
    for name in expected:
        a = tf.train.load_variable(src.prefix, name)
        b = tf.train.load_variable(dst.prefix, name)
        assert np.array_equal(a, b), name
    texts = [generate_from_checkpoint(c, 200, "A", 5, seed=0, verbose=False) for c in (src, dst)]
    assert texts[0] == texts[1], texts
    return texts[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="the trained checkpoint")
    parser.add_argument("--name", default="post-GRU", choices=pretrained.names())
    parser.add_argument("--preset", default="post", choices=list(PRESETS), help="the preset it was trained with")
    parser.add_argument("--command", required=True, help="the command that trained it, for the record")
    parser.add_argument("--log", default=None, help="the training's log (for its total seconds)")
    args = parser.parse_args(argv)

    folder = pretrained.FOLDER / args.name
    shutil.rmtree(folder, ignore_errors=True)  # what an earlier export wrote
    folder.mkdir(parents=True)
    ckpt = export_weights(args.source, folder / pretrained.CHECKPOINT)
    record = training_record(args.name, ckpt, args.command, args.preset, args.log)
    replace_atomically(folder / pretrained.RECORD, (json.dumps(record, indent=1) + "\n").encode())
    sample = check_export(args.source, ckpt.path)
    assert record["bytes"] < MAX_BYTES, record["bytes"]
    print(f"{ckpt.path}: {record['bytes']:,} bytes, {len(ckpt.tensors)} tensors, final losses "
          f"{record['final_train_loss']} / {record['final_valid_loss']}, {record['train_minutes']} min")
    print(f"same sample from both (seed 0): {sample[:80]!r}...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
