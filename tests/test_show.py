"""show_source: plain text outside IPython, a display object (a monospace code block) inside it."""
import pytest

from r2rt_rnn.data import ptb_iterator
from r2rt_rnn.reproduction import show
from r2rt_rnn.reproduction.show import Source, show_source, source_text
from r2rt_rnn.runtime.errors import R2RTError


def carry_state(x):
    """A docstring with a fence: ```not the end```."""
    return x + 1


class Cell:
    def call(self, inputs):
        return inputs


def test_plain_text_fallback_prints_and_returns_the_def_line(monkeypatch, capsys):
    monkeypatch.setattr(show, "_ipython_shell", lambda: None)
    text = show_source(carry_state)
    assert text.splitlines()[1] == "def carry_state(x):"
    assert text.splitlines()[0].startswith(f"# {__name__}.carry_state")
    assert "return x + 1" in text
    assert capsys.readouterr().out == text + "\n"


def test_several_objects_methods_and_package_functions():
    text = source_text(ptb_iterator, Cell.call)
    assert "# r2rt_rnn.data.ptb_iterator  (r2rt_rnn/data.py, line " in text
    assert "def ptb_iterator(raw_data, batch_size, num_steps):" in text
    assert "\ndef call(self, inputs):" in text  # dedented out of its class


def test_ipython_path_displays_a_monospace_code_block(monkeypatch):
    pytest.importorskip("IPython")
    import IPython.display
    from IPython.core.formatters import DisplayFormatter

    shown = []
    monkeypatch.setattr(show, "_ipython_shell", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    assert show_source(Cell) is None
    assert len(shown) == 1 and isinstance(shown[0], Source)
    data, _ = DisplayFormatter().format(shown[0])
    # code, not Markdown: nbconvert's HTML set a Markdown output's code block in a proportional font
    assert set(data) == {"text/html", "text/plain"}
    html = data["text/html"]
    assert html.startswith('<pre class="r2rt-source" style="font-family: var(--jp-code-font-family, monospace);')
    assert "white-space: pre;" in html and html.endswith("</pre>")
    assert "class</span>" in html and "Cell" in html  # highlighted: IPython brings Pygments
    assert "class Cell:" in data["text/plain"]


def compares(a, b):
    """A docstring with a fence, ```, and markup: <b>bold</b> & more."""
    return a < b


def test_html_is_escaped_with_and_without_pygments(monkeypatch):
    for blocked in (False, True):
        if blocked:
            monkeypatch.setitem(__import__("sys").modules, "pygments", None)  # import fails: plain escaped text
        html = Source(compares, carry_state)._repr_html_()
        assert html.count('<pre class="r2rt-source"') == 2 and html.count("</pre>") == 2
        assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html
        assert ("<span" in html) is not blocked


@pytest.mark.parametrize("bad", ["build_graph", None, len])
def test_what_has_no_source_is_refused_in_one_line(bad):
    with pytest.raises(R2RTError, match="show"):
        source_text(bad)
    with pytest.raises(R2RTError, match="at least one"):
        source_text()


def _refresh_listings():
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("refresh_listings", REPO / "scripts" / "refresh_listings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_notebooks_stored_listings_are_todays_source():
    """Each show_source output committed in a notebook equals what show_source shows of the same objects now."""
    refresh, notebooks = _refresh_listings()
    counted = 0
    for path in notebooks:
        notebook, found = refresh.stale(path)
        counted += len(list(refresh.listings(notebook)))
        assert not found, f"{path.name}: stale listings; run python scripts/refresh_listings.py"
    assert counted >= 10  # the check really saw the notebooks' listings
