#!/usr/bin/env python
"""Rewrite every ``show_source`` output stored in the notebooks with what ``show_source`` shows today.

A notebook's committed outputs come from its last full run; when a listed function
changes, its listing there goes stale. Each stored listing names its objects in its
header lines (``# r2rt_rnn.train.train_network  (r2rt_rnn/train.py, line 20)``): this
script imports them and writes :class:`r2rt_rnn.reproduction.show.Source` of them in place of the
old listing, without running the notebook. ``tests/test_show.py`` fails while any is stale.
A listing is stale when its source text differs from today's, or it is not stored as
today's code block (``text/html``; listings stored as Markdown are rewritten); the
highlighting's colours, which depend on the Pygments version, are not compared.

    python scripts/refresh_listings.py            # rewrite the stale ones
    python scripts/refresh_listings.py --check    # only list them; exit 1 if any
"""
import argparse
import importlib
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADER = re.compile(r"^# (r2rt_rnn[\w.]*)  \(", re.M)


def listed_object(qualname):
    """Import ``r2rt_rnn.module.Name[.method]`` by its dotted name."""
    parts = qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(qualname)


def _stored(output, mime):
    return "".join(output.get("data", {}).get(mime, ""))


def listings(notebook):
    """``(output, names)`` for each stored show_source output of a notebook read as JSON (either format)."""
    from r2rt_rnn.reproduction.show import HTML_CLASS

    for cell in notebook["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            code_block = f'class="{HTML_CLASS}"' in _stored(output, "text/html") or \
                _stored(output, "text/markdown").startswith("```")  # the format before text/html
            if code_block and HEADER.search(_stored(output, "text/plain")):
                yield output, HEADER.findall(_stored(output, "text/plain"))


def current(names):
    """What show_source shows today for these objects: ``{"text/html": ..., "text/plain": ...}``."""
    from r2rt_rnn.reproduction.show import Source

    source = Source(*[listed_object(n) for n in names])
    return {"text/html": source._repr_html_(), "text/plain": source.text}


def _is_current(output, fresh):
    """Today's text, stored as today's code blocks (the same opening tag; colours are Pygments')."""
    first_tag = fresh["text/html"].split(">", 1)[0]
    return set(output.get("data", {})) == set(fresh) and _stored(output, "text/plain") == fresh["text/plain"] \
        and _stored(output, "text/html").startswith(first_tag)


def stale(path):
    """The stale listings of one notebook: ``(notebook JSON, [(output, fresh data), ...])``."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    found = []
    for output, names in listings(notebook):
        fresh = current(names)
        if not _is_current(output, fresh):
            found.append((output, fresh))
    return notebook, found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list stale listings and exit 1 if any")
    args = parser.parse_args(argv)
    import r2rt_rnn

    r2rt_rnn.quiet()  # the listed objects' modules load TensorFlow: its start-up lines and warnings out of sight
    any_stale = False
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        notebook, found = stale(path)
        for output, fresh in found:
            any_stale = True
            print(f"{path.name}: {HEADER.findall(fresh['text/plain'])}")
            if not args.check:
                output["data"] = {k: v.splitlines(keepends=True) for k, v in fresh.items()}
        if found and not args.check:
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if args.check and any_stale else 0


if __name__ == "__main__":
    sys.exit(main())
