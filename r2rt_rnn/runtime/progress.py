"""Progress output that reads well both where a person watches and in a log file.

In a terminal (or a notebook with ipywidgets), a tqdm bar that redraws itself in place; in a
notebook without them, nothing beyond the callers' own per-epoch lines. Written to a
file or a pipe (``> train.log``, ``nohup``, CI), carriage-return redraws would
pile up into one enormous line, so there we print plain lines instead: one about
every 10% of a long loop, with its rate, as the PTB tutorial's script did.

The choice is automatic; ``--progress bar|lines|off`` on the command line (or
:func:`set_mode`) forces one.
"""
import sys
import time

from tqdm import tqdm

MODES = ("auto", "bar", "lines", "off")
_mode = "auto"


def set_mode(mode):
    global _mode
    if mode not in MODES:
        raise ValueError(f"progress mode must be one of {MODES}, got {mode!r}")
    _mode = mode


def _notebook_bar():
    """tqdm's widget bar when running in a Jupyter kernel that can show it (ipywidgets), else None."""
    if not _in_notebook():
        return None
    try:
        import ipywidgets  # noqa: F401 - only to know whether the widget bar can render
        from tqdm.notebook import tqdm as notebook_tqdm
    except ImportError:
        return None
    return notebook_tqdm


def _in_notebook():
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def resolved_mode(stream=None):
    """``bar``, ``lines`` or ``off``: what ``auto`` means for ``stream`` (default stdout) right now.

    A notebook without ipywidgets gets nothing: a text bar's carriage returns, or
    ten lines an epoch, would be saved into the notebook's outputs, burying the
    per-epoch summaries and plots that make the page read like the post.
    """
    if _mode != "auto":
        return _mode
    if _notebook_bar() is not None:
        return "bar"
    if _in_notebook():
        return "off"
    stream = stream or sys.stdout
    return "bar" if getattr(stream, "isatty", lambda: False)() else "lines"


class Progress:
    """A progress counter for ``total`` steps: a tqdm bar, 10% lines, or nothing.

    ``update(n, **info)`` advances it; ``info`` (e.g. ``loss=3.21``) is shown on
    the bar, or appended to the line. ``rate_unit`` with ``rate_per_step`` turns
    steps into e.g. words/s on the lines.
    """

    def __init__(self, total, desc, enabled=True, unit="batch", rate_unit=None, rate_per_step=1):
        self.total, self.desc, self.done = total, desc, 0
        self.rate_unit, self.rate_per_step = rate_unit, rate_per_step
        self.mode = resolved_mode() if enabled else "off"
        self.start = time.perf_counter()
        self.next_report = 1
        self.bar = None
        if self.mode == "bar":
            self.bar = (_notebook_bar() or tqdm)(total=total, desc=desc, leave=False, file=sys.stdout, unit=unit,
                            mininterval=1.0, dynamic_ncols=True)

    def update(self, n=1, **info):
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            if info:
                self.bar.set_postfix(info, refresh=False)
        elif self.mode == "lines" and self.total and self.done * 10 >= self.next_report * self.total:
            self.next_report = self.done * 10 // self.total + 1
            if self.done < self.total:  # the caller prints its own summary at the end
                print(self._line(info), flush=True)

    def _line(self, info):
        parts = [f"{self.desc}: {100 * self.done / self.total:3.0f}% ({self.done}/{self.total})"]
        parts += [f"{k} {v}" for k, v in info.items()]
        if self.rate_unit:
            elapsed = max(time.perf_counter() - self.start, 1e-9)
            parts.append(f"{self.done * self.rate_per_step / elapsed:,.0f} {self.rate_unit}/s")
        return ", ".join(parts)

    def write(self, line):
        """Print a line of the caller's own without breaking the bar."""
        if self.bar is not None:
            self.bar.write(line)
        else:
            print(line, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
