"""``python -m r2rt_rnn corpus stdlib --out FILE``: write a training text built by a recipe.

One recipe so far, ``stdlib``: Python source from the standard library beside the
running interpreter (:mod:`r2rt_rnn.corpus.stdlib_source` says which files and why).
Train on it with ``python -m r2rt_rnn train --preset stdlib_source --text FILE``.
"""
from pathlib import Path

from ..corpus.stdlib_source import DEFAULT_MAX_BYTES, SKIPPED_FOLDERS, build_stdlib_text, source_files, stdlib_folder
from ..runtime.errors import R2RTError
from ..runtime.files import check_output, write_file
from .common import flags

FLAGS = {"out": "--out", "max_bytes": "--max-bytes", "root": "--root", "overwrite": "--overwrite"}


def add_arguments(parser):
    parser.add_argument("recipe", metavar="RECIPE",
                        help="stdlib: the standard library's own .py files (no tests, no site-packages, "
                             f"no {', '.join(sorted(SKIPPED_FOLDERS - {'test', 'tests', 'idle_test'}))}), "
                             "ASCII files only, in sorted order")
    parser.add_argument("--out", required=True, metavar="FILE", help="the text file to write")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                        help="whole files, in order, while the text stays within N bytes")
    parser.add_argument("--root", default=None, metavar="DIR",
                        help="read this folder instead of the running interpreter's standard library")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace FILE if it exists (default: refuse); never a file the recipe reads or a "
                             "checkpoint's file")


RECIPES = ("stdlib",)


def main(args):
    if args.recipe not in RECIPES:
        raise R2RTError(f"unknown recipe {args.recipe!r}; the recipes are: {', '.join(RECIPES)}")
    with flags(FLAGS):
        root = Path(args.root).expanduser() if args.root is not None else stdlib_folder()
        if args.root is not None and not root.is_dir():
            raise R2RTError(f"--root {args.root} is not a folder; give the folder that holds the .py files")
        # the files the recipe reads are its inputs: never an output, --overwrite or not
        out = check_output(args.out, "out", inputs=[root / rel for rel in source_files(root)] if root.is_dir() else [],
                           overwrite=args.overwrite)
        built = build_stdlib_text(root, args.max_bytes)
        write_file(out, built.text, "out")
    lines = built.text.count("\n")
    print(f"wrote {out}: {len(built.text):,} characters, {lines:,} lines, {len(set(built.text))} distinct, "
          f"from {len(built.used)} files under {built.root}")
    print(f"left out: {len(built.non_ascii)} files with non-ASCII characters, {built.over_cap} that did not fit "
          f"in --max-bytes {args.max_bytes:,}")
    return 0
