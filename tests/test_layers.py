"""The package's shape: the posts' modules at the root, the machinery behind, and imports that only run down.

Read from the source (every import, those inside functions too), so it costs no TensorFlow. The layers, top down:

    cli            the command line (and __main__): imported by nothing in the package
    bench          the benchmark: imported only by the command line
    beyond         the tools beyond the posts (inspect, the in-graph sampler): by the command line and the benchmark
    reproduction   presets, experiments, records, figures, show_source: by those three; never into beyond or bench
    tutorials      the posts' root modules, graphs/, architectures/, ptb/, corpus/: import tutorials, tf1, runtime
    runtime        the machinery (and the shipped models' folder): imports itself and tf1 only; the checkpoint
                   format may name the vocabulary (data) and the cell types (cell_types), whose same-model
                   relation the builders' table reads to decide which checkpoints restore into which graphs
    tf1            TensorFlow in graph mode: imports nothing of the package
"""
import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "r2rt_rnn"
POSTS_MODULES = {"tf1", "data", "cells", "cell_types", "model", "train", "generate", "min_char_rnn"}
TUTORIAL_FOLDERS = {"graphs", "architectures", "ptb", "corpus"}
BEHIND = {"bench", "runtime", "reproduction", "beyond", "cli", "pretrained"}
# The one licensed exception to "the machinery imports only itself": what a checkpoint records about its model.
CHECKPOINT_NAMES = {"r2rt_rnn.runtime.checkpoint": {"r2rt_rnn.data", "r2rt_rnn.cell_types"},
                    "r2rt_rnn.runtime.builders": {"r2rt_rnn.cell_types"}}


def module_name(path):
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path):
    """The r2rt_rnn modules ``path`` imports (relative imports resolved; ``from . import x`` as ``pkg.x``)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("r2rt_rnn")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base
                                                                                                    else []))
            if base.startswith("r2rt_rnn."):
                found.add(base)
            if base.startswith("r2rt_rnn"):
                found |= {f"{base}.{a.name}" for a in node.names}
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def graph():
    return {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}


def layer(name):
    """The layer of module ``name``."""
    parts = name.split(".")
    if name == "r2rt_rnn":
        return "package"
    top = parts[1]
    if top in ("cli", "__main__"):
        return "cli"
    if top in ("bench", "beyond", "reproduction", "tf1"):
        return top
    if top in ("runtime", "pretrained"):
        return "runtime"
    assert top in POSTS_MODULES | TUTORIAL_FOLDERS, f"{name} is in no layer"
    return "tutorials"


ALLOWED = {  # layer -> the layers it may import
    "package": set(),
    "cli": {"cli", "bench", "beyond", "reproduction", "tutorials", "runtime", "tf1"},
    "bench": {"bench", "beyond", "reproduction", "tutorials", "runtime", "tf1"},
    "beyond": {"beyond", "reproduction", "tutorials", "runtime", "tf1"},
    "reproduction": {"reproduction", "tutorials", "runtime", "tf1"},
    "tutorials": {"tutorials", "runtime", "tf1"},
    "runtime": {"runtime", "tf1"},
    "tf1": set(),
}


def test_the_root_shows_the_posts_modules_and_a_few_folders():
    entries = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert modules == POSTS_MODULES
    assert entries - {p.name for p in PACKAGE.glob("*.py")} == TUTORIAL_FOLDERS | BEHIND
    assert len(entries) <= 20


def test_every_import_runs_down_a_layer():
    offenders = {}
    for name, deps in graph().items():
        bad = sorted(d for d in deps if layer(d) not in ALLOWED[layer(name)]
                     and d not in CHECKPOINT_NAMES.get(name, ()))
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_the_layer_rules_catch_a_wrong_import():
    """The check is not vacuous: each kind of upward import is seen as one."""
    for low, high in (("r2rt_rnn.runtime.files", "r2rt_rnn.model"), ("r2rt_rnn.model", "r2rt_rnn.reproduction.show"),
                      ("r2rt_rnn.reproduction.reproduce", "r2rt_rnn.beyond.in_graph_sampler"),
                      ("r2rt_rnn.beyond.inspect", "r2rt_rnn.cli.common"), ("r2rt_rnn.tf1", "r2rt_rnn.runtime.errors")):
        assert layer(high) not in ALLOWED[layer(low)], (low, high)


def test_there_are_no_import_cycles():
    g = graph()
    # a package importing its own submodules (its __init__ re-exporting them) is not a cycle between modules
    edges = {m: {d for d in deps if not d.startswith(m + ".")} for m, deps in g.items()}
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles


def test_the_layers_are_really_read():
    g = graph()
    assert "r2rt_rnn.train" in g["r2rt_rnn.cli.train"] and "r2rt_rnn.tf1" in g["r2rt_rnn.train"]
    assert len(g) > 50 and Path(PACKAGE / "cli").is_dir()
