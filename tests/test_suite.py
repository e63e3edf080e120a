"""The suite itself: it starts without pytest-xdist (one process), and with it on two workers by default."""
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

import conftest
from conftest import REPO

PROBE = os.environ.get("R2RT_GROUP_PROBE")  # set only by the test below, for the two probes it runs


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


@pytest.fixture(scope="module")
def shared():
    """A module-scoped fixture, as a trained model is: built once per process that runs the module's tests."""
    with open(PROBE, "a", encoding="utf-8") as f:
        f.write(f"built on {os.environ.get('PYTEST_XDIST_WORKER', 'main')}\n")


if PROBE:  # collected only in the run the test below starts
    @pytest.mark.parametrize("n", range(4))
    def test_group_probe(shared, n):
        with open(PROBE, "a", encoding="utf-8") as f:
            f.write(f"ran on {os.environ.get('PYTEST_XDIST_WORKER', 'main')}\n")


def test_a_module_fixture_is_built_once_on_two_workers(tmp_path):
    """The default two workers keep a module's tests that share a module-scoped fixture on one worker."""
    log = tmp_path / "probe.log"
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_suite.py", "-k", "probe"]
    run = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "R2RT_GROUP_PROBE": str(log)})
    assert run.returncode == 0 and "4 passed" in run.stdout, run.stdout[-2000:]
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len([line for line in lines if line.startswith("built")]) == 1, lines
    assert len({line.split()[-1] for line in lines}) == 1, lines
