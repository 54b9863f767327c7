"""The package's shape: short functions, no module reaching into another's private names, the library apart from
the book's machinery."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gantutor"
LONGEST = 80


def _trees():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE.parent), ast.parse(path.read_text())


def test_no_function_is_longer_than_80_lines():
    long = [f"{path}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path, tree in _trees() for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > LONGEST]
    assert not long, "split these functions:\n" + "\n".join(long)


def test_no_module_imports_another_modules_underscore_names():
    private = [f"{path}:{node.lineno} {alias.name}" for path, tree in _trees() for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("gantutor"))
               for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert not private, "make these public, or keep them in their module:\n" + "\n".join(private)


def test_the_library_does_not_import_the_books_machinery():
    """Only gantutor/book/, the package's lazy accessors and the two command entry points reach into it."""
    allowed = {Path("gantutor/__init__.py"), Path("gantutor/__main__.py"), Path("gantutor/bench.py")}
    offenders = [f"{path}:{node.lineno}" for path, tree in _trees()
                 if path.parts[1] != "book" and path not in allowed for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and "book" in (node.module or "").split(".")]
    assert not offenders, offenders
