"""python -m r2rt_rnn COMMAND (or r2rt-rnn COMMAND): one sub-command per job.

Each command is a module of :mod:`r2rt_rnn.cli` offering add_arguments(parser)
and main(args). Only the chosen command's module is imported: ``python -m r2rt_rnn --help``
is instant, while a command's own ``--help`` loads TensorFlow with its module (about 2 s),
quietly (:func:`r2rt_rnn.quiet`, called before the module is imported).
"""
import argparse
import importlib
import os
import signal
import sys

from ..runtime import interrupts, output
from ..runtime.errors import R2RTError, TrainingInterrupted
from ..runtime.quiet import quiet
from .common import COMMANDS, program_name

TRAINING_COMMANDS = ("train", "reproduce", "minchar", "ptb")  # the ones that take --progress
WITHOUT_TENSORFLOW = ("corpus",)  # the commands whose modules never load TensorFlow: no need to quiet it
# What each command does when its standard output fails (a closed pipe, a full disk); None: it stops in one line.
# "help" is any --help (and no command at all); a command not listed (a mistyped one) prints nothing more anyway.
TRAINING_GOES_ON = "training goes on and checkpoints are still written; nothing more is printed"
WHEN_STDOUT_FAILS = {"generate": None, "bench": "the benchmark goes on and writes its files",
                     "inspect": "the page and figures are still written",
                     "corpus": "the text is written to --out all the same; only this summary is lost",
                     "help": "the help was not shown", None: "nothing more is printed",
                     **dict.fromkeys(TRAINING_COMMANDS, TRAINING_GOES_ON)}
FINISHING = "error: interrupted (Ctrl-C) as the command was finishing; it had done its work"
# What a Ctrl-C that stopped a command before it could finish leaves behind, by command (training keeps its epochs
# and says so itself, through TrainingInterrupted).
WHEN_INTERRUPTED = {
    None: "error: interrupted (Ctrl-C) before anything was written; run the command again to start over",
    "generate": "error: interrupted (Ctrl-C); what was printed is the sample so far (the same seed starts the "
                "same text)",
    "inspect": "error: interrupted (Ctrl-C); the files listed above (page:, summary:, figure:) are whole; the rest "
               "were not written",
}


class _HelpFormatter(argparse.HelpFormatter):
    """Shows an option's default after its help, unless there is none or the help already says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default is None or action.default is False or action.default == argparse.SUPPRESS \
                or "default" in text or "(post:" in text:
            return text
        return f"{text} (default: %(default)s)"




def _parser(argv):
    prog = program_name()
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    # Parse only the command name first, then let the chosen module define its options.
    known, _ = parser.parse_known_args(argv[:1])
    if known.command is None:
        return parser, None
    if known.command not in WITHOUT_TENSORFLOW:
        quiet()  # loads TensorFlow with its start-up lines hidden, before the command's module does
    module = importlib.import_module(COMMANDS[known.command][0])
    full = argparse.ArgumentParser(
        prog=f"{prog} {known.command}", description=COMMANDS[known.command][1],
        formatter_class=_HelpFormatter,
    )
    module.add_arguments(full)
    if known.command in TRAINING_COMMANDS:
        full.add_argument("--progress", default="auto", choices=["auto", "bar", "lines", "off"],
                          help="progress display: a bar in a terminal, plain lines (one per 10%% of "
                               "an epoch) in a log file; 'auto' picks by where the output goes")
    return full, module


def main(argv=None):
    """Run one command and return its exit status; ``argv=None``: the program's own arguments, *as the program*.

    As the program it does not return: once the command is over it flushes the
    output and ends the process without Python's teardown (see :func:`_leave`), and a
    Ctrl-C ends it at once after its line. Called with ``argv`` (tests, scripts), it
    returns the status in every case, Ctrl-C included, and puts the caller's Ctrl-C
    handler back.
    """
    as_program = argv is None
    if as_program:
        output.reopen_closed_streams()  # started with >&- or 2>&-: the streams point at /dev/null instead
    previous = signal.getsignal(signal.SIGINT)
    argv = list(sys.argv[1:] if argv is None else argv)
    interrupts.install()  # first: a Ctrl-C from here on is honoured at the next safe point, never lost
    try:
        code = _guarded(argv, as_program)
    finally:
        if not as_program:
            interrupts.uninstall(previous)
    if as_program:
        _leave(code)
    return code


def _guarded(argv, as_program):
    """The command, with its output guarded and every way it can end turned into a status and at most one line."""
    command = argv[0] if argv else None
    asks_help = not argv or {"-h", "--help"}.intersection(argv)
    note = WHEN_STDOUT_FAILS["help" if asks_help else command if command in WHEN_STDOUT_FAILS else None]
    try:
        with output.guard(note):
            code = _run(argv)
            if interrupts.pending() and not interrupts.raised():
                return _interrupted(FINISHING, as_program)
            return code
    except R2RTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TrainingInterrupted as exc:
        return _interrupted(f"error: {exc}", as_program)
    except KeyboardInterrupt:
        return _interrupted(WHEN_INTERRUPTED.get(command, WHEN_INTERRUPTED[None]), as_program)


def _leave(code):
    """End the program with ``code`` now that the command is over, with no interpreter teardown.

    Tearing TensorFlow down takes time and, meeting a Ctrl-C, used to end in a
    KeyboardInterrupt or a signal death after the work was done. Everything worth
    keeping is on disk or flushed here; SIGINT is blocked before the last look, so a
    Ctrl-C is either reported or arrives after the process has in effect ended.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    if code == 0 and interrupts.pending() and not interrupts.raised():
        os.write(2, f"{FINISHING}\n".encode())
        os._exit(2)
    os._exit(code)


def _run(argv):
    parser, module = _parser(argv)
    interrupts.check()  # importing the command's module loads TensorFlow: seconds in which Ctrl-C only waits
    if module is None:
        parser.print_help()
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    args = parser.parse_args(argv[1:])
    if getattr(args, "progress", None):
        from ..runtime.progress import set_mode  # after parsing, so --help never loads tqdm

        set_mode(args.progress)
    return module.main(args) or 0


def _interrupted(message, as_program):
    """Print the one line; as the program, leave with status 2 at once, skipping interpreter teardown.

    Once Ctrl-C has been handled, TensorFlow's half-imported or half-run native state
    has nothing left worth tearing down (checkpoints are already whole on disk), and a
    teardown that meets a second signal would end the process by that signal instead.
    In-process callers get the status back.
    """
    if as_program:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    print(f"\n{message}", file=sys.stderr, flush=True)
    if not as_program:
        return 2
    sys.stdout.flush()
    os._exit(2)
