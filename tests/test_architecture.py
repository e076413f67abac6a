"""The code's own imports, read from the source: no cycle between the packages and modules of app/, and no arrow
pointing upward from models/ or sla/. Imports inside functions count too: hiding an import in a function does
not remove the dependency."""
import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What models/ may import from app/: the pieces a table definition needs, nothing that acts.
MODELS_MAY_IMPORT = {"models", "enums", "extensions", "timesource"}


def _unit(module: str) -> str | None:
    """The unit an importable name belongs to: `sla`, or the package/module directly under app/."""
    parts = module.split(".")
    if parts[0] == "sla":
        return "sla"
    if parts[0] != "app":
        return None
    return parts[1] if len(parts) > 1 else "app"


def _imports():
    """{unit: {imported unit: [where]}} for every import in app/ and sla/."""
    graph = defaultdict(lambda: defaultdict(list))
    for path in list((ROOT / "app").rglob("*.py")) + list((ROOT / "sla").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        source = _unit(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from app import enums` imports the module app.enums, not the package's __init__.
                names = [f"{node.module}.{a.name}" for a in node.names] if node.module == "app" else [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                target = _unit(name)
                if target is None and name.split(".")[0] in ("flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug"):
                    target = "<web or database library>"
                if target and target != source:
                    graph[source][target].append(f"{path.relative_to(ROOT)}: {name}")
    return graph


def _cycles(graph):
    """Strongly connected groups of more than one unit (Tarjan)."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in list(graph):
        if v not in index:
            visit(v)
    return groups


def test_no_import_cycle_between_the_parts_of_app():
    graph = _imports()
    # The application factory (app/__init__.py) wires every part together; nothing imports it back.
    assert "app" not in {t for targets in graph.values() for t in targets}, \
        [w for s, t in graph.items() for w in t.get("app", [])]
    cycles = _cycles({s: {t: 1 for t in ts if t != "app"} for s, ts in graph.items()})
    detail = [{a: {b: graph[a][b][:2] for b in group if b in graph[a]} for a in group} for group in cycles]
    assert cycles == [], detail


def test_models_and_the_engine_point_only_downward():
    graph = _imports()
    assert set(graph["sla"]) == set(), dict(graph["sla"])  # the engine is pure Python: no app, no Flask, no SQL
    upward = {t: w for t, w in graph["models"].items() if t not in MODELS_MAY_IMPORT | {"<web or database library>"}}
    assert upward == {}, upward


def test_the_check_sees_a_cycle():
    assert _cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [{"a", "b", "c"}]
