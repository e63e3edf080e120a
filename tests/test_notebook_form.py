"""How every notebook reads: numbered in the reading order, conclusions shown as prose (not as the template that
could have said the opposite), a summary and open exercises at the end, and a rendered page that a real browser
typesets without the internet."""
import ast
import re
import sys

import pytest

from conftest import CHROMIUM, REPO, playwright_or_skip

NOTEBOOK_DIR = REPO / "notebooks"
READING_ORDER = ["01_gentle_intro_min_char_rnn", "02_r2rt_rnns_in_tensorflow_ii", "03_slides_architectures",
                 "04_ptb_word_lm"]
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
HIDE_INPUT = "hide-input"
RENDERED = "04_ptb_word_lm"  # the browser test's notebook: display formulas, and hidden conclusions


def read(path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


MODES = {"QUICK", "RERUN", "REAL_PTB"}  # a choice of run size or data, not of what to conclude


def branching_say(source):
    """Whether a cell that calls ``say()`` chooses by a measurement: an ``if`` (statement or expression) whose test
    reads anything but the notebook's mode switches."""
    tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "say"]
    tests = [n.test for n in ast.walk(tree) if isinstance(n, (ast.If, ast.IfExp))]
    tests += [c for n in ast.walk(tree) if isinstance(n, ast.comprehension) for c in n.ifs]
    return bool(calls) and any({n.id for n in ast.walk(t) if isinstance(n, ast.Name)} - MODES for t in tests)


def hidden(cell):
    """Jupyter collapses the cell's code (``source_hidden``) and the rendered page leaves it out (``hide-input``)."""
    return (HIDE_INPUT in cell.metadata.get("tags", [])
            and cell.metadata.get("jupyter", {}).get("source_hidden") is True)


def visible_branching_say_cells(nb):
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and branching_say(cell.source) and not hidden(cell)]


def test_the_files_are_numbered_in_the_reading_order():
    assert [p.stem for p in NOTEBOOKS] == READING_ORDER


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_title_and_every_link_carry_the_files_number(path):
    nb = read(path)
    assert nb.cells[0].source.startswith(f"# {path.name[:2]} — "), nb.cells[0].source[:80]
    for cell in nb.cells:
        texts = [cell.source] + [str(o) for o in cell.get("outputs", [])]
        for text in texts:
            for label, target in re.findall(r"\[(\d\d)\b[^\]]*\]\((\d\d_\w+)\.ipynb\)", text):
                assert (NOTEBOOK_DIR / f"{target}.ipynb").exists(), target
                assert label == target[:2], f"[{label}...] links to {target}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_conclusions_read_as_prose(path):
    """A cell whose say() branches on a measurement shows the reader its output alone, not both sentences."""
    assert not visible_branching_say_cells(read(path)), "tag these cells hide-input and set jupyter.source_hidden"


def test_a_visible_branching_conclusion_is_caught():
    nbformat = pytest.importorskip("nbformat")
    shown = nbformat.v4.new_code_cell('say(f"it {\'learns\' if loss < 1 else \'does not learn\'}")')
    statement = nbformat.v4.new_code_cell("if gap > 0:\n    say('wider')\nelse:\n    say('narrower')")
    plain = nbformat.v4.new_code_cell('steps = 10 if QUICK else 300\nsay(f"loss {loss:.3f} after {steps}")')
    tucked = nbformat.v4.new_code_cell(shown.source, metadata={"tags": [HIDE_INPUT],
                                                               "jupyter": {"source_hidden": True}})
    nb = nbformat.v4.new_notebook(cells=[shown, statement, plain, tucked])
    assert visible_branching_say_cells(nb) == [0, 1]


def headed(nb, heading):
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            and cell.source.startswith(heading)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_ends_with_a_summary_open_exercises_and_its_run_time(path):
    nb = read(path)
    summary, exercises = headed(nb, "## Summary"), headed(nb, "## Exercises")
    assert len(summary) == 1 and len(exercises) == 1, (summary, exercises)
    assert summary[0] < exercises[0]
    items = re.findall(r"^\d+\.\s", nb.cells[exercises[0]].source, flags=re.M)
    assert 3 <= len(items) <= 5, f"{len(items)} exercises"
    last = nb.cells[-1]
    assert last.cell_type == "code" and "NOTEBOOK_START" in last.source
    position = READING_ORDER.index(path.stem)
    following = READING_ORDER[position + 1:] or READING_ORDER[:position]
    assert f"({following[0]}.ipynb)" in last.source


def test_the_readme_says_how_to_open_the_notebooks_and_in_which_order():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Notebooks", 1)[1].split("\n## ", 1)[0]
    assert 'pip install -e ".[notebooks]"' in section and "jupyter lab" in section
    positions = [section.find(f"{name}.ipynb") for name in READING_ORDER]
    assert -1 not in positions and positions == sorted(positions), positions


# --- the rendered page, in a real browser -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    pytest.importorskip("nbconvert", reason="nbconvert is not installed (pip install -e '.[test]')")
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import render_notebooks
    finally:
        sys.path.pop(0)
    if render_notebooks.mathjax_url() is None:
        pytest.skip("jupyter-server-mathjax is not installed (pip install -e '.[test]')")
    return render_notebooks.render(NOTEBOOK_DIR / f"{RENDERED}.ipynb", tmp_path_factory.mktemp("rendered"))


@pytest.fixture(scope="module")
def chromium():
    driver = playwright_or_skip().sync_playwright().start()
    browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--allow-file-access-from-files"])
    yield browser
    browser.close()
    driver.stop()


TYPESET = ("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue && MathJax.Hub.queue.pending === 0"
           " && !MathJax.Hub.queue.running")


def test_the_rendered_notebook_typesets_its_maths_offline_and_shows_conclusions_alone(rendered, chromium, tmp_path):
    """One notebook (the one with display formulas) read in Chromium; ``scripts/render_notebooks.py`` renders all."""
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(rendered.as_uri())
    page.wait_for_function(TYPESET, timeout=60000)
    text = page.inner_text("body")
    nb = read(NOTEBOOK_DIR / f"{RENDERED}.ipynb")
    assert page.evaluate("document.querySelectorAll('.MathJax, .MathJax_Display').length") > 0
    assert "Math Processing Error" not in text
    code = [c for c in nb.cells if c.cell_type == "code"]
    shown = {line.strip() for c in code if not hidden(c) for line in c.source.splitlines()}
    tucked = {line.strip() for c in code if hidden(c) for line in c.source.splitlines()}
    assert tucked, f"{RENDERED} hides no cell"
    templates = [line for line in tucked - shown if len(line) > 12 and ("{" in line or "say(" in line)]
    assert templates, "the hidden cells hold no template to look for"
    assert not [line for line in templates if line in text]  # a template line (fields unfilled) is not on the page
    page.screenshot(path=str(tmp_path / f"{RENDERED}.png"))  # kept in pytest's tmp folder for a person to look at
    page.close()
    assert not errors
    fetched = [u for u in requests if not u.startswith(("file://", "data:", "about:blank"))]
    assert not fetched, "the page fetched from the network"
