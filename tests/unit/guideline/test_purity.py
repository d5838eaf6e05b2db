"""The guideline core imports nothing outside the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import cds_hooks.guideline

PACKAGE = Path(cds_hooks.guideline.__file__).parent


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            roots.add(str(node.args[0].value))
    return roots


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    return (
        module == "cds_hooks.guideline"
        or module.startswith("cds_hooks.guideline.")
        or (top in sys.stdlib_module_names)
    )


def test_every_module_imports_only_stdlib_and_the_guideline_itself() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 5
    offending = {
        path.name: sorted(
            m for m in _imported_roots(ast.parse(path.read_text())) if not _allowed(m)
        )
        for path in modules
    }
    assert {name: bad for name, bad in offending.items() if bad} == {}


def test_the_scanner_flags_a_third_party_and_a_sibling_package_import() -> None:
    tree = ast.parse("import flask\nfrom fhir_mapping import x\nfrom cds_hooks import cards\n")
    assert {m for m in _imported_roots(tree) if not _allowed(m)} == {
        "flask",
        "fhir_mapping",
        "cds_hooks",
    }
