"""The suite itself: it starts without pytest-xdist (one process), and with it on two workers by default."""
import subprocess
import sys

from conftest import REPO


def test_the_suite_starts_without_xdist_and_uses_two_workers_with_it():
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_layers.py"]
    alone = subprocess.run(args + ["-p", "no:xdist"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert alone.returncode == 0 and "5 passed" in alone.stdout, alone.stdout[-2000:]
    assert "bringing up nodes" not in alone.stdout
    shared = subprocess.run(args[:3] + ["-p", "no:cacheprovider", "tests/test_layers.py"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert shared.returncode == 0 and "created: 2/2 workers" in shared.stdout, shared.stdout[-2000:]
