#!/usr/bin/env python
"""Stress test (not run by CI): Ctrl-C at random instants to the slides' trainers, called from Python as a notebook
calls them: the sorter (Adam or momentum SGD) and the classifier with its held-out evaluation every few steps.

Each try starts a fresh process, sends SIGINT after a random delay (the import, the graph, any step, an evaluation)
and judges it from outside:

OK         the process ended within ``--timeout`` s with ``TrainingInterrupted: interrupted`` or, before training
           started, ``KeyboardInterrupt`` as its last stderr line
finished   it ended by itself before the signal
BAD        any other ending (another exception, a crash, a signal), or still running ``--timeout`` s after

    python scripts/stress_slides.py --tries 40

Exit status 1 if any try was BAD.
"""
import argparse
import collections
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROGRAMS = {
    "sorter": "from r2rt_rnn.architectures.sorting import train_sorter\n"
              "train_sorter(steps=10**8, log_every=0, n_train=500, n_test=10, optimizer={optimizer!r})",
    "classifier": "from r2rt_rnn.architectures.many_to_one import load_sources, make_windows, train_many_to_one\n"
                  "data = make_windows(load_sources(), seq_length=16, train_per_class=64, test_per_class=16, seed=0)\n"
                  "train_many_to_one(data, steps=10**8, batch_size=8, state_dim=8, n_layers=1, eval_every=5,"
                  " log_every=0)",
}


def one_try(name, delay, timeout):
    code = "import r2rt_rnn\nr2rt_rnn.quiet()\n" + PROGRAMS[name].format(optimizer=random.choice(["adam", "momentum"]))
    # SIG_DFL first: started from a background job, the child would inherit SIGINT ignored, and Python installs
    # its KeyboardInterrupt handler only over the default (a terminal or a notebook kernel gives it the default)
    proc = subprocess.Popen([sys.executable, "-u", "-c", code], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(delay)
    if proc.poll() is not None:
        return "finished", ""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return "BAD", f"still running {timeout} s after Ctrl-C"
    lines = proc.stderr.read().strip().splitlines()
    last = lines[-1] if lines else ""
    if proc.returncode != 0 and ("TrainingInterrupted: interrupted" in last or last == "KeyboardInterrupt"):
        return "OK", last
    return "BAD", f"exit {proc.returncode}: {last}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=40)
    parser.add_argument("--max-delay", type=float, default=15.0, help="latest SIGINT, seconds after the start")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    counts = collections.Counter()
    for i in range(args.tries):
        name, delay = random.choice(sorted(PROGRAMS)), random.uniform(0.5, args.max_delay)
        verdict, detail = one_try(name, delay, args.timeout)
        counts[verdict] += 1
        print(f"{i + 1:3d} {name:10s} SIGINT at {delay:5.1f} s: {verdict} {detail}", flush=True)
    print(dict(counts))
    return 1 if counts["BAD"] else 0


if __name__ == "__main__":
    sys.exit(main())
