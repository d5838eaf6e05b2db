"""Dependencies point one way only (AST scan of every import, including function-local ones).

The rooms, from the top: `http` (routes) -> `pathway` (the one flow) -> `fetch` / `security` /
`cards` -> `observability` -> `storage` -> `config` / `errors` / `service_catalog`. A module never
imports a room above its own. `cds_hooks.guideline` imports only the standard library and
itself; `fhir_mapping` imports only the guideline's findings, and never Flask. No import cycle
between modules; at most six top-level modules in `cds_hooks/`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHELL = ROOT / "cds_hooks"
GUIDELINE = SHELL / "guideline"
MAPPING = ROOT / "fhir_mapping"

# Higher imports lower, never the reverse. `cds_hooks` itself (create_app) sits above them all.
LAYERS: dict[str, int] = {
    "cds_hooks.cli": 7,  # the command line: a client of the service (and `serve`)
    "cds_hooks.demo": 6,  # the /demo page: routes beside http, a client of the service
    "cds_hooks.http": 6,
    "cds_hooks.pathway": 5,
    "cds_hooks.explain": 5,  # the explain endpoint's reading of the same flow
    "cds_hooks.fetch": 4,
    "cds_hooks.security": 4,
    "cds_hooks.cards": 4,
    "fhir_mapping": 3,
    "cds_hooks.observability": 2,
    "cds_hooks.storage": 1,
    "cds_hooks.guideline": 0,
    "cds_hooks.config": 0,
    "cds_hooks.errors": 0,
    "cds_hooks.service_catalog": 0,
}
MAX_TOP_LEVEL_MODULES = 6


def imported_modules(path: Path, package: str) -> set[str]:
    """Absolute names of every module imported by one file (relative imports resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package_parts = package.split(".")
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package_parts[: len(package_parts) - (node.level - 1)])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # `from pkg import x` may import the submodule pkg.x: count it as such.
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def is_stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names or name == "__future__"


def test_scanner_sees_relative_and_local_imports(tmp_path: Path) -> None:
    sample = tmp_path / "pkg" / "mod.py"
    sample.parent.mkdir()
    sample.write_text(
        "from . import findings\nfrom .state import x\n"
        "def f():\n    import flask\n    from cds_hooks import api\n"
    )
    assert imported_modules(sample, "cds_hooks.guideline") == {
        "cds_hooks.guideline.findings",
        "cds_hooks.guideline.state.x",
        "flask",
        "cds_hooks.api",
    }


@pytest.mark.parametrize("path", python_files(GUIDELINE), ids=lambda p: p.name)
def test_guideline_imports_only_stdlib_and_itself(path: Path) -> None:
    assert python_files(GUIDELINE)
    bad = {
        name
        for name in imported_modules(path, package_of(path))
        if not is_stdlib(name)
        and name != "cds_hooks.guideline"
        and not name.startswith("cds_hooks.guideline.")
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", python_files(MAPPING), ids=lambda p: p.name)
def test_fhir_mapping_depends_only_on_the_guideline_findings(path: Path) -> None:
    names = imported_modules(path, package_of(path))
    outward = {
        name
        for name in names
        if (name == "cds_hooks" or name.startswith("cds_hooks."))
        and name != "cds_hooks.guideline.findings"
        and not name.startswith("cds_hooks.guideline.findings.")
    }
    assert not outward, f"{path.name} imports {sorted(outward)}"
    web = {name for name in names if name.split(".")[0] in {"flask", "werkzeug", "flask_cors"}}
    assert not web, f"{path.name} imports {sorted(web)}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for folder in (SHELL, MAPPING) for p in python_files(folder)}


def resolve(name: str, known: set[str]) -> str | None:
    """The project module an imported name refers to (`pkg.mod.attr` -> `pkg.mod`)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def project_imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Project modules `module` imports, leaving out its own parent packages (importing
    `a.b.c` runs `a` and `a.b` first: that is Python's loading order, not a dependency)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = {resolve(name, known) for name in imported_modules(path, package)}
    parents = {module.rsplit(".", n)[0] for n in range(1, module.count(".") + 1)}
    return {m for m in found if m and m != module and m not in parents}


def layer_of(module: str) -> tuple[str, int] | None:
    room = resolve(module, set(LAYERS))
    return (room, LAYERS[room]) if room else None


def all_edges() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {m: project_imports(m, p, known) for m, p in modules.items()}


def test_every_shell_module_belongs_to_a_room() -> None:
    unplaced = [m for m in project_modules() if m != "cds_hooks" and layer_of(m) is None]
    assert not unplaced, f"place these in LAYERS (a room): {unplaced}"


def test_no_module_imports_a_room_above_its_own() -> None:
    upward = []
    for module, targets in all_edges().items():
        here = layer_of(module)
        if here is None:  # create_app: the top
            continue
        for target in targets:
            there = layer_of(target)
            assert there is not None, target
            if there[1] > here[1]:
                upward.append(f"{module} -> {target} ({here[0]} below {there[0]})")
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize(
    ("room", "forbidden"),
    [
        ("cds_hooks.fetch", {"cds_hooks.http"}),
        ("cds_hooks.security", {"cds_hooks.http"}),
        ("cds_hooks.storage", {"cds_hooks.http"}),
        ("cds_hooks.cards", {"cds_hooks.fetch", "cds_hooks.http"}),
    ],
)
def test_the_issue_rules_between_rooms(room: str, forbidden: set[str]) -> None:
    bad = {
        f"{m} -> {t}"
        for m, targets in all_edges().items()
        if resolve(m, {room})
        for t in targets
        if resolve(t, forbidden)
    }
    assert not bad, sorted(bad)


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_between_modules() -> None:
    cycle = find_cycle(all_edges())
    assert cycle is None, " -> ".join(cycle or [])


def test_shell_keeps_at_most_six_top_level_modules() -> None:
    top = sorted(p.name for p in SHELL.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
