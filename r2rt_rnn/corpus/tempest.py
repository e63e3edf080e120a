"""*The Tempest*, the text the gentle intro trained on, cut from the bundled tiny-shakespeare.

Tiny-shakespeare ends with the opening of *The Tempest*: its last 34,655 characters, from the
Master's first line ("Boatswain!") to the end of the file, are Act 1 and part of Act 2 (PROSPERO,
MIRANDA, SEBASTIAN, GONZALO, FERDINAND ...). :func:`tempest` finds that opening, so the cut needs
no offsets typed in, and refuses a text that does not contain it.
"""
from ..data import load_text
from ..runtime.errors import R2RTError

OPENING = "Master:\nBoatswain!"  # the play's first line, in tiny-shakespeare's speaker format


def tempest(text=None):
    """The Tempest part of ``text`` (default: the bundled tiny-shakespeare): from its opening to the end."""
    text = load_text(None) if text is None else text
    start = text.rfind(OPENING)
    if start < 0:
        raise R2RTError("this text does not contain The Tempest's opening ('Master:' / 'Boatswain!'); "
                        "use the bundled tiny-shakespeare")
    return text[start:]


def speakers(text):
    """``{name: how many speeches}`` of a play in tiny-shakespeare's format (a line ``NAME:`` opens a speech)."""
    counts = {}
    lines = text.splitlines()
    for line, following in zip(lines, lines[1:] + [""]):
        if line.endswith(":") and line[:-1].replace(" ", "").isalpha() and line.isupper() and following.strip():
            counts[line[:-1]] = counts.get(line[:-1], 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
