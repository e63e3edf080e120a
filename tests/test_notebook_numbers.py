"""A notebook's Markdown quotes no measured number by hand: measured and recorded values reach the prose through
``say(f"...")``, formatted from the value itself, so they cannot drift from it.

What a Markdown cell may still write with a decimal point is a figure from outside our runs: the tutorial's, the
paper's, a configuration's setting. Each notebook checked here names where those come from; any other decimal
number in its Markdown (a measurement typed by hand, or a published one changed) fails this test. Integers
(sizes, counts of epochs) are not checked.

Checked: notebooks 01, 03 and 04. Notebook 02's Markdown quotes recorded numbers, each bound to its record field
by ``tests/test_quoted_numbers.py``; what 01 measures live reaches its prose through ``say()`` too.
"""
import dataclasses
import json
import re

import pytest

from conftest import REPO

DECIMAL = re.compile(r"(?<![\w.])\d[\d,]*\.\d+")


def _ptb_external():
    from r2rt_rnn.ptb.configs import CONFIGS, PUBLISHED, PUBLISHED_BY_CONFIG

    values = set()

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            values.add(float(x))

    walk([PUBLISHED, PUBLISHED_BY_CONFIG, [dataclasses.asdict(c()) for c in CONFIGS.values()]])
    return values


def _gentle_external():
    """Notebook 01's settings (``Config``, and try-this 3's rate) and TensorFlow's Adagrad starting accumulator."""
    import inspect

    from r2rt_rnn.min_char_rnn import Config
    from r2rt_rnn.tf1 import tf

    adagrad = inspect.signature(tf.train.AdagradOptimizer).parameters["initial_accumulator_value"].default
    settings = [v for v in dataclasses.asdict(Config()).values() if isinstance(v, (int, float))]
    return {float(v) for v in settings} | {10 * Config().learning_rate, adagrad}


EXTERNAL = {
    "01_gentle_intro_min_char_rnn.ipynb": _gentle_external,
    "03_slides_architectures.ipynb": set,  # the slides' sizes are integers; every measured value goes through say()
    "04_ptb_word_lm.ipynb": _ptb_external,
}


def markdown(name):
    cells = json.loads((REPO / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def unexplained(texts, allowed):
    """The decimal numbers in ``texts`` that are none of the ``allowed`` values (as written, to its digits)."""
    bad = []
    for text in texts:
        for n in DECIMAL.findall(text):
            value, digits = float(n.replace(",", "")), len(n.split(".")[1])
            if not any(round(a, digits) == value for a in allowed):
                bad.append(n)
    return bad


@pytest.mark.parametrize("name", sorted(EXTERNAL))
def test_markdown_quotes_only_external_figures(name):
    assert unexplained(markdown(name), EXTERNAL[name]()) == []


@pytest.mark.parametrize("name", sorted(EXTERNAL))
def test_a_changed_or_typed_number_fails(name):
    allowed = EXTERNAL[name]()
    texts = markdown(name)
    assert unexplained(texts + ["validation 118.92 after 13 epochs"], allowed) == ["118.92"]  # a measured value
    quoted = next((n for t in texts for n in DECIMAL.findall(t)), None)  # the first external figure it quotes
    if quoted is None:
        return  # it quotes none: any decimal number in its Markdown fails, as checked above
    changed = [t.replace(quoted, quoted + "7", 1) for t in texts]  # one more digit: another value
    assert unexplained(changed, allowed), f"changing {quoted} went unnoticed"
