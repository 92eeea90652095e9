"""The house's figures, measured from the code: layers, cycles, file loops, deferred imports, app sizes, repeats.

    .venv/bin/python scripts/architecture_figures.py            # the figures (docs/architecture.md quotes them)
    .venv/bin/python scripts/architecture_figures.py --problems # every breach of the rules, one a line
    .venv/bin/python scripts/architecture_figures.py --mermaid  # the app graph, for the picture

It reads the code with `ast` only (nothing is imported, Django is not set up), so the import-layer
test (nocturn/tests/test_layers.py) runs it in a second and states the same rules the figures count.

What is read: every `.py` file below the repository root, except `.venv`, `.data`, hidden folders and
`node_modules`. Each file belongs to its top-level package (its "app"). Product code is every file of
an app except tests (`tests/` folders, `conftest.py`) and migrations (generated, frozen history);
`bench/` and `scripts/` are tools that drive the product from outside and are exempt. An import is
a project import when its top-level name is an app of the layer map (relative imports always are).
"""

from __future__ import annotations

import argparse
import ast
import io
import keyword
import re
import sys
import tokenize
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The layers, bottom to top. An app imports only its own layer's declared neighbours (SAME_LEVEL_ORDER)
# and the layers below it. A new top-level package must be placed here, or the test fails.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),  # the platform library: imports no app
    ("properties",),  # PUBLIC: Property, Domain, User, Membership, bindings, THE access module
    ("knowledge",),  # TENANT: items, chunks, ingestion, embeddings, retrieval
    # what the engine drives: the AI core (modes, prompts, providers, guard; reads knowledge) and the
    # channel adapters (WhatsApp, e-mail: pure parse and send, no models)
    ("assistant", "messaging"),
    ("conversations",),  # TENANT: guests, messages, pipeline, engine, handoff, widget, realtime
    ("leads",),  # TENANT: leads, extraction, consent, the lead step of a turn (through the seam)
    ("gaps",),  # TENANT: questions the assistant could not answer (recorded through the engine's seam)
    ("analytics", "integrations", "privacy"),  # read the domain below
    ("dashboard", "onboarding"),  # pages and flows over the domain's services
    ("nocturn",),  # wiring only: settings, URL confs, ASGI, Celery; nothing imports it
    ("devtools", "testsupport"),  # tooling: no production code imports it
)

# Apps of one layer do not import each other, except in the direction declared here (and never both
# ways): each entry is (importer, imported) -> why.
SAME_LEVEL_ORDER: dict[tuple[str, str], str] = {
    ("privacy", "analytics"): "an erasure takes the guest's rows out of the GM's stored reports",
    ("testsupport", "devtools"): "the live-stack fixture starts the embedded PostgreSQL and Redis of the dev stack",
}

TOOLING = frozenset({"devtools", "testsupport"})

# Top-level folders with Python that are not apps: they drive the product from outside.
EXEMPT_FOLDERS = frozenset({"bench", "scripts"})
SKIPPED_FOLDERS = frozenset({".venv", ".data", "node_modules", "staticfiles", "__pycache__"})

# A project import inside a function says why on its line or the line above: `# deferred: <reason>`.
DEFERRED_MARKER = re.compile(r"#\s*deferred:\s*\S")

# The limits the test holds the code to (docs/architecture.md).
MAX_DEFERRED_IMPORTS = 10
MAX_APP_SHARE = 0.25
REPEAT_MIN_LINES = 6
REPEAT_MAX_PLACES = 8  # a run found in more places than this is a common idiom, not a copy
REPEAT_MIN_KINDS = 4  # a run of fewer kinds of line (a list of like fields or entries) is a list, not a copy


def level_of() -> dict[str, int]:
    return {app: index for index, layer in enumerate(LAYERS) for app in layer}


@dataclass(frozen=True)
class Import:
    path: str  # the importing file, relative to the root
    line: int
    app: str  # the importing file's app
    target: str  # the imported module, resolved to the most specific module of ours
    deferred: bool  # inside a function (runs when called, not when the module loads)
    marked: bool  # carries the `# deferred:` comment

    @property
    def target_app(self) -> str:
        return self.target.split(".")[0]


@dataclass
class SourceFile:
    path: str
    module: str
    app: str
    text: str

    @property
    def is_package(self) -> bool:
        return self.path.endswith("__init__.py")

    @property
    def is_product(self) -> bool:
        parts = self.path.split("/")
        if self.app in EXEMPT_FOLDERS or len(parts) == 1:
            return False
        return "tests" not in parts and "migrations" not in parts and parts[-1] != "conftest.py"

    @property
    def is_migration(self) -> bool:
        return "migrations" in self.path.split("/")

    @cached_property
    def tree(self) -> ast.Module:
        return ast.parse(self.text, filename=self.path)


def python_files(root: Path = ROOT) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        if any(part in SKIPPED_FOLDERS or part.startswith(".") for part in rel[:-1]):
            continue
        found.append(path)
    return found


def _module_name(rel: str) -> str:
    parts = rel[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@dataclass
class Codebase:
    root: Path = ROOT
    files: list[SourceFile] = field(default_factory=list)

    @classmethod
    def read(cls, root: Path = ROOT) -> Codebase:
        files = []
        for path in python_files(root):
            rel = path.relative_to(root).as_posix()
            files.append(SourceFile(rel, _module_name(rel), rel.split("/")[0], path.read_text(encoding="utf-8")))
        return cls(root, files)

    @cached_property
    def modules(self) -> set[str]:
        return {f.module for f in self.files}

    @cached_property
    def apps(self) -> set[str]:
        """Top-level folders holding Python, exempt ones included (single files at the root are not apps)."""
        return {f.app for f in self.files if "/" in f.path}

    @property
    def product(self) -> list[SourceFile]:
        return [f for f in self.files if f.is_product]

    def _resolve(self, name: str) -> str:
        """The longest prefix of `name` that is a module of ours (`pkg.mod.Class` -> `pkg.mod`)."""
        parts = name.split(".")
        while parts and ".".join(parts) not in self.modules:
            parts.pop()
        return ".".join(parts) if parts else name

    def _targets(self, node: ast.Import | ast.ImportFrom, source: SourceFile) -> list[str]:
        if isinstance(node, ast.Import):
            return [self._resolve(alias.name) for alias in node.names]
        if node.level:
            package = source.module.split(".") if source.is_package else source.module.split(".")[:-1]
            base = package[: len(package) - (node.level - 1)]
            stem = ".".join(base + ([node.module] if node.module else []))
        else:
            stem = node.module or ""
        return sorted({self._resolve(f"{stem}.{alias.name}") for alias in node.names})

    def _is_ours(self, target: str) -> bool:
        return target.split(".")[0] in self.apps or target.split(".")[0] in level_of()

    def imports_of(self, source: SourceFile) -> Iterator[Import]:
        lines = source.text.splitlines()

        def marked(line: int) -> bool:
            here = lines[line - 1] if line <= len(lines) else ""
            above = lines[line - 2] if line >= 2 else ""
            return bool(DEFERRED_MARKER.search(here) or DEFERRED_MARKER.search(above.strip()))

        def walk(node: ast.AST, in_function: bool) -> Iterator[Import]:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    if isinstance(child, ast.ImportFrom) and not child.level and not self._is_ours(child.module or ""):
                        continue
                    for target in self._targets(child, source):
                        if self._is_ours(target):
                            yield Import(
                                source.path, child.lineno, source.app, target, in_function, marked(child.lineno)
                            )
                inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                yield from walk(child, inner)

        yield from walk(source.tree, False)

    @cached_property
    def product_imports(self) -> list[Import]:
        return [imp for f in self.product for imp in self.imports_of(f)]


# --- the rules -------------------------------------------------------------------------------------


def unplaced_apps(code: Codebase) -> list[str]:
    placed = set(level_of()) | EXEMPT_FOLDERS
    return [f"{app}/ is not placed in LAYERS (scripts/architecture_figures.py)" for app in sorted(code.apps - placed)]


def may_import(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    levels = level_of()
    if imported in TOOLING and importer not in TOOLING:
        return False
    if levels[imported] < levels[importer]:
        return True
    return levels[imported] == levels[importer] and (importer, imported) in SAME_LEVEL_ORDER


def upward_imports(code: Codebase) -> list[Import]:
    """Imports of product code that reach up (or sideways without a declared order), or into tests."""
    levels = level_of()
    found = []
    for imp in code.product_imports:
        if imp.app not in levels or imp.target_app not in levels:
            continue  # an unplaced app is reported by unplaced_apps
        if _names_a_test_module(imp.target) or not may_import(imp.app, imp.target_app):
            found.append(imp)
    return found


def _names_a_test_module(module: str) -> bool:
    parts = module.split(".")
    return "tests" in parts or parts[-1] == "conftest"


def describe_upward(imp: Import) -> str:
    where = f"{imp.path}:{imp.line} imports {imp.target}"
    if _names_a_test_module(imp.target):
        return f"{where}: product code never imports a test module"
    if imp.target_app in TOOLING:
        return f"{where}: {imp.target_app} is tooling, which no production code imports"
    return f"{where}: {imp.target_app} is not below {imp.app} in the layer map"


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; the groups of more than one node (the cycles), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(groups)


def app_graph(code: Codebase) -> dict[str, set[str]]:
    """app -> the apps its product code imports (module level and inside functions alike)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in code.product_imports:
        if imp.app != imp.target_app:
            graph[imp.app].add(imp.target_app)
    return graph


def app_cycles(code: Codebase) -> list[list[str]]:
    return strongly_connected(app_graph(code))


def file_loops(code: Codebase) -> list[list[str]]:
    """Groups of modules of one app that import each other round in a loop (any import, deferred too).

    An edge goes to the module an import names (`from pkg import mod` -> pkg.mod when mod is a module,
    else pkg); merely being inside a package does not add an edge to the package's `__init__`.
    """
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in code.product_imports:
        source = _module_name(imp.path)
        if imp.app == imp.target_app and imp.target != source:
            graph[source].add(imp.target)
    return strongly_connected(graph)


def deferred_imports(code: Codebase) -> list[Import]:
    return [imp for imp in code.product_imports if imp.deferred]


def unexplained_deferred_imports(code: Codebase) -> list[Import]:
    return [imp for imp in deferred_imports(code) if not imp.marked]


def describe_unexplained(imp: Import) -> str:
    return f"{imp.path}:{imp.line} imports {imp.target} inside a function with no `# deferred: <why>` comment"


def deferred_statements(code: Codebase) -> list[tuple[str, int]]:
    """One entry per import statement (a statement naming two of our modules counts once)."""
    return sorted({(imp.path, imp.line) for imp in deferred_imports(code)})


# --- sizes -----------------------------------------------------------------------------------------


def app_lines(code: Codebase) -> dict[str, int]:
    """Physical lines (blank and comment lines included) of each app's product code (no tests, no migrations)."""
    lines: dict[str, int] = defaultdict(int)
    for f in code.product:
        lines[f.app] += len(f.text.splitlines())
    return dict(lines)


def largest_app(code: Codebase) -> tuple[str, int, int]:
    lines = app_lines(code)
    app = max(lines, key=lambda name: lines[name])
    return app, lines[app], sum(lines.values())


# --- repeated blocks ---------------------------------------------------------------------------------

_PUNCTUATION_ONLY = re.compile(r"^[\s()\[\]{},:;.]*$")
# Python 3.12 splits an f-string into pieces; its start stands for the whole string.
_STRING_STARTS = {tokenize.STRING, getattr(tokenize, "FSTRING_START", tokenize.STRING)}


def _line_shapes(text: str) -> list[tuple[int, str]]:
    """(line number, shape) of each line that counts: names, strings and numbers become placeholders.

    Blank lines, comments, lone punctuation and import statements do not count, so two blocks that
    differ only in names or literals have the same shapes.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    skip = set()
    try:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                skip.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    except SyntaxError:
        return []
    by_line: dict[int, list[str]] = defaultdict(list)
    for tok in tokens:
        line = tok.start[0]
        if tok.type == tokenize.NAME:
            by_line[line].append(tok.string if keyword.iskeyword(tok.string) else "N")
        elif tok.type in _STRING_STARTS:
            by_line[line].append("S")
        elif tok.type == tokenize.NUMBER:
            by_line[line].append("0")
        elif tok.type == tokenize.OP:
            by_line[line].append(tok.string)
    shapes = []
    for line in sorted(by_line):
        shape = " ".join(by_line[line])
        if line in skip or _PUNCTUATION_ONLY.match(shape):
            continue
        shapes.append((line, shape))
    return shapes


def repeated_pairs(code: Codebase, min_lines: int = REPEAT_MIN_LINES) -> dict[tuple[str, str], int]:
    """Pairs of files (a file with itself too) sharing a run of `min_lines` counted lines of the same shape.

    Migrations are left out (generated). Not counted: a run with fewer than REPEAT_MIN_KINDS different
    line shapes (six fields of a dataclass, six entries of a dict: a list of like lines, not a copied
    block), and a run standing in more than REPEAT_MAX_PLACES places (an idiom of the language or the
    framework). Returns pair -> how many 6-line windows the two files share.
    """
    windows: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    for f in code.files:
        if f.is_migration:
            continue
        shapes = [shape for _, shape in _line_shapes(f.text)]
        for start in range(len(shapes) - min_lines + 1):
            window = tuple(shapes[start : start + min_lines])
            if len(set(window)) >= REPEAT_MIN_KINDS:
                windows[window].append((f.path, start))
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for places in windows.values():
        if len(places) < 2 or len(places) > REPEAT_MAX_PLACES:
            continue
        for i, (path_a, start_a) in enumerate(places):
            for path_b, start_b in places[i + 1 :]:
                if path_a == path_b and abs(start_a - start_b) < min_lines:
                    continue  # a block overlapping itself (a repeated line) is not a copy
                pairs[tuple(sorted((path_a, path_b)))] += 1  # type: ignore[index]
    return dict(pairs)


# --- the report ----------------------------------------------------------------------------------------


def problems(code: Codebase) -> list[str]:
    found = unplaced_apps(code) + [describe_upward(imp) for imp in upward_imports(code)]
    found += [f"app cycle: {' -> '.join(group)}" for group in app_cycles(code)]
    found += [f"file loop: {', '.join(group)}" for group in file_loops(code)]
    found += [describe_unexplained(imp) for imp in unexplained_deferred_imports(code)]
    return found


def figures(code: Codebase) -> dict[str, object]:
    app, lines, total = largest_app(code)
    return {
        "app cycles": len(app_cycles(code)),
        "file loops": len(file_loops(code)),
        "project imports inside functions": len(deferred_statements(code)),
        "largest app": f"{app} {lines} of {total} lines = {100 * lines / total:.1f} %",
        "repeated-block pairs (6+ lines, outside migrations)": len(repeated_pairs(code)),
    }


def mermaid(code: Codebase) -> str:
    """The app graph as a Mermaid flowchart, layer by layer (arrows point at what is imported)."""
    graph = app_graph(code)
    out = ["flowchart BT"]
    for index, layer in enumerate(LAYERS):
        present = [app for app in layer if app in code.apps]
        if present:
            out.append(f"  subgraph L{index}[ ]")
            out += [f"    {app}" for app in present]
            out.append("  end")
    for importer in sorted(graph):
        for imported in sorted(graph[importer]):
            out.append(f"  {importer} --> {imported}")
    return "\n".join(out)


def _print_lines(rows: Iterable[str]) -> None:
    for row in rows:
        print(row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", action="store_true", help="list every breach of the rules")
    parser.add_argument("--mermaid", action="store_true", help="print the app graph as Mermaid")
    parser.add_argument("-v", "--verbose", action="store_true", help="list app sizes, deferred imports, repeats")
    parser.add_argument("--root", type=Path, default=ROOT, help="another checkout (e.g. an old commit's tree)")
    args = parser.parse_args(argv)
    code = Codebase.read(args.root.resolve())
    if args.mermaid:
        print(mermaid(code))
        return 0
    if args.problems:
        found = problems(code)
        _print_lines(found)
        return 1 if found else 0
    for name, value in figures(code).items():
        print(f"{name}: {value}")
    if args.verbose:
        lines = app_lines(code)
        total = sum(lines.values())
        _print_lines(
            f"  {app:15s} {n:6d} {100 * n / total:5.1f} %" for app, n in sorted(lines.items(), key=lambda x: -x[1])
        )
        _print_lines(f"  deferred: {path}:{line}" for path, line in deferred_statements(code))
        _print_lines(f"  repeated: {a} ~ {b}" for a, b in sorted(repeated_pairs(code)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
