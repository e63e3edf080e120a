"""Draw the post's pictures (r2rt_rnn.reproduction.figures.post_diagrams) into docs/figures/ as PNG: run again
after changing one.

    python scripts/draw_diagrams.py [--out docs/figures]
"""
import argparse
import io
import sys
from pathlib import Path

from r2rt_rnn.reproduction.figures import post_diagrams as diagrams
from r2rt_rnn.runtime.files import write_file

REPO = Path(__file__).resolve().parent.parent
FIGURES = {
    "unrolling.png": lambda: diagrams.unrolling_figure(5),
    "dropout.png": lambda: diagrams.dropout_figure(3, 0.9),
    "ln_lstm.png": diagrams.ln_lstm_figure,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "figures"))
    args = parser.parse_args(argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        buffer = io.BytesIO()
        draw().savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        print(write_file(Path(args.out) / name, buffer.getvalue(), "out"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
