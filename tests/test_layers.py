"""The package's layers: the command layer sits above the teaching and library modules, and nothing imports in a
circle. Read from the source (every import, those inside functions too), so it costs no TensorFlow."""
import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "r2rt_rnn"
COMMAND_LAYER = ("r2rt_rnn.cli", "r2rt_rnn.commands", "r2rt_rnn.__main__")


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
            if base.startswith("r2rt_rnn"):
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def graph():
    return {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}


def in_command_layer(name):
    return any(name == layer or name.startswith(layer + ".") for layer in COMMAND_LAYER)


def test_no_teaching_or_library_module_imports_the_command_layer():
    offenders = {m: sorted(d for d in deps if in_command_layer(d))
                 for m, deps in graph().items() if not in_command_layer(m)}
    assert not {m: d for m, d in offenders.items() if d}


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
    assert "r2rt_rnn.train" in g["r2rt_rnn.commands.train"] and "r2rt_rnn.tf1" in g["r2rt_rnn.train"]
    assert len(g) > 50 and Path(PACKAGE / "commands").is_dir()
