"""Measures the shape of the code: lines per app and per largest module, import circles, imports
inside functions, functions over 80 lines, outbox implementations.

    .venv/bin/python scripts/architecture_report.py [--root DIR]

It reads the source with ``ast`` (nothing is imported), so it runs on any checkout, for example an
older commit checked out with ``git worktree add /tmp/before <commit>``.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

APPS = ["core", "accounts", "aftersales", "cases", "channels_app", "feedback", "analytics", "privacy", "devdata"]


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files(root: Path) -> list[Path]:
    files = []
    for app in APPS:
        base = root / app
        if base.is_dir():
            files += [p for p in base.rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def imports_of(tree: ast.AST, name: str, is_package: bool) -> tuple[set[str], set[str]]:
    """(imports at module level, imports inside functions) as absolute module names."""
    top: set[str] = set()
    inner: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = name.split(".") if is_package else name.split(".")[:-1]
                    package = package[: len(package) - child.level + 1]
                    base = ".".join(package + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in child.names]
            if targets:
                (inner if in_function else top).update(targets)
            visit(child, nested)

    visit(tree, False)
    return top, inner


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in list(graph):
        if v not in index:
            connect(v)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", type=Path)
    root = parser.parse_args().root.resolve()
    files = product_files(root)
    modules = {module_name(root, p): p for p in files}
    lines: dict[str, int] = {}
    graph: dict[str, set[str]] = defaultdict(set)
    inner_imports = 0
    long_functions: list[tuple[int, str]] = []
    for name, path in modules.items():
        source = path.read_text()
        lines[name] = source.count("\n")
        tree = ast.parse(source)
        top, inner = imports_of(tree, name, path.name == "__init__.py")
        internal_inner = {t for t in inner if t in modules}
        inner_imports += len(internal_inner)
        for target in top | inner:
            if target in modules and target != name:
                graph[name].add(target)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    long_functions.append((length, f"{name}.{node.name}"))
    # A package imports its own __init__ implicitly; only edges between modules count.
    circles = [c for c in strongly_connected(graph) if len({m.split(".")[0] for m in c}) >= 1]
    print("| app | lines |")
    print("| --- | ---: |")
    for app in APPS:
        total = sum(n for m, n in lines.items() if m == app or m.startswith(app + "."))
        if total:
            print(f"| {app} | {total:,} |")
    print(f"| **all** | {sum(lines.values()):,} |")
    print()
    print("largest modules:", ", ".join(f"{m} {n}" for m, n in sorted(lines.items(), key=lambda x: -x[1])[:8]))
    print("modules over 600 lines:", sum(1 for n in lines.values() if n > 600))
    print(f"import circles: {len(circles)}")
    for c in circles:
        print("   ", " <-> ".join(c))
    print(f"imports of the project inside functions: {inner_imports}")
    print(f"functions over 80 lines: {len(long_functions)}")
    for length, fn in sorted(long_functions, reverse=True):
        print(f"    {length:4d} {fn}")


if __name__ == "__main__":
    main()
