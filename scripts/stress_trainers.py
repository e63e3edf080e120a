#!/usr/bin/env python
"""Stress test (not run by CI): Ctrl-C at random instants to the trainers that share the loop driver.

``scripts/stress_signals.py`` covers ``train``, ``generate`` and SIGKILL during saves; this one sends SIGINT
at a random instant (start-up, the TensorFlow import, the graph, any step, an epoch's save) to real
``minchar`` and ``ptb`` runs (in turn) with ``--save``, and judges each from outside:

OK           exit code 2 and exactly one ``error:`` line saying interrupted; where it says a checkpoint holds
             N epochs (passes), that checkpoint loads and records N
finished     exited by itself before the signal, or had printed its last line when the signal came (the
             command line blocks SIGINT for its last instant: a Ctrl-C then arrives after the work is done)
IGNORED      exit code 0 although the signal was delivered
CRASH        any other exit code, or ended by a signal
TRACEBACK    "Traceback" or "Exception ignored" on stderr
BAD-MESSAGE  exit 2 without that one line, or a checkpoint that does not say what the line says
HANG         still running ``--timeout`` s after the signal

    python scripts/stress_trainers.py --tries 60

Exit status 1 if any try failed.
"""
import argparse
import collections
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "ptb_tiny"


def command(kind, save, text):
    if kind == "minchar":
        return ["minchar", "--text", str(text), "--hidden-size", "8", "--seq-length", "10", "--batch-size", "4",
                "--steps", "5000", "--log-every", "0", "--save", str(save)]
    return ["ptb", "--data-path", str(FIXTURE), "--model", "test", "--max-epochs", "60", "--save", str(save)]


LAST_LINE = {"minchar": "checkpoint: ", "ptb": "checkpoint: "}  # what each prints when its work is done


def judge(code, err, save, done_before_signal=False):
    if code is None:
        return "HANG"
    if "Traceback" in err or "Exception ignored" in err:
        return "TRACEBACK"
    if code == 0:
        return "finished" if done_before_signal else "IGNORED"
    if code != 2:
        return "CRASH"
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    if len(lines) != 1 or "interrupted" not in lines[0]:
        return "BAD-MESSAGE"
    held = re.search(r"holds the (\d+) complete", lines[0])
    if held:
        from r2rt_rnn.runtime import checkpoint

        if checkpoint.load(save).progress.get("epochs_done") != int(held.group(1)):
            return "BAD-MESSAGE"
    return "OK"


def one_try(i, workdir, text, max_delay, timeout):
    kind = ("minchar", "ptb")[i % 2]
    save = workdir / f"{kind}-{i}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    out_path = workdir / f"{kind}-{i}.out"
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "r2rt_rnn", *command(kind, save, text), "--progress", "off"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        delay = random.uniform(0.3, max_delay)
        time.sleep(delay)
        if proc.poll() is not None:
            return kind, delay, "finished", proc.stderr.read()
        done_before_signal = LAST_LINE[kind] in out_path.read_text()  # its work was over: only exiting was left
        os.killpg(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = None
    err = proc.stderr.read()
    return kind, delay, judge(code, err, save, done_before_signal), err


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=60)
    parser.add_argument("--max-delay", type=float, default=12.0, help="latest instant of a signal, in seconds")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    import r2rt_rnn

    r2rt_rnn.quiet()  # this script reads checkpoints too
    random.seed(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="r2rt-stress-trainers-"))
    text = workdir / "text.txt"
    text.write_text((REPO / "data" / "tinyshakespeare.txt").read_text()[:3000])
    counts, failures = collections.Counter(), []
    for i in range(args.tries):
        kind, delay, verdict, err = one_try(i, workdir, text, args.max_delay, args.timeout)
        counts[(kind, verdict)] += 1
        if verdict not in ("OK", "finished"):
            failures.append((kind, delay, verdict, err.strip().splitlines()[-3:]))
        print(f"{i + 1}/{args.tries} {kind} at {delay:.1f} s: {verdict}", flush=True)
    for (kind, verdict), n in sorted(counts.items()):
        print(f"{kind:8s} {verdict:12s} {n}")
    for failure in failures:
        print("FAILED", *failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
