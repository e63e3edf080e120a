"""One set of numbers in prose too: every number the README, ``docs/*.md`` and notebook 02's Markdown quote is
bound to the record field it comes from, and that field, rounded to the digits written, is the number written.

``tests/test_recorded_numbers.py`` checks the results tables row by row against the run each row names; this
module checks everything else those files write with a decimal point or a thousands comma. The bindings are
``docs/numbers.json``, written and explained by ``scripts/quoted_numbers.py``; numbers that are not ours (the
post's, a paper's, a version, logs of runs that were never recorded) are listed there with where they come from.
Notebooks 01-04 quote no measured number in Markdown (``tests/test_notebook_numbers.py``).

What this cannot see: a number changed into another number already bound in the same file, and integers without
a thousands comma (epochs, sizes, counts).
"""
import importlib.util

import pytest

from conftest import REPO


def _script():
    spec = importlib.util.spec_from_file_location("quoted_numbers", REPO / "scripts" / "quoted_numbers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FILES = _script().FILES  # the files the script checks: README.md, docs/*.md, notebook 02


@pytest.fixture(scope="module")
def qn():
    return _script()


@pytest.fixture(scope="module")
def values(qn):
    return qn.fields()


def test_the_documents_checked():
    assert set(FILES) == {"README.md", "docs/REPRODUCTION.md", "docs/BENCHMARK.md", "docs/EQUATIONS.md",
                          "notebooks/02_r2rt_rnns_in_tensorflow_ii.ipynb"}


@pytest.mark.parametrize("name", FILES)
def test_every_quoted_number_is_its_records(qn, values, name):
    assert qn.problems(name, qn.load_bindings(), values) == []


def test_the_bindings_cover_the_files_quoted_numbers(qn):
    bindings = qn.load_bindings()
    assert sorted(bindings) == sorted(qn.FILES)
    assert sum(len(b) for b in bindings.values()) > 500  # the check really reads the documents


def test_derived_values_come_from_the_records(qn):
    derived = qn.derived(qn.records())
    assert derived["derived:ln 65 (a uniform guess over tiny-shakespeare's 65 characters)"] == pytest.approx(4.1744,
                                                                                                              abs=1e-4)
    assert len(derived) > 30


@pytest.mark.parametrize("name", [f for f in FILES if f != "docs/EQUATIONS.md"])  # EQUATIONS quotes no decimals
def test_a_changed_number_fails(qn, values, name, monkeypatch):
    """The mutation the issue asks for, in every file: each bound number's last digit changed, one at a time."""
    text, bindings = qn.text_of(name), qn.load_bindings()
    bound = [n for n in bindings[name] if "." in n]
    assert bound
    for n in bound:
        changed = n[:-1] + str((int(n[-1]) + 1) % 10)
        if changed in bindings[name] or changed in qn.NOT_RECORDED[name]:
            continue  # the one blind spot: another number this file already quotes
        mutated = text.replace(n, changed)
        monkeypatch.setattr(qn, "text_of", lambda _, t=mutated: t)
        assert qn.problems(name, bindings, values), f"{name}: {n} -> {changed} went unnoticed"
    monkeypatch.setattr(qn, "text_of", lambda _: text + "\nvalidation 1.23456 after 7 epochs")
    assert any("1.23456" in p for p in qn.problems(name, bindings, values))


def test_a_changed_record_fails(qn, values):
    """A record re-run without the documents following: the field's new value no longer shows as written."""
    bindings = qn.load_bindings()
    n, key = next((n, k) for n, k in bindings["README.md"].items() if k.startswith("docs/results/cell_comparison"))
    moved = dict(values, **{key: values[key] + 0.01 * max(1.0, abs(values[key]))})
    assert any(n in p for p in qn.problems("README.md", bindings, moved))
