"""Dependencies point inward only (AST scan of every import, including function-local ones):
`cds_hooks.guideline` imports only the standard library and itself; `fhir_mapping` imports no
`cds_hooks` module except `cds_hooks.guideline`, and never Flask."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDELINE = ROOT / "cds_hooks" / "guideline"
MAPPING = ROOT / "fhir_mapping"


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
        and name != "cds_hooks.guideline"
        and not name.startswith("cds_hooks.guideline.")
    }
    assert not outward, f"{path.name} imports {sorted(outward)}"
    web = {name for name in names if name.split(".")[0] in {"flask", "werkzeug", "flask_cors"}}
    assert not web, f"{path.name} imports {sorted(web)}"
