#!/usr/bin/env python
"""Stress test (not run by CI): readers beside a writer, and commands started with a closed stream.

Each try starts ``python -m r2rt_rnn ...`` (its own session) and judges it by exit code, output and files.

``reader``   A writer runs all along: ``train --text SHORT --epochs 100000 --save W/m`` (a 1-layer GRU of
  8 units, ``--num-steps 5 --batch-size 2``, no validation; SHORT is the first 700 characters of
  tiny-shakespeare), so it writes a new file set and switches the pointer a few times a second. Per try,
  after a random delay (up to ``--reader-delay`` s), a reader runs beside it, in turn ``generate W/m
  --num-chars 20 --seed 1``, the same with ``--in-graph``, and ``inspect W/m --text SHORT --chars 200
  --out OUT.html`` (inspect needs a passage in the model's vocabulary: its default, the held-out tail of
  tiny-shakespeare, has characters SHORT lacks). All the while a thread here loops
  ``checkpoint.load(W/m)``, ``checkpoint.restore(sess, g, ckpt)`` into a graph built once
  (``model.build_graph(cell_type="GRU", state_size=8, num_layers=1, batch_size=1, num_steps=1, ...)``),
  counting reads, distinct sets read (``ckpt.prefix``) and restores that found the pointer moved and took
  the newer set. A reader must never fail. Classes: OK = exit 0 and its output (20 characters; a page);
  FAILED-READ = exit 2 (an ``error:`` line, e.g. "damaged"), or an R2RTError in the loop; TRACEBACK =
  "Traceback" or "Exception ignored" on stderr, or another exception in the loop; CRASH = another exit
  code or a signal death; MISSING-OUTPUT = exit 0 without the output; HANG = running ``--timeout`` s;
  WRITER = the writer ended by itself, or not in exit 2 and one line when sent Ctrl-C at the end.
``streams``  Commands run as ``bash -c 'exec python -m r2rt_rnn ... >&-'`` (stdout closed) or ``2>&-``
  (stderr closed), in turn: ``train`` (the tiny model, 1 epoch, ``--save`` to a new path), ``generate``,
  ``generate --in-graph``, ``inspect`` (as above, from a checkpoint trained once) and ``bench --quick
  --parts build --out DIR`` (bench's fastest part, and still about 30 s on a loaded 2-core machine, twice
  the others; ``--bench-parts`` changes it). Expected with stdout closed: train exits 0 and saves its
  epoch (the pointer says 1 epoch, the set's files have the sizes it lists); generate (either sampler)
  exits 2 with exactly one ``error:`` line, mentioning "standard output"; inspect and bench exit 0 and
  write their files (a page that begins as HTML, a benchmark.json that parses: no printed text may land in
  them). With stderr closed, every command exits 0 with its usual stdout (and files). Once a command has
  run unsignalled, ``--sigint-fraction`` of its later tries get SIGINT at a random instant within that
  run's time; they must exit 2 (with stderr open, with exactly one ``error:`` line). Classes: OK; finished
  = ended before its signal (judged as unsignalled); WRONG-EXIT = another exit code or a signal death
  (after SIGINT, exit 0 too); BAD-MESSAGE = exit 2 without that one line; TRACEBACK; HANG; MISSING-OUTPUT
  = the expected stdout or files absent or not whole; PYTHON-STARTUP (not a failure) = SIGINT while the
  interpreter itself was starting.

Run it from the repository root; on a loaded 2-core machine a try takes 15 to 35 s::

    python scripts/stress_readers.py --tries 40 --which reader,streams

It prints the counts per class and each failure (command, exit code, last stderr lines; marked if they
look like a half-edited tree: an ImportError, ...); logs stay in ``--workdir``. Exit 1 if any try failed.
"""
import argparse
import collections
import json
import random
import re
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from stress_signals import Run  # one python -m r2rt_rnn process, logged (beside this script)

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "tinyshakespeare.txt"
MODEL = ["--cell", "GRU", "--state-size", "8", "--num-layers", "1", "--num-steps", "5", "--batch-size", "2",
         "--valid-fraction", "0", "--progress", "off"]
FAILURES = {"FAILED-READ", "TRACEBACK", "CRASH", "HANG", "MISSING-OUTPUT", "WRITER", "WRONG-EXIT", "BAD-MESSAGE"}
EPOCH_LINE = re.compile(r"^Average training loss for Epoch (\d+)", re.M)
NUM_CHARS = 20


# --- running a command ----------------------------------------------------------------------------


def tail(text, lines=4):
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip()) or "(empty)"


def error_lines(err):
    return [line for line in err.splitlines() if line.startswith("error:")]


def is_page(path):
    return path.is_file() and path.read_text(errors="replace").startswith("<!DOCTYPE")


def has_traceback(err):
    return "Traceback" in err or "Exception ignored" in err


def half_edited(err):
    """True when stderr looks like a tree others are editing (an import that fails), not a product bug."""
    return bool(re.search(r"\b(ImportError|ModuleNotFoundError|SyntaxError|IndentationError|NameError)\b", err))


def report(mode, results, always):
    counts = collections.Counter(r["class"] for r in results)
    order = list(always) + sorted(set(counts) - set(always))
    print(f"\n{mode}: {len(results)} tries: " + ", ".join(f"{c} {counts[c]}" for c in order))
    failed = [r for r in results if r["class"] in FAILURES]
    for r in failed:
        print(f"  try {r['try']}: {r['class']}" + ("  (looks like a half-edited tree)" if r.get("half_edited") else "")
              + "".join(f"\n      {k}: {v}" for k, v in r.items() if k not in ("try", "class", "half_edited")))
    return len(failed)


def progress(i, tries, results):
    if (i + 1) % 10 == 0 or i + 1 == tries:
        counts = collections.Counter(r["class"] for r in results)
        print(f"  {i + 1}/{tries}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), flush=True)


# --- reader: readers beside a writer --------------------------------------------------------------


class ReadLoop(threading.Thread):
    """checkpoint.load then checkpoint.restore, in a loop, into one graph built once, until ``stop`` is set."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.stop, self.reads, self.moved = path, threading.Event(), 0, 0
        self.sets, self.failures, self.seconds = set(), [], 0.0

    def run(self):
        try:
            from r2rt_rnn import model
            from r2rt_rnn.runtime import checkpoint
            from r2rt_rnn.runtime.errors import R2RTError
            from r2rt_rnn.tf1 import tf

            ckpt = checkpoint.load(self.path)
            g = model.build_graph(cell_type="GRU", state_size=8, num_layers=1, batch_size=1, num_steps=1,
                                  num_classes=ckpt.num_classes)
            sess = tf.Session(graph=g["x"].graph)
        except Exception:  # whatever it is, it is reported
            self.failures.append({"class": "TRACEBACK", "where": "set-up", "error": traceback.format_exc()})
            return
        started = time.monotonic()
        while not self.stop.is_set() and len(self.failures) < 50:
            try:
                ckpt = checkpoint.load(self.path)
                got = checkpoint.restore(sess, g, ckpt)
                self.reads += 1
                self.sets.add(got.prefix)
                self.moved += got.prefix != ckpt.prefix
            except R2RTError as exc:
                self.failures.append({"class": "FAILED-READ", "read": self.reads, "error": f"error: {exc}"})
            except Exception:
                self.failures.append({"class": "TRACEBACK", "read": self.reads, "error": traceback.format_exc()})
        self.seconds = time.monotonic() - started
        sess.close()


def start_writer(folder, short, save, again=False):
    args = ["train", "--text", short, "--epochs", "100000", "--save", save, *MODEL] + (["--overwrite"] if again else [])
    return Run(args, folder, f"writer{int(time.time())}", folder)


def epochs_seen(run):
    return len(EPOCH_LINE.findall(run.stdout()))


def stress_reader(args, work, rng):
    folder = work / "reader"
    short, save = work / "short.txt", folder / "m"
    writer = start_writer(folder, short, save)
    deadline = time.monotonic() + 600
    while not Path(f"{save}.config.json").exists() and writer.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if not Path(f"{save}.config.json").exists():
        writer.send(signal.SIGKILL)
        sys.exit(f"the writer saved nothing (exit {writer.proc.poll()}): {tail(writer.stderr())}")
    loop = None if args.no_loop else ReadLoop(save)
    if loop:
        loop.start()
    readers = [("generate", ["generate", save, "--num-chars", NUM_CHARS, "--seed", "1"]),
               ("generate --in-graph", ["generate", save, "--num-chars", NUM_CHARS, "--seed", "1", "--in-graph"]),
               ("inspect", ["inspect", save, "--text", short, "--chars", "200"])]
    results, writer_notes, overlaps = [], [], []
    t0, e0 = time.monotonic(), epochs_seen(writer)
    for i in range(args.tries):
        if writer.proc.poll() is not None:  # it ended by itself: a failure; go on with a new one
            writer_notes.append({"try": i, "class": "WRITER", "rc": writer.proc.returncode,
                                 "stderr": tail(writer.stderr())})
            writer = start_writer(folder, short, save, again=True)
        name, command = readers[i % len(readers)]
        page = folder / f"try{i}.html"
        if name == "inspect":
            command = command + ["--out", page]
        delay = rng.uniform(0, args.reader_delay)
        time.sleep(delay)
        before = epochs_seen(writer)
        run = Run(command, folder, f"try{i}", folder)
        code = run.wait(args.timeout)
        saves = epochs_seen(writer) - before
        overlaps.append(saves)
        out, err = run.stdout(), run.stderr()
        output = is_page(page) if name == "inspect" else len(out.strip()) >= NUM_CHARS
        cls = ("TRACEBACK" if has_traceback(err) else "HANG" if code is None else "FAILED-READ" if code == 2
               else "CRASH" if code != 0 else "OK" if output else "MISSING-OUTPUT")
        result = {"try": i, "class": cls}
        if cls in FAILURES:
            result.update({"command": f"python -m r2rt_rnn {' '.join(map(str, command))}", "delay": f"{delay:.2f}s",
                           "rc": code, "saves_meanwhile": saves, "stderr": tail(err, 6),
                           "half_edited": half_edited(err)})
        else:
            for done in (page, run.out_path, run.err_path):
                done.unlink(missing_ok=True)
        results.append(result)
        progress(i, args.tries, results)
    seconds, saves = time.monotonic() - t0, epochs_seen(writer) - e0
    if loop:
        loop.stop.set()
        loop.join(120)
    sent = writer.send(signal.SIGINT)
    code = writer.wait(args.timeout)
    err = writer.stderr()
    if not sent or code != 2 or has_traceback(err) or len(error_lines(err)) != 1:
        writer_notes.append({"try": "end", "class": "WRITER", "signal_sent": sent, "rc": code, "stderr": tail(err)})
    print(f"\nreader: the writer saved {saves} times in {seconds:.0f} s ({saves / max(seconds, 1e-9):.1f} a second); "
          f"saves while a reader ran: median {sorted(overlaps)[len(overlaps) // 2] if overlaps else 0}, "
          f"fewest {min(overlaps, default=0)}")
    if loop:
        print(f"reader: in-process loop: {loop.reads} load+restore in {loop.seconds:.0f} s, {len(loop.sets)} distinct "
              f"sets read, {loop.moved} restores found the pointer moved after load and took the newer set, "
              f"{len(loop.failures)} failure(s)")
        for n, failure in enumerate(loop.failures[:10]):
            failure = {**failure, "half_edited": half_edited(failure["error"])}
            results.append({"try": f"loop-{n}", **failure})
    results += writer_notes
    return report("reader", results, always=("OK", "FAILED-READ", "TRACEBACK", "CRASH", "HANG"))


# --- streams: commands started with a closed stdout or stderr -------------------------------------


def streams_commands(args, folder, short, model):
    """name -> (arguments for a try's files under ``d``, expected files, stdout that shows it ran)."""
    gen = ["generate", model, "--num-chars", NUM_CHARS, "--seed", "1"]
    return {"train": (lambda d: ["train", "--text", short, "--epochs", "1", "--save", d / "m", *MODEL],
                      "checkpoint", "Average training loss for Epoch 0"),
            "generate": (lambda d: gen, None, None),
            "generate --in-graph": (lambda d: [*gen, "--in-graph"], None, None),
            "inspect": (lambda d: ["inspect", model, "--text", short, "--chars", "200", "--out", d / "page.html"],
                        "page", "page:"),
            "bench": (lambda d: ["bench", *shlex.split(args.bench_parts), "--out", d / "bench"], "bench", "done in")}


def missing_files(kind, d):
    """Why the files a command should have written in ``d`` are not there, or are not whole; None if they are."""
    if kind == "checkpoint":  # the pointer says 1 epoch, and the set's files have the sizes it lists
        try:
            meta = json.loads((d / "m.config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return f"no readable pointer ({exc})"
        if (meta.get("progress") or {}).get("epochs_done") != 1:
            return f"the pointer says {(meta.get('progress') or {}).get('epochs_done')} epoch(s), not 1"
        for suffix, size in (meta.get("files") or {}).items():
            part = d / f"{meta.get('set') or 'm'}{suffix}"
            if not part.is_file() or part.stat().st_size != size:
                return f"{part.name}: {part.stat().st_size if part.is_file() else 'missing'}, {size} bytes listed"
    if kind == "page":
        page = d / "page.html"
        if not is_page(page):
            return f"{page.name} {'does not begin as HTML' if page.is_file() else 'missing'}"
    if kind == "bench":
        names = ["benchmark.json", "benchmark.md", "benchmark.png"]
        absent = [n for n in names if not (d / "bench" / n).is_file()]
        if absent:
            return f"missing: {', '.join(absent)}"
        try:
            json.loads((d / "bench" / "benchmark.json").read_text(encoding="utf-8"))
        except ValueError as exc:
            return f"benchmark.json does not parse ({exc})"
    return None


def judge_stream(name, stream, kind, shows, code, out, err, d, sent):
    """(class, note) of one streams try; ``sent``: SIGINT was delivered."""
    if "Fatal Python error: init_import_site" in err:
        return "PYTHON-STARTUP", None
    if has_traceback(err):
        return "TRACEBACK", None
    if code is None:
        return "HANG", None
    errors = error_lines(err)
    if sent:
        if code != 2:
            return "WRONG-EXIT", "SIGINT sent; expected exit 2"
        if stream == "stdout" and len(errors) != 1:
            return "BAD-MESSAGE", f"{len(errors)} error: lines"
        return "OK", None
    if name.startswith("generate") and stream == "stdout":
        if code != 2:
            return "WRONG-EXIT", "expected exit 2"
        if len(errors) != 1 or "standard output" not in errors[0]:
            return "BAD-MESSAGE", f"expected one error: line about standard output, got {len(errors)}"
        return "OK", None
    if code != 0:
        return "WRONG-EXIT", "expected exit 0"
    if stream == "stderr":
        if name.startswith("generate") and len(out.strip()) < NUM_CHARS:
            return "MISSING-OUTPUT", f"stdout has {len(out.strip())} characters"
        if shows and shows not in out:
            return "MISSING-OUTPUT", f"stdout lacks {shows!r}"
    elif out:
        return "MISSING-OUTPUT", f"stdout was closed, yet {len(out)} characters reached it"
    why = missing_files(kind, d)
    return ("MISSING-OUTPUT", why) if why else ("OK", None)


def stress_streams(args, work, rng):
    folder = work / "streams"
    short, model = work / "short.txt", folder / "model"
    for attempt in range(3):  # a tree others are editing may fail to import for a moment
        run = Run(["train", "--text", short, "--epochs", "1", "--save", model, *MODEL, "--overwrite"], folder,
                  f"setup-train{attempt}", folder)
        if run.wait(600) == 0:
            break
        print(f"streams: could not train its checkpoint (exit {run.proc.returncode}): {tail(run.stderr())}")
        time.sleep(30 * (attempt < 2))
    else:
        sys.exit("streams: no checkpoint to start from")
    commands = streams_commands(args, folder, short, model)
    combos = [(name, stream) for name in commands for stream in ("stdout", "stderr")]
    durations, results, per_combo = {}, [], collections.Counter()
    for i in range(args.tries):
        name, stream = combos[i % len(combos)]
        make, kind, shows = commands[name]
        d = folder / f"try{i}"
        d.mkdir()
        command = make(d)
        redirect = ">&-" if stream == "stdout" else "2>&-"
        combo = (name, stream)
        signalled = combo in durations and rng.random() < args.sigint_fraction
        run = Run(command, folder, f"try{i}", folder, redirect=redirect)
        delay, sent = None, False
        if signalled:
            delay = rng.uniform(min(args.min_delay, durations[combo]), durations[combo])
            time.sleep(max(0.0, run.started + delay - time.monotonic()))
            sent = run.send(signal.SIGINT)
        code = run.wait(args.timeout)
        seconds = time.monotonic() - run.started
        out, err = run.stdout(), run.stderr()
        cls, note = judge_stream(name, stream, kind, shows, code, out, err, d, sent)
        if not signalled and code is not None:
            durations[combo] = seconds
        if signalled and not sent and cls == "OK":
            cls = "finished"
        result = {"try": i, "class": cls}
        if cls in FAILURES:
            result.update({"command": f"python -m r2rt_rnn {' '.join(map(str, command))} {redirect}",
                           "sigint": f"after {delay:.2f}s" if sent else "no", "rc": code, "note": note,
                           "seconds": f"{seconds:.1f}", "stdout": tail(out, 2), "stderr": tail(err, 6),
                           "half_edited": half_edited(err)})
        else:
            shutil.rmtree(d, ignore_errors=True)
            for done in (run.out_path, run.err_path):
                done.unlink()
        per_combo[f"{name} {redirect}" + (" +SIGINT" if sent else ""), cls] += 1
        results.append(result)
        progress(i, args.tries, results)
    print("\nstreams: per command: " + "; ".join(f"{c}: {k} {n}" for (c, k), n in sorted(per_combo.items())))
    return report("streams", results, always=("OK", "finished", "WRONG-EXIT", "TRACEBACK", "HANG", "MISSING-OUTPUT"))


# --- main -------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--tries", type=int, default=30, help="tries per mode")
    parser.add_argument("--which", default="reader,streams", help="comma-separated: reader, streams")
    parser.add_argument("--workdir", default=None,
                        help="folder for checkpoints and logs (default: a new temporary folder, kept)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random delays (default: random)")
    parser.add_argument("--timeout", type=float, default=240.0,
                        help="seconds a process may run (after its signal, if sent) before it is a HANG")
    parser.add_argument("--reader-delay", type=float, default=2.0,
                        help="reader: longest random delay before a reader starts, in s")
    parser.add_argument("--no-loop", action="store_true", help="reader: no in-process load+restore loop")
    parser.add_argument("--bench-parts", default="--quick --parts build",
                        help="streams: bench's options besides --out")
    parser.add_argument("--sigint-fraction", type=float, default=0.3,
                        help="streams: share of tries (once a command has run unsignalled) sent SIGINT")
    parser.add_argument("--min-delay", type=float, default=1.0,
                        help="streams: shortest delay before SIGINT, in s (earlier, bash or the interpreter itself "
                             "may still be starting, and no program can catch it)")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # children start with SIGINT at its default
    modes = [m.strip() for m in args.which.split(",") if m.strip()]
    unknown = sorted(set(modes) - {"reader", "streams"})
    if unknown or not modes:
        parser.error(f"--which: unknown mode(s) {', '.join(unknown) or '(none)'}; use reader, streams")
    if args.tries < 1 or not 0 <= args.sigint_fraction <= 1:
        parser.error("--tries must be 1 or more, --sigint-fraction within 0 to 1")
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    rng = random.Random(seed)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="r2rt-readers-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    (work / "short.txt").write_text(CORPUS.read_text(encoding="utf-8")[:700], encoding="utf-8")
    print(f"workdir {work}, seed {seed}", flush=True)
    failed = 0
    for mode in modes:
        shutil.rmtree(work / mode, ignore_errors=True)  # only the folders this script made
        (work / mode).mkdir()
        failed += {"reader": stress_reader, "streams": stress_streams}[mode](args, work, rng)
    print(f"\n{'FAILED' if failed else 'passed'}: {failed} failing tr{'y' if failed == 1 else 'ies'}; logs in {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
