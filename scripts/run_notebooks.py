#!/usr/bin/env python
"""Execute notebooks in full mode and store their outputs in place: the committed outputs a reader sees.

Full mode reads the recorded runs (``docs/results``) and runs only each notebook's live cells;
``R2RT_RERUN=1`` in the environment retrains the recorded runs too. PTB is read from
``R2RT_PTB_DIR``. Afterwards each notebook is checked for machine paths in its outputs
(the repository's absolute path, the home directory), which a reader's machine would not have.

    python scripts/run_notebooks.py notebooks/04_ptb_word_lm.ipynb
    python scripts/run_notebooks.py notebooks/*.ipynb
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbclient
import nbformat

REPO = Path(__file__).resolve().parent.parent


def machine_paths(nb):
    """The machine-specific paths found in ``nb``'s outputs."""
    marks = {str(REPO.parent), str(Path.home())}
    found = set()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = str(output)
            found.update(m for m in marks if m in text)
    return sorted(found)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    env_problems = [name for name in ("R2RT_QUICK", "MPLBACKEND") if os.environ.get(name)]
    if env_problems:
        sys.exit(f"unset {', '.join(env_problems)} first: a committed run is a full run drawn inline")
    status = 0
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        nbclient.NotebookClient(nb, timeout=None, kernel_name="python3",
                                resources={"metadata": {"path": str(path.resolve().parent)}}).execute()
        nbformat.write(nb, path)
        paths = machine_paths(nb)
        print(f"{path.name}: {time.perf_counter() - start:.0f} s" + (f"; machine paths in outputs: {paths}" if paths
                                                                        else ""))
        status = status or bool(paths)
    return status


if __name__ == "__main__":
    sys.exit(main())
