"""The suite itself: it starts without pytest-xdist (one process), and with it on two workers by default."""
import subprocess
import sys
from types import SimpleNamespace

import conftest
from conftest import REPO


def test_the_suite_starts_without_xdist():
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "tests/test_layers.py"]
    alone = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert alone.returncode == 0 and "5 passed" in alone.stdout, alone.stdout[-2000:]
    assert "bringing up nodes" not in alone.stdout


def _config(numprocesses=None, xdist=True, worker=False, collectonly=False):
    option = SimpleNamespace(numprocesses=numprocesses, dist="no", collectonly=collectonly)
    config = SimpleNamespace(option=option, pluginmanager=SimpleNamespace(hasplugin=lambda name: xdist),
                             getoption=lambda name, default=None: getattr(option, name, default))
    if worker:
        config.workerinput = {}
    return config


def test_two_workers_are_the_default_where_xdist_is_installed():
    config = _config()
    conftest.pytest_cmdline_main(config)
    assert (config.option.numprocesses, config.option.dist) == (2, "loadgroup")
    for untouched in (_config(numprocesses=0), _config(xdist=False), _config(worker=True), _config(collectonly=True)):
        before = vars(untouched.option).copy()
        conftest.pytest_cmdline_main(untouched)
        assert vars(untouched.option) == before
