"""Shared fixtures: a small slice of the bundled corpus, so graphs train in seconds."""
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("R2RT_QUICK", "1")


@pytest.fixture(scope="session")
def corpus():
    from r2rt_rnn.data import bundled_corpus

    return bundled_corpus()


@pytest.fixture(scope="session")
def small_data(corpus):
    """The first 20,000 character ids of tiny-shakespeare (vocabulary: the whole corpus's 65)."""
    return corpus.train[:20000]


def run_python(code, cwd=REPO, env=None):
    """Run ``python -c code`` in a fresh process (fresh hash seed too); returns CompletedProcess."""
    import subprocess

    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def run_cli(*args, cwd=REPO):
    import subprocess

    return subprocess.run([sys.executable, "-m", "r2rt_rnn", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600)
