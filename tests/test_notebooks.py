"""Every notebook runs top to bottom in quick mode (R2RT_QUICK=1: fewer steps, same code path) and draws its figures."""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


# a call that draws: one of the package's figure functions, an embedded PNG, or pyplot
DRAWS = re.compile(r"\w+_figure\(|display\(Image\(|plt\.(plot|figure|subplots)\(")


def outside_functions(source):
    """``source`` without its ``def`` blocks (a helper that draws when called is not a drawing cell)."""
    kept, inside = [], False
    for line in source.splitlines():
        if line.startswith(("def ", "@")):
            inside = True
        elif line.strip() and not line[0].isspace():
            inside = False
        if not inside:
            kept.append(line)
    return "\n".join(kept)


def cells_without_their_figure(cells):
    """Indices of code cells whose source draws a figure but whose outputs hold no PNG (a figure shown as its repr,
    "<Figure size ... with 2 Axes>", as happens when a kernel runs without ``%matplotlib inline`` under Agg)."""
    missing = []
    for i, cell in enumerate(cells):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and DRAWS.search(outside_functions(source)):
            if not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
                missing.append(i)
    return missing


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4, NOTEBOOKS


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("R2RT_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("R2RT_SAVES", str(tmp_path))  # quick runs keep their checkpoints out of saves/
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert not cells_without_their_figure(nb.cells), "these cells drew no image in the quick run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_shows_every_figure(path):
    """The committed outputs (a full run) carry each drawn figure as an image, not as its text repr."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert not cells_without_their_figure(cells), f"{path.name}: cells without their figure (re-run it in full)"


def test_a_figure_shown_as_text_is_caught():
    shown = {"cell_type": "code", "source": "display(figures.cost_figure(x))",
             "outputs": [{"output_type": "display_data", "data": {"text/plain": "<Figure size 900x400 with 1 Axes>"}}]}
    drawn = dict(shown, outputs=[{"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "."}}])
    helper = {"cell_type": "code", "source": "def show(fig):\n    display(fig)", "outputs": []}
    assert cells_without_their_figure([shown, drawn, helper]) == [0]
