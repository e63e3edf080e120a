"""``show_source``: put the code a notebook runs beside its result, without a second copy of it.

The notebooks call the package's functions; ``show_source(build_graph)`` shows the
reader the function itself, read from the installed module with
:func:`inspect.getsource`, so what is shown is always what runs::

    from r2rt_rnn.reproduction.show import show_source
    show_source(CustomCell)                  # one class
    show_source(LayerNormalizedLSTMCell, ln)  # several, in one display

In IPython (a notebook, or the IPython shell) it displays a :class:`Source`, which a
notebook renders as code (``text/html``: a ``<pre>`` in the notebook's code font,
highlighted when Pygments is installed, as it is wherever IPython is) and a terminal as
plain text. Code rather than Markdown, because ``jupyter nbconvert --to html`` set a
Markdown output's code block in a proportional font, which broke the alignment of the
ASCII pictures in the docstrings. Elsewhere it prints the plain text. :func:`source_text`
returns that text without showing anything.
"""
import html
import inspect
import sys
import textwrap
from pathlib import Path

from ..runtime.errors import R2RTError

__all__ = ["Source", "say", "show_source", "source_text"]

_PACKAGE_PARENT = Path(__file__).resolve().parents[2]
HTML_CLASS = "r2rt-source"  # marks a listing in a notebook's stored outputs (scripts/refresh_listings.py)
# The notebook's own code font and a light code background (fallbacks for renderers without JupyterLab's variables)
PRE_STYLE = ("font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 13px); "
             "line-height: var(--jp-code-line-height, 1.3077); white-space: pre; overflow-x: auto; "
             "background: var(--jp-cell-editor-background, #f7f7f7); padding: 6px 8px; margin: 0 0 6px 0")


def _qualname(obj):
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or type(obj).__name__
    return f"{module}.{name}" if module and not inspect.ismodule(obj) else name


def _where(obj):
    """``r2rt_rnn/cells.py, line 118``: the file relative to the repository when it lives there."""
    try:
        path = Path(inspect.getsourcefile(obj)).resolve()
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return None
    try:
        path = path.relative_to(_PACKAGE_PARENT)
    except ValueError:
        pass
    return f"{path.as_posix()}, line {line}" if line else path.as_posix()


def _one_source(obj):
    """``(header comment, dedented source)`` of one function, class, method or module."""
    if isinstance(obj, (str, bytes)) or obj is None:
        raise R2RTError(f"show_source takes functions, classes, methods or modules, got {obj!r}")
    try:
        code = inspect.getsource(obj)
    except (TypeError, OSError) as exc:
        raise R2RTError(f"cannot show the source of {_qualname(obj)} ({exc}); pass a function, class, "
                        "method or module defined in a .py file") from None
    where = _where(obj)
    header = f"# {_qualname(obj)}" + (f"  ({where})" if where else "")
    return header, textwrap.dedent(code).rstrip("\n")


def _highlighted(code):
    """``code`` as HTML: Pygments' spans with inline colours when it is installed, else just escaped."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return html.escape(code)
    return highlight(code, PythonLexer(), HtmlFormatter(noclasses=True, nowrap=True)).rstrip("\n")


class Source:
    """The source of some objects: ``text`` (plain), rendered as code blocks (``<pre>``) in a notebook."""

    def __init__(self, *objects):
        if not objects:
            raise R2RTError("show_source needs at least one function, class, method or module")
        self.blocks = [_one_source(obj) for obj in objects]

    @property
    def text(self):
        return "\n\n\n".join(f"{header}\n{code}" for header, code in self.blocks)

    def _repr_html_(self):
        blocks = [_highlighted(header + "\n" + code) for header, code in self.blocks]
        return "\n".join(f'<pre class="{HTML_CLASS}" style="{PRE_STYLE}">{block}</pre>' for block in blocks)

    def __repr__(self):
        return self.text

    def __str__(self):
        return self.text

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text)


def source_text(*objects):
    """The plain-text source of ``objects``, each under a ``# module.name  (file, line N)`` comment."""
    return Source(*objects).text


def _ipython_shell():
    """The running IPython shell, or None; never imports IPython when nothing has loaded it."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        return ipython.get_ipython()
    except AttributeError:
        return None


def show_source(*objects):
    """Show the source of each function, class, method or module in ``objects``.

    In IPython, displays a :class:`Source` (a highlighted Python block in a
    notebook) and returns None, so the cell shows it once. Elsewhere, prints the
    plain text and returns it.
    """
    source = Source(*objects)
    if _ipython_shell() is not None:
        from IPython.display import display

        display(source)
        return None
    print(source.text)
    return source.text


def say(text):
    """Show ``text`` (Markdown) as a notebook's prose; print it elsewhere.

    The notebooks write every sentence that quotes a measurement with ``say(f"...")``, formatted
    from the measured or recorded value, so the prose cannot drift from the numbers it is about.
    """
    text = textwrap.dedent(text).strip()
    if "IPython" in sys.modules:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown(text))
            return
    print(text)
