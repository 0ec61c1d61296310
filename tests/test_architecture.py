"""The rules of the house that a linter does not check (import-linter checks the direction of
the apps' dependencies; see pyproject.toml and docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "common",
    "grid",
    "customers",
    "accounts_manager",
    "visits",
    "outages",
    "complaints",
    "billing",
    "risk",
    "dashboards",
    "devtools",
    "config",
)
# A first-party import inside a function is allowed in AppConfig.ready() only (Django loads the
# apps before their modules may be imported); modules that need each other import each other as
# modules at the top (docs/architecture.md, "Layers").
MAX_LINES = 600


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _inner_imports(path: Path):
    source = path.read_text()
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if path.name == "apps.py" and function.name == "ready":
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if not any(name.split(".")[0] in APPS for name in names):
                continue
            yield f"{path.relative_to(ROOT)}:{node.lineno} imports {names[0]}"


def test_no_first_party_import_hides_inside_a_function():
    found = [problem for path in _modules() for problem in _inner_imports(path)]
    assert found == [], "\n".join(found)


def test_no_module_is_longer_than_600_lines():
    long = []
    for path in _modules():
        if path.name == "models.py":
            continue
        count = len(path.read_text().splitlines())
        if count > MAX_LINES:
            long.append(f"{path.relative_to(ROOT)}: {count} lines")
    assert long == [], "\n".join(long)
