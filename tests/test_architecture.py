"""The import rule of docs/architecture.md, read from the sources: no module of a domain app
imports an interface (the API, the pages, files in and out, the demo, a management command),
not at the top and not inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
DOMAIN = (
    "core",
    "accounts",
    "divisions",
    "registry",
    "workforce",
    "procurement",
    "targets",
    "stats",
)
INTERFACES = ("shuniu.api", "shuniu.web", "shuniu.interop", "shuniu.demo")
# Violations known today, each with its reason; empty, and to be kept so.
KNOWN: dict[tuple[str, str], str] = {}


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_command(module: str) -> bool:
    return ".management.commands" in f"{module}."


def is_interface(module: str) -> bool:
    return is_command(module) or any(
        module == package or module.startswith(f"{package}.") for package in INTERFACES
    )


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every module an import statement in ``source`` names (``from a import b`` names ``a``
    and ``a.b``, since ``b`` may be a module), relative imports resolved against ``module``."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def domain_modules(src: Path = SRC) -> list[Path]:
    paths = []
    for app in DOMAIN:
        for path in sorted((src / "shuniu" / app).rglob("*.py")):
            # a domain app's own management commands are interfaces that live in it
            if not is_command(module_name(path, src)):
                paths.append(path)
    return paths


def violations(src: Path = SRC) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for path in domain_modules(src):
        module = module_name(path, src)
        source = path.read_text(encoding="utf-8")
        for imported in imported_modules(source, module, path.name == "__init__.py"):
            if is_interface(imported):
                found[(module, imported)] = found.get((module, imported), 0) + 1
    return found


def test_no_domain_module_imports_an_interface():
    # given every module of the domain apps (migrations included, their commands excluded)
    assert len(domain_modules()) > 60
    # when their imports are read
    found = violations()
    # then none names an interface, beyond the known exceptions
    assert set(found) - set(KNOWN) == set(), "\n".join(sorted(f"{m} imports {i}" for m, i in found))
    assert set(KNOWN) <= set(found), "a known exception is gone: remove it from KNOWN"


@pytest.mark.parametrize(
    ("source", "module", "is_package", "expected"),
    [
        ("import shuniu.api.errors", "shuniu.core.x", False, {"shuniu.api.errors"}),
        (
            "def f():\n    from shuniu.web import views\n",
            "shuniu.core.x",
            False,
            {"shuniu.web", "shuniu.web.views"},
        ),
        (
            "from ..interop import cells",
            "shuniu.core.x",
            False,
            {"shuniu.interop", "shuniu.interop.cells"},
        ),
        ("from . import models", "shuniu.core", True, {"shuniu.core", "shuniu.core.models"}),
        (
            "from .management.commands import backup",
            "shuniu.core.backup",
            False,
            {"shuniu.core.management.commands", "shuniu.core.management.commands.backup"},
        ),
    ],
)
def test_the_reader_finds_every_kind_of_import(source, module, is_package, expected):
    # when the imports of the source are read
    found = imported_modules(source, module, is_package)
    # then they are these
    assert found == expected


def test_a_domain_module_importing_an_interface_is_found(tmp_path):
    # given a domain module with an import of the API inside a function
    app = tmp_path / "shuniu" / "stats"
    app.mkdir(parents=True)
    (app / "selectors.py").write_text("def f():\n    from shuniu.api import errors\n")
    (app / "services.py").write_text("from shuniu.core import errors\n")
    # when the rule is checked
    found = violations(tmp_path)
    # then that import, and only it, is found
    assert found == {
        ("shuniu.stats.selectors", "shuniu.api"): 1,
        ("shuniu.stats.selectors", "shuniu.api.errors"): 1,
    }


# --- no import cycles: a module works whichever of a pair is imported first -----------------

ROOT = SRC.parent


def import_graph(package_dir: Path, src: Path) -> dict[str, set[str]]:
    """The modules of a package and, for each, the modules of the same package it imports
    (at the top or inside a function: an import moved into a function hides a cycle, it
    does not break it)."""
    paths = sorted(package_dir.rglob("*.py"))
    modules = {module_name(path, src): path for path in paths}
    return {
        module: {
            imported
            for imported in imported_modules(
                path.read_text(encoding="utf-8"), module, path.name == "__init__.py"
            )
            if imported in modules and imported != module
        }
        for module, path in modules.items()
    }


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle of the graph once, as the path that closes it (first module repeated)."""
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(module: str, path: list[str]) -> None:
        for imported in sorted(graph[module]):
            if imported in path:
                cycle = [*path[path.index(imported) :], imported]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append(cycle)
            elif imported > path[0]:  # each cycle found from its smallest module only
                visit(imported, [*path, imported])

    for module in sorted(graph):
        visit(module, [module])
    return cycles


@pytest.mark.parametrize(
    ("package_dir", "src", "at_least"),
    [(SRC / "shuniu" / "interop", SRC, 10), (ROOT / "bench", ROOT, 12)],
    ids=["shuniu.interop", "bench"],
)
def test_no_import_cycle_within_the_package(package_dir, src, at_least):
    # given the modules of the package and what each imports of it
    graph = import_graph(package_dir, src)
    assert len(graph) >= at_least
    # when cycles are looked for
    cycles = import_cycles(graph)
    # then there are none
    assert cycles == [], "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_an_import_cycle_through_a_function_is_found(tmp_path):
    # given a package whose a imports b at the top, b imports c, and c imports a inside a
    # function (the way a cycle is usually hidden), and an unrelated module d importing a
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("from pkg import c\n")
    (package / "c.py").write_text("def f():\n    from pkg.a import thing\n")
    (package / "d.py").write_text("import pkg.a\n")
    # when cycles are looked for
    cycles = import_cycles(import_graph(package, tmp_path))
    # then that one is found, once
    assert cycles == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
