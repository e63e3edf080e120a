#!/usr/bin/env python
"""Stress test (not run by CI): Ctrl-C and SIGKILL at random instants, over real processes.

Every try starts ``python -m r2rt_rnn ...`` as a new process (in its own session, so a
signal goes to its whole process group, as a terminal's Ctrl-C does) and judges it from
outside: by exit code, standard error and the files left on disk.

``generate``  Trains a tiny checkpoint once, then per try starts ``generate CKPT
              --num-chars 3000 --seed 1`` (every other try with ``--in-graph``), waits a
              random delay spread over start-up (Python, the TensorFlow import, graph
              build, restore) and sampling, and sends SIGINT. The delays are uniform up
              to the instant an uninterrupted run, measured first, had printed all its
              text (about 4 s on an idle 2-core machine; ``--generate-delay`` sets a
              shorter limit), so a try rarely ends before its signal.
``train``     The same for ``train --epochs 2 --save DIR/tN`` on 20,000 characters. Where
              the ``error:`` line says a checkpoint holds N epochs, that checkpoint's
              config must say N and (every ``--check-every``-th time) ``generate`` must
              run from it; where it says nothing was saved, there must be no epochs saved.
``kill``      SIGKILL while ``train`` writes a large checkpoint (2 x 512 GRU, about 40 MB
              with the optimiser's slots) after every short epoch (4,000 characters, no
              validation): mostly within ``--save-window`` s after an epoch's line is
              printed, which is when its save starts; sometimes during start-up. After
              each kill, ``generate`` must load the checkpoint with no fewer epochs than
              were known to be saved ("none-yet" before the first save completed). The
              next try resumes it (``--resume P --save P``), so every try tests resuming
              too. Files beside the checkpoint that it does not use (a save cut short)
              are counted after each kill, and listed if still there once the next run
              holds the lock (it should delete them) and after a last run at the end.

Classes for generate and train: OK = exit code 2 and exactly one ``error:`` line on stderr,
saying interrupted or Ctrl-C; finished = exited by itself before the signal was sent (not
a failure); IGNORED = exit code 0 although the signal was delivered; CRASH = ended by a
signal, or any other exit code; TRACEBACK = "Traceback" or "Exception ignored" on stderr;
BAD-MESSAGE = exit code 2 without that one line, or a line that misstates what was saved;
HANG = still running ``--timeout`` s after the signal. For kill: OK, none-yet, LOST (no
loadable checkpoint after a save had completed, or fewer epochs than were saved), DAMAGED
(a checkpoint that does not load, before any save had completed), RESUME-FAILED (the
resumed ``train`` ended by itself, with an error).

Run it from the repository root; on a loaded 2-core machine a generate or train try takes
about 15 s and a kill try about a minute::

    python scripts/stress_signals.py --tries 200 --which generate,train
    python scripts/stress_signals.py --tries 50 --which kill

It prints the counts per class and, for each failure, its delay, exit code and last
stderr lines; the logs stay in ``--workdir``. Exit status 1 if any try failed, else 0.
"""
import argparse
import collections
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "tinyshakespeare.txt"
TINY = ["--cell", "GRU", "--state-size", "32", "--num-layers", "2", "--num-steps", "20", "--batch-size", "16",
        "--progress", "off"]
LARGE = ["--cell", "GRU", "--state-size", "512", "--num-layers", "2", "--num-steps", "20", "--batch-size", "16",
         "--valid-fraction", "0", "--progress", "off"]  # on 4,000 characters: 12 batches an epoch
FAILURES = {"IGNORED", "CRASH", "TRACEBACK", "BAD-MESSAGE", "HANG", "LOST", "DAMAGED", "RESUME-FAILED"}
EPOCH_LINE = re.compile(r"^Average training loss for Epoch (\d+)", re.M)
HOLDS = re.compile(r"the checkpoint (\S+) holds the (\d+) complete epoch")
FINAL_LINE = "The validation loss after the final epoch was"  # train's last line (with validation)
NOTHING_SAVED = re.compile(r"nothing (new )?was (saved|written)|before anything was written")


# --- running the command ----------------------------------------------------------------------------


class Run:
    """One ``python -m r2rt_rnn ARGS`` process, its stdout and stderr going to files in ``logs``."""

    def __init__(self, args, logs, name, cwd, redirect=None):  # redirect: through bash, e.g. ">&-"
        self.out_path, self.err_path = logs / f"{name}.out", logs / f"{name}.err"
        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "r2rt_rnn", *map(str, args)]
        if redirect:
            command = ["bash", "-c", f"exec {shlex.join(command)} {redirect}"]
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.started = time.monotonic()

    def send(self, signum):
        """Send ``signum`` to the process group; False if the process had already exited (it is not sent)."""
        if self.proc.poll() is not None:
            return False
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            return False
        return True

    def wait(self, timeout):
        """The exit code, or None after ``timeout`` seconds (then the process group is killed)."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            self.proc.wait()
            return None

    def wait_for(self, pattern, count=1, timeout=180.0):
        """Wait until stdout holds ``count`` matches of ``pattern``; False if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(pattern.findall(self.stdout())) >= count:
                return True
            if self.proc.poll() is not None:
                return len(pattern.findall(self.stdout())) >= count
            time.sleep(0.02)
        return False

    def stdout(self):
        return self.out_path.read_text(errors="replace")

    def stderr(self):
        return self.err_path.read_text(errors="replace")


def run_to_end(args, logs, name, cwd, timeout=600):
    """Run a command to its end; returns (exit code or None on timeout, seconds, stdout, stderr)."""
    run = Run(args, logs, name, cwd)
    code = run.wait(timeout)
    return code, time.monotonic() - run.started, run.stdout(), run.stderr()


def measure(args, logs, name, cwd, complete, timeout=600):
    """Run a command without a signal: (exit code, seconds until ``complete(stdout)`` held, stderr).

    That time, start-up and the work without the process's exit, is the window the
    signals are spread over.
    """
    run = Run(args, logs, name, cwd)
    done_at = None
    while run.proc.poll() is None and time.monotonic() < run.started + timeout:
        if done_at is None and complete(run.stdout()):
            done_at = time.monotonic() - run.started
        time.sleep(0.02)
    code = run.wait(max(0.0, run.started + timeout - time.monotonic()))
    return code, done_at or time.monotonic() - run.started, run.stderr()


def classify(code, err, sent, output_done=False):
    """The class of a try that was sent SIGINT (``sent``) or had exited before it could be.

    A signal sent once the command had printed all its output finds it exiting with its status decided (the
    command line blocks SIGINT for its last instant): exit 0 then is "finished", as scripts/stress_trainers.py
    classes it, not a Ctrl-C ignored."""
    if "Fatal Python error: init_import_site" in err:
        return "PYTHON-STARTUP"  # the interpreter itself was still starting: before any line of the program ran
    if "Traceback" in err or "Exception ignored" in err:
        return "TRACEBACK"
    if code is None:
        return "HANG"
    if not sent:
        return "finished" if code == 0 else "CRASH"
    if code == 0:
        return "finished" if output_done else "IGNORED"
    if code != 2:
        return "CRASH"
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    if len(errors) == 1 and re.search(r"interrupt|ctrl-c", errors[0], re.I):
        return "OK"
    return "BAD-MESSAGE"


def tail(text, lines=4):
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip()) or "(empty)"


def report(mode, results, always=("OK", "finished", "IGNORED", "CRASH", "TRACEBACK", "PYTHON-STARTUP")):
    """Print the counts (``always`` those classes, even at 0) and each failure; returns the number of failures."""
    counts = collections.Counter(r["class"] for r in results)
    order = ["OK", "finished", "none-yet"] + sorted(FAILURES)
    print(f"\n{mode}: {len(results)} tries: " + ", ".join(f"{c} {counts[c]}" for c in order
                                                         if c in counts or c in always))
    late = sum(r["class"] == "finished" and r.get("output_done_at_signal") for r in results)
    if late:
        print(f"  ({late} of the finished were sent SIGINT after the command had printed all its output: the "
              "process was already exiting, with its status decided)")
    failed = [r for r in results if r["class"] in FAILURES]
    for r in failed:
        print(f"  try {r['try']}: {r['class']}  " + "  ".join(f"{k} {v}" for k, v in r.items()
                                                               if k not in ("try", "class")))
    return len(failed)


def window(baseline, wanted):
    """The delay window: until an uninterrupted run had printed everything, or ``wanted`` s if that is shorter."""
    return baseline if wanted is None else min(wanted, baseline)


# --- the three modes --------------------------------------------------------------------------------


def stress_generate(args, work, rng):
    folder = work / "generate"
    ckpt = folder / "ckpt"
    code, _, _, err = run_to_end(["train", *TINY, "--epochs", "1", "--text", work / "small.txt", "--save", ckpt],
                                 folder, "setup-train", folder)
    if code != 0:
        sys.exit(f"could not train the checkpoint for generate (exit {code}): {tail(err)}")
    command = ["generate", ckpt, "--num-chars", str(args.num_chars), "--seed", "1"]
    most = {}
    for in_graph in (False, True):
        code, seconds, err = measure(command + (["--in-graph"] if in_graph else []), folder,
                                     f"baseline{'-in-graph' if in_graph else ''}", folder,
                                     lambda out: len(out) >= args.num_chars)
        if code != 0:
            sys.exit(f"generate{' --in-graph' if in_graph else ''} does not run without a signal: {tail(err)}")
        most[in_graph] = window(seconds, args.generate_delay)
    print(f"generate: SIGINT after 0 to {most[False]:.1f} s ({most[True]:.1f} s with --in-graph): until an "
          "uninterrupted run had printed all its text")
    results = []
    for i in range(args.tries):
        in_graph = i % 2 == 1
        run = Run(command + (["--in-graph"] if in_graph else []), folder, f"try{i}", folder)
        delay = rng.uniform(min(args.min_delay, most[in_graph]), most[in_graph])
        time.sleep(max(0.0, run.started + delay - time.monotonic()))
        output_done = len(run.stdout()) >= args.num_chars
        sent = run.send(signal.SIGINT)
        code = run.wait(args.timeout)
        err = run.stderr()
        results.append({"try": i, "class": classify(code, err, sent, output_done), "delay": f"{delay:.2f}s",
                        "in_graph": in_graph, "rc": code, "output_done_at_signal": output_done,
                        "stdout_chars": len(run.stdout()), "stderr": tail(err)})
        progress(i, args.tries, results)
    return report("generate", results)


def stress_train(args, work, rng):
    folder = work / "train"
    command = ["train", *TINY, "--epochs", str(args.train_epochs), "--text", work / "small.txt"]
    code, seconds, err = measure(command + ["--save", folder / "baseline"], folder, "baseline", folder,
                                 lambda out: FINAL_LINE in out)
    if code != 0:
        sys.exit(f"train does not run without a signal (exit {code}): {tail(err)}")
    most = window(seconds, args.train_delay)
    print(f"train: SIGINT after 0 to {most:.1f} s: until an uninterrupted run had printed its last line")
    results, holding = [], 0
    for i in range(args.tries):
        save = folder / f"t{i}"
        run = Run(command + ["--save", save], folder, f"try{i}", folder)
        delay = rng.uniform(min(args.min_delay, most), most)
        time.sleep(max(0.0, run.started + delay - time.monotonic()))
        printed = run.stdout()
        sent = run.send(signal.SIGINT)
        code = run.wait(args.timeout)
        err = run.stderr()
        result = {"try": i, "class": classify(code, err, sent, FINAL_LINE in printed), "delay": f"{delay:.2f}s",
                  "epoch_lines_before_signal": len(EPOCH_LINE.findall(printed)),
                  "output_done_at_signal": FINAL_LINE in printed, "rc": code, "stderr": tail(err)}
        held = HOLDS.search(err)
        if result["class"] == "OK" and held:
            path, epochs = held.group(1), int(held.group(2))
            saved = epochs_done(Path(path))
            if saved != epochs:
                result.update({"class": "BAD-MESSAGE", "note": f"says {epochs} epoch(s), its config says {saved}"})
            elif holding % args.check_every == 0:
                code, _, _, gen_err = run_to_end(["generate", path, "--num-chars", "5"], folder, f"try{i}-gen",
                                                 folder, timeout=300)
                if code != 0:
                    result.update({"class": "DAMAGED", "note": f"generate from it: exit {code}: {tail(gen_err, 2)}"})
            holding += 1
        elif result["class"] == "OK" and NOTHING_SAVED.search(err) and epochs_done(save):
            result.update({"class": "BAD-MESSAGE", "note": f"{save} holds {epochs_done(save)} epoch(s)"})
        if result["class"] == "OK":  # keep only what a failure left, to look at
            for name in folder.glob(f"t{i}.*"):
                name.unlink()
        results.append(result)
        progress(i, args.tries, results)
    print(f"train: {holding} interrupted run(s) named a checkpoint; generate was tried on every "
          f"{args.check_every}th of them")
    return report("train", results)


def stress_kill(args, work, rng):
    folder = work / "kill" / "run"
    folder.mkdir(parents=True)
    path = folder / "ckpt"

    def command(epochs=100000, resume=False):
        return ["train", *LARGE, "--epochs", str(epochs), "--text", work / "kill.txt", "--save", path] + (
            ["--resume", path] if resume else [])

    results, done, leftover_tries = [], 0, []
    for i in range(args.tries):
        resuming = checkpoint_exists(path)
        run = Run(command(resume=resuming), work / "kill", f"try{i}", folder)
        result = {"try": i}
        if rng.random() < 0.15:  # during start-up: imports, graph build, lock, restore
            delay = rng.uniform(0, 10)
            time.sleep(max(0.0, run.started + delay - time.monotonic()))
            result["when"] = f"{delay:.2f}s after start"
        else:  # an epoch's save starts as soon as its line is printed
            if resuming and run.wait_for(re.compile(r"^Resumed from", re.M), timeout=300):
                extra = unused_files(path)  # the lock is held and leftovers cleaned; no save is under way yet
                if extra:
                    leftover_tries.append((i, extra))
            nth = rng.randint(1, 2)
            run.wait_for(EPOCH_LINE, nth, timeout=300)
            delay = rng.uniform(0, args.save_window)
            time.sleep(delay)
            result["when"] = f"{delay:.2f}s after epoch line {nth}"
        sent = run.send(signal.SIGKILL)
        code = run.wait(args.timeout)
        seen = [int(n) for n in EPOCH_LINE.findall(run.stdout())]
        known = max([done] + seen)  # the line of epoch N (from 0) is printed once epochs 0..N-1 are saved
        result.update({"rc": code, "epochs_known_saved": known})
        partial = unused_files(path)  # files of a save the kill cut short (the next run's lock cleans them)
        if partial:
            result["partial_save"] = ", ".join(partial)
        if not sent:  # it ended by itself: an error (a refused --resume, ...) or a hang in wait_for's time
            result.update({"class": "RESUME-FAILED" if resuming else "CRASH", "stderr": tail(run.stderr())})
        elif not checkpoint_exists(path):
            result["class"] = "none-yet" if known == 0 else "LOST"
        else:
            gen, _, _, gen_err = run_to_end(["generate", path, "--num-chars", "5", "--seed", "1"],
                                            work / "kill", f"try{i}-gen", folder, timeout=300)
            saved = epochs_done(path)
            result["epochs_in_checkpoint"] = saved
            if gen != 0:
                result.update({"class": "LOST" if known else "DAMAGED", "generate": tail(gen_err, 2)})
            elif saved is None or saved < known:
                result["class"] = "LOST"
            else:
                result["class"], done = "OK", saved
        if result["class"] in ("LOST", "DAMAGED", "RESUME-FAILED"):  # keep it to look at; go on from nothing
            folder.rename(work / "kill" / f"failed-{i}")
            folder.mkdir()
            done = 0
        results.append(result)
        progress(i, args.tries, results)
    final = []
    if checkpoint_exists(path):  # a last run that takes the lock and has nothing to train
        code, _, _, err = run_to_end(command(epochs=epochs_done(path) or 1, resume=True), work / "kill", "final",
                                     folder, timeout=300)
        if code != 0:
            print(f"kill: the last resume failed (exit {code}): {tail(err)}")
        final = unused_files(path)
    failed = report("kill", results, always=("OK", "none-yet", "LOST", "DAMAGED"))
    print(f"kill: {sum('partial_save' in r for r in results)} of {args.tries} kills cut a save short "
          "(left files the checkpoint does not use)")
    print(f"kill: files a killed save left, still there once the next run held the lock: {len(leftover_tries)} of "
          f"{args.tries} tries" + "".join(f"\n  try {i}: {', '.join(names)}" for i, names in leftover_tries[:10]))
    print(f"kill: after a last run that held the lock: {', '.join(final) or 'none'}")
    return failed


# --- the checkpoint on disk, read directly (its format is the package's business) ----------------


def read_pointer(path):
    try:
        return json.loads(Path(f"{path}.config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def checkpoint_exists(path):
    return Path(f"{path}.config.json").exists() or Path(f"{path}.index").exists()


def epochs_done(path):
    meta = read_pointer(path)
    return (meta.get("progress") or {}).get("epochs_done") if isinstance(meta, dict) else None


def unused_files(path):
    """Names beside checkpoint ``path`` that it does not use, other than its lock: what killed saves left."""
    path = Path(path)
    meta = read_pointer(path) or {}
    prefix = meta.get("set") or path.name  # format 2 names a file set; format 1 keeps the files at PATH.*
    used = {f"{path.name}.config.json", f"{path.name}.lock"} | {
        f"{prefix}{suffix}" for suffix in (".index", ".data-00000-of-00001", ".vocab.json")}
    return sorted(entry.name for entry in path.parent.iterdir() if entry.name not in used)


def progress(i, tries, results):
    if (i + 1) % 10 == 0 or i + 1 == tries:
        counts = collections.Counter(r["class"] for r in results)
        print(f"  {i + 1}/{tries}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), flush=True)


# --- main -------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--tries", type=int, default=None,
                        help="tries per mode (default: 200 for generate and train, 50 for kill)")
    parser.add_argument("--which", default="generate,train,kill", help="comma-separated: generate, train, kill")
    parser.add_argument("--workdir", default=None,
                        help="folder for checkpoints and logs (default: a new temporary folder, kept)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random delays (default: random)")
    parser.add_argument("--min-delay", type=float, default=0.3,
                        help="shortest delay before SIGINT, in s: before it the Python interpreter itself may still "
                             "be starting (importing site), where a Ctrl-C is Python's own 'Fatal Python error' "
                             "and no program can catch it; such tries are counted as PYTHON-STARTUP")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds a process may take to end after its signal (then it is a HANG)")
    parser.add_argument("--num-chars", type=int, default=3000, help="generate: characters per run")
    parser.add_argument("--generate-delay", type=float, default=None,
                        help="generate: longest delay before SIGINT, in s (default: until an uninterrupted run, "
                             "measured first, had printed its text; about 4 s on an idle 2-core machine)")
    parser.add_argument("--train-delay", type=float, default=None,
                        help="train: longest delay before SIGINT, in s (default: until an uninterrupted run, "
                             "measured first, had printed its last line; about 6 s on an idle 2-core machine)")
    parser.add_argument("--train-epochs", type=int, default=2, help="train: epochs per run")
    parser.add_argument("--check-every", type=int, default=5,
                        help="train: generate from every Nth checkpoint an interrupted run names")
    parser.add_argument("--save-window", type=float, default=0.5,
                        help="kill: longest delay after an epoch's line (its save starts then) before SIGKILL")
    args = parser.parse_args()
    # Started in the background by a script (`... &`), this process and so its children would ignore SIGINT
    # (the shell's rule for background jobs), and a signal in a child's first instants, before the program
    # installs its handler, would vanish. A terminal starts a program with SIGINT at its default: so do we.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    modes = [m.strip() for m in args.which.split(",") if m.strip()]
    unknown = sorted(set(modes) - {"generate", "train", "kill"})
    if unknown or not modes:
        parser.error(f"--which: unknown mode(s) {', '.join(unknown) or '(none)'}; use generate, train, kill")
    if min(1 if args.tries is None else args.tries, args.check_every, args.train_epochs, args.num_chars) < 1:
        parser.error("--tries, --check-every, --train-epochs and --num-chars must be 1 or more")
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    rng = random.Random(seed)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="r2rt-stress-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    text = CORPUS.read_text(encoding="utf-8")
    (work / "small.txt").write_text(text[:20000], encoding="utf-8")
    (work / "kill.txt").write_text(text[:4000], encoding="utf-8")
    print(f"workdir {work}, seed {seed}")
    failed = 0
    for mode in modes:
        shutil.rmtree(work / mode, ignore_errors=True)  # only the folders this script made
        (work / mode).mkdir()
        tries = args.tries or (50 if mode == "kill" else 200)
        runner = {"generate": stress_generate, "train": stress_train, "kill": stress_kill}[mode]
        failed += runner(argparse.Namespace(**{**vars(args), "tries": tries}), work, rng)
    print(f"\n{'FAILED' if failed else 'passed'}: {failed} failing tr{'y' if failed == 1 else 'ies'}; logs in {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
