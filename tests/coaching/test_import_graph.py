"""The apps import one way: no module, when it is loaded, imports one that imports it back,
and no models module imports its own app's views, forms or services, even inside a function.

`coaching/models.py` imported `coaching/views.py` inside `WaitListPage.serve`: a model that
could not serve without the views, and the one-way rule in the README was not true.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"coachhouse": ROOT / "site", "accounts": ROOT / "accounts", "course": ROOT / "course",
            "lessons": ROOT / "lessons", "coaching": ROOT / "coaching"}  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if "migrations" in parts or "tests" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def _nodes(tree, *, load_time_only: bool):
    """Every node, or only those run when the module is loaded (not in function bodies)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if load_time_only and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            pending.append(child)


def _imports(path: Path, modules: dict[str, Path], *, load_time_only: bool) -> set[str]:
    """First-party modules the file imports: when loaded, or anywhere."""
    names = set()
    for node in _nodes(ast.parse(path.read_text()), load_time_only=load_time_only):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in names if name in modules}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_module_of_the_apps_imports_one_that_imports_it_back():
    modules = _modules()
    graph = {
        name: _imports(path, modules, load_time_only=True) - {name}
        for name, path in modules.items()
    }
    # A package's __init__ is imported by its submodules' imports; that is not a cycle.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}

    assert _cycles(graph) == []


UPPER_LAYERS = (".views", ".forms", ".services", ".payments", ".admin_views", ".wagtail_hooks")


def test_models_never_import_the_views_forms_or_services_built_on_them():
    modules = _modules()
    for name, path in modules.items():
        if name.endswith(".models"):
            app = name.split(".")[0]
            imported = _imports(path, modules, load_time_only=False)
            own = {t for t in imported if t.startswith(app + ".")}
            assert not {t for t in own if t.endswith(UPPER_LAYERS)}, name
