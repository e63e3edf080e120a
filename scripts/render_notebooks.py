#!/usr/bin/env python
"""Render notebooks to HTML as a reader sees them: MathJax served from this machine, prose cells' code hidden.

A code cell tagged ``hide-input`` (the cells whose ``say(f"...")`` writes a conclusion from measured values,
branches included) shows its output alone, as Jupyter shows it with ``source_hidden`` set. MathJax comes from
the ``jupyter-server-mathjax`` package (the ``notebooks`` extra), so the pages render without the internet.

    python scripts/render_notebooks.py notebooks/*.ipynb --out runs/rendered
"""
import argparse
import sys
from pathlib import Path

import nbformat

HIDE_INPUT = "hide-input"
# jupyter-server-mathjax ships MathJax 2's STIX-Web fonts only (not its default TeX ones): a MathJax object defined
# before MathJax.js loads is its configuration
FONTS = ('window.MathJax = {"HTML-CSS": {availableFonts: ["STIX-Web"], preferredFont: "STIX-Web", '
         'webFont: "STIX-Web", imageFont: null}};')


def mathjax_url():
    """A ``file://`` URL of the MathJax 2 bundled with ``jupyter-server-mathjax``; None where it is not installed."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        return None
    script = Path(jupyter_server_mathjax.__file__).parent / "static" / "MathJax.js"
    return f"{script.as_uri()}?config=TeX-AMS-MML_HTMLorMML-full,Safe" if script.is_file() else None


def render(path, out):
    """Write ``out/NAME.html`` for the notebook at ``path``; returns the HTML file's path."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    url = mathjax_url()
    if url is None:
        raise SystemExit("MathJax is not installed here: pip install -e '.[notebooks]' (jupyter-server-mathjax)")
    # require.js is for widgets, which these notebooks have none of: an empty script instead of a CDN fetch
    exporter = HTMLExporter(template_name="lab", mathjax_url=url, require_js_url="data:text/javascript,")
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={HIDE_INPUT}), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
    body = body.replace(f'<script src="{url}"', f"<script>{FONTS}</script>\n<script src=\"{url}\"", 1)
    target = Path(out) / (Path(path).stem + ".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("runs") / "rendered")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(render(path, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
