"""The package's import graph, read from its source with `ast`: data flow one way.

Every import counts, those inside functions too (a lazy import is still an
arrow); relative imports are resolved against the importing module.
"""

import ast
import os

import pytest

import astro_colorgan

PACKAGE = "astro_colorgan"
ROOT = os.path.dirname(os.path.abspath(astro_colorgan.__file__))


def _module_name(path):
    parts = os.path.relpath(path, os.path.dirname(ROOT))[:-len(".py")].split(os.sep)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, module):
    """The modules (and ``module.name`` forms) that the file at ``path`` imports."""
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    found = set()
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == PACKAGE or name.startswith(PACKAGE + ".")}


def import_graph():
    """Module name to the names of the package's modules it imports."""
    graph = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                module = _module_name(path)
                graph[module] = _imports(path, module)
    return graph


def _unit(name):
    """The subpackage (or top-level module) a module belongs to: ``astro_colorgan.X``."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else None


def unit_graph(graph):
    """Subpackage to the subpackages it imports, each arrow with one import that makes it."""
    units = {_unit(module) for module in graph} - {None}
    arrows = {}
    for module, imported in graph.items():
        for name in imported:
            source, target = _unit(module), _unit(name)
            if source and target in units and source != target:
                arrows.setdefault(source, {}).setdefault(target, f"{module} imports {name}")
    return arrows


def module_graph(graph):
    """Module to the modules it imports (``from package import name`` counts as
    importing ``package.name`` where that is a module, else ``package``)."""
    arrows = {}
    for module, imported in graph.items():
        for name in imported:
            target = name if name in graph else name.rpartition(".")[0]
            if target in graph and target != module:
                arrows.setdefault(module, {}).setdefault(target, f"{module} imports {name}")
    return arrows


def find_cycle(arrows):
    """One cycle of the graph as a list of nodes, or `None` (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(arrows.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(arrows):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_is_read_with_relative_and_function_level_imports(graph, tmp_path):
    source = tmp_path / "_x.py"
    source.write_text("import os\nfrom ..io import read_image\nfrom . import _y\n\n\n"
                      "def f():\n    from ..composite._stack import stack\n")
    found = _imports(str(source), "astro_colorgan.colorize._x")
    assert found == {"astro_colorgan.io", "astro_colorgan.io.read_image",
                     "astro_colorgan.colorize", "astro_colorgan.colorize._y",
                     "astro_colorgan.composite._stack", "astro_colorgan.composite._stack.stack"}
    assert "astro_colorgan.io" in graph["astro_colorgan.composite._stack"]
    assert find_cycle({"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": ""}, "b": {}}) is None


def test_no_cycle_between_subpackages(graph):
    arrows = unit_graph(graph)
    cycle = find_cycle(arrows)
    assert cycle is None, "import cycle: " + "; ".join(
        arrows[a][b] for a, b in zip(cycle, cycle[1:]))


def test_no_cycle_between_modules(graph):
    arrows = module_graph(graph)
    cycle = find_cycle(arrows)
    assert cycle is None, "import cycle: " + "; ".join(
        arrows[a][b] for a, b in zip(cycle, cycle[1:]))


def test_composite_imports_nothing_from_colorize(graph):
    arrows = unit_graph(graph).get("astro_colorgan.composite", {})
    assert "astro_colorgan.colorize" not in arrows, arrows.get("astro_colorgan.colorize")


def test_only_the_command_line_and_main_modules_import_the_cli(graph):
    offenders = [f"{module} imports {name}" for module, imported in graph.items()
                 for name in imported
                 if _unit(name) == "astro_colorgan.cli" and _unit(module) != "astro_colorgan.cli"
                 and not module.endswith(".__main__")]
    assert not offenders, offenders
    # training's own entry point (the form torchrun starts) does not reach up either
    assert not any(_unit(name) == "astro_colorgan.cli"
                   for name in graph["astro_colorgan.training.__main__"])
