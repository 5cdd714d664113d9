"""Print the package's functions over 80 lines and modules over 600 lines (issue 12's measure).

Run: ``python tools/size_report.py [SRC]``; a test keeps the same limits.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

FUNCTION_LINES = 80
MODULE_LINES = 600


def long_units(src: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Return (functions over the limit, modules over the limit) as (name, lines) pairs."""
    functions, modules = [], []
    for path in sorted(src.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MODULE_LINES:
            modules.append((str(path.relative_to(src)), lines))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > FUNCTION_LINES:
                    functions.append((f"{path.relative_to(src)}:{node.name}", length))
    return functions, modules


def main() -> None:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "src/distretti_survey")
    functions, modules = long_units(src)
    print(f"functions over {FUNCTION_LINES} lines: {len(functions)}")
    for name, n in sorted(functions, key=lambda x: -x[1]):
        print(f"  {n:4d} {name}")
    print(f"modules over {MODULE_LINES} lines: {len(modules)}")
    for name, n in modules:
        print(f"  {n:4d} {name}")


if __name__ == "__main__":
    main()
