"""The shape of the code, checked by reading it (issue #14): layering, cycles, money, sizes, views,
templates, services, READMEs and the pure engines.

Pure text and ``ast``: no Django, no database, a few seconds. The allowed imports between apps are
read from the mermaid block of ``docs/ARCHITECTURE.md``, so the picture and the code cannot drift.
Every failure lists all its offenders (``file:line``), so that they can be fixed in one go.

``scripts/consistency_report.py`` imports this module to print the counts.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "formarche"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

# Modules that wire everything together and may import anything (like the console script).
FREE_MODULES = {"formarche", "formarche.cli", "formarche.__main__", "formarche.demo"}
FREE_PREFIXES = ("config.",)

# The one place where money is rounded.
MONEY_MODULE = "formarche/utils/money.py"

# Modules and functions allowed over the size limits, each with the reason it cannot be split
# (yet). The list can only shrink: an entry that no longer exceeds its limit fails the test.
# (path, None) is a module over MAX_MODULE_LINES; (path, "Class.function") a function over
# MAX_FUNCTION_LINES.
SIZE_ALLOWED: dict[tuple[str, str | None], str] = {}


# --------------------------------------------------------------------------- reading the tree


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_migration(path: Path) -> bool:
    return "migrations" in path.relative_to(ROOT).parts


@cache
def python_files() -> tuple[Path, ...]:
    """Every Python file of formarche/ and config/, migrations excluded."""
    files = []
    for top in (PACKAGE, ROOT / "config"):
        files += [p for p in top.rglob("*.py") if not is_migration(p) and "__pycache__" not in p.parts]
    return tuple(sorted(files))


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def known_modules() -> frozenset[str]:
    return frozenset(module_name(p) for p in python_files())


def app_dirs() -> list[str]:
    """The apps: every package directly under formarche/."""
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "formarche" and parts[1] in app_dirs_set():
        return parts[1]
    return None


@cache
def app_dirs_set() -> frozenset[str]:
    return frozenset(app_dirs())


@dataclass(frozen=True)
class Import:
    path: Path  # the importing file
    line: int
    target: str  # the imported module, resolved ("formarche.billing.models", "decimal"…)
    function_level: bool
    type_checking: bool

    @property
    def source(self) -> str:
        return module_name(self.path)

    @property
    def where(self) -> str:
        return f"{rel(self.path)}:{self.line}"


def _resolve_relative(path: Path, level: int, module: str | None) -> str:
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    if level > 1:
        package = package[: -(level - 1)]
    return ".".join(package + ([module] if module else []))


def _targets(node: ast.Import | ast.ImportFrom, path: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = _resolve_relative(path, node.level, node.module) if node.level else node.module or ""
    modules = known_modules()
    result = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        result.append(candidate if candidate in modules else base)
    return result


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _literal_app_model(node: ast.Call) -> str | None:
    """``apps.get_model("billing", "Invoice")`` and ``import_module("formarche.x")``: imports too."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if name == "get_model" and args:
        label = args[0].split(".")[0]
        return f"formarche.{label}.models" if label in app_dirs_set() else None
    if name == "import_module" and args and args[0].startswith("formarche"):
        return args[0]
    return None


@cache
def imports_of(path: Path) -> tuple[Import, ...]:
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, in_type_checking: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(node, path):
                found.append(Import(path, node.lineno, target, in_function, in_type_checking))
        elif isinstance(node, ast.Call):
            target = _literal_app_model(node)
            if target:
                found.append(Import(path, node.lineno, target, in_function, in_type_checking))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, in_function, True)
            for child in node.orelse:
                visit(child, in_function, in_type_checking)
            return
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner, in_type_checking)

    visit(parse(path), False, False)
    return tuple(found)


def all_imports() -> list[Import]:
    return [imp for path in python_files() for imp in imports_of(path)]


# --------------------------------------------------------------------------- the graph of the doc


@dataclass
class Graph:
    apps: set[str] = field(default_factory=set)  # app nodes (id = directory name)
    modules: dict[str, tuple[str, ...]] = field(default_factory=dict)  # module node id → modules
    edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    lines: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def nodes(self) -> set[str]:
        return self.apps | set(self.modules)

    def reach(self, node: str) -> set[str]:
        seen, todo = set(), [node]
        while todo:
            for nxt in self.edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def node_of(self, module: str) -> str | None:
        """The node a formarche module belongs to: a module node (longest prefix), else its app."""
        best, best_len = None, 0
        for node, prefixes in self.modules.items():
            for prefix in prefixes:
                full = f"formarche.{prefix}"
                if (module == full or module.startswith(full + ".")) and len(full) > best_len:
                    best, best_len = node, len(full)
        if best:
            return best
        app = app_of(module)
        return app if app in self.apps else None

    def cycles(self) -> list[list[str]]:
        return [
            c for c in strongly_connected(self.edges, self.nodes) if len(c) > 1 or c[0] in self.edges[c[0]]
        ]


_NODE = re.compile(
    r"^(?P<id>\w+)\s*(?:\(\[|\[\(|\[\[|\[|\(\(|\(|\{)(?P<label>[^\]\)\}]*)(?:\]\)|\)\]|\]\]|\]|\)\)|\)|\})$"
)
_EDGE = re.compile(r"^(?P<a>\w+)\s*-->\s*(?P<b>\w+)$")
_DOTTED = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")


def mermaid_block(text: str) -> tuple[int, list[str]]:
    match = re.search(r"^```mermaid\n(.*?)^```", text, re.S | re.M)
    assert match, "docs/ARCHITECTURE.md has no ```mermaid block"
    first = text[: match.start(1)].count("\n") + 1
    return first, match.group(1).splitlines()


@cache
def doc_graph() -> Graph:
    return parse_graph(ARCHITECTURE.read_text(encoding="utf-8"))


def parse_graph(text: str) -> Graph:
    """Nodes ``app[label]`` (id = directory name under formarche/) and module nodes whose label
    starts with dotted module names (``billing_engine([billing.engine — pure])``); edges
    ``a --> b`` ("a may import b")."""
    first, lines = mermaid_block(text)
    graph = Graph()
    errors = []
    for number, raw in enumerate(lines, start=first):
        line = raw.strip()
        if not line or line.startswith("%%") or re.match(r"^(graph|flowchart)\b", line):
            continue
        if edge := _EDGE.match(line):
            graph.edges[edge["a"]].add(edge["b"])
            graph.lines[(edge["a"], edge["b"])] = number
            continue
        if node := _NODE.match(line):
            head = node["label"].split(" — ")[0].strip().strip("`")
            names = [n.strip().strip("`") for n in head.split(",")]
            if all(_DOTTED.match(n) for n in names):
                graph.modules[node["id"]] = tuple(names)
            else:
                graph.apps.add(node["id"])
            continue
        errors.append(f"docs/ARCHITECTURE.md:{number}: ligne du graphe illisible : {line!r}")
    assert not errors, "\n".join(errors)
    return graph


def strongly_connected(edges: dict[str, set[str]], nodes) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each sorted, the list sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    return sorted(result)


# --------------------------------------------------------------------------- the checks
# Each returns the list of offenders as human-readable lines, sorted by file and line.


def is_free(module: str) -> bool:
    return module in FREE_MODULES or module == "config" or module.startswith(FREE_PREFIXES)


@dataclass(frozen=True)
class LayerViolation:
    imp: Import
    source_node: str
    target_node: str | None

    def __str__(self) -> str:
        level = " [dans une fonction]" if self.imp.function_level else ""
        target = self.target_node or "hors du graphe"
        return f"{self.imp.where}: {self.source_node} → {target} ({self.imp.target}){level}"


def layer_violations() -> list[LayerViolation]:
    graph = doc_graph()
    result, seen = [], set()
    for imp in all_imports():
        if (imp.where, imp.target) in seen:
            continue
        seen.add((imp.where, imp.target))
        if not imp.target.startswith("formarche") or is_free(imp.source):
            continue
        source_app, target_app = app_of(imp.source), app_of(imp.target)
        if source_app is not None and source_app == target_app:
            continue  # inside an app: free (the pure engines are checked apart)
        source_node, target_node = graph.node_of(imp.source), graph.node_of(imp.target)
        if source_node is None:
            source_node = source_app or imp.source
        if target_node is None or target_node not in graph.reach(source_node):
            result.append(LayerViolation(imp, source_node, target_node))
    return result


def module_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
    """Runtime imports between formarche modules (``if TYPE_CHECKING:`` left out)."""
    modules = known_modules()
    edges: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for imp in all_imports():
        if imp.type_checking or imp.target not in modules or not imp.source.startswith("formarche"):
            continue
        if imp.target == imp.source:
            continue
        edges[imp.source].add(imp.target)
        where.setdefault(
            (imp.source, imp.target), imp.where + (" [dans une fonction]" if imp.function_level else "")
        )
    return edges, where


def import_cycles() -> list[list[str]]:
    """Each strongly connected group of modules, as ``module (file:line → other)`` lines."""
    edges, where = module_graph()
    result = []
    for component in strongly_connected(edges, set(edges)):
        if len(component) < 2:
            continue
        members = set(component)
        lines = [f"{where[(a, b)]}: {a} → {b}" for a in component for b in sorted(edges[a] & members)]
        result.append(lines)
    return result


_ROUNDING_MODES = {
    "ROUND_HALF_UP",
    "ROUND_HALF_DOWN",
    "ROUND_HALF_EVEN",
    "ROUND_UP",
    "ROUND_DOWN",
    "ROUND_CEILING",
    "ROUND_FLOOR",
    "ROUND_05UP",
}


def money_offenders() -> dict[str, list[str]]:
    """``quantize``, any ``ROUND_`` mode and ``Decimal("0.01")`` outside utils/money.py."""
    found: dict[str, list[str]] = {"quantize": [], "ROUND_": [], 'Decimal("0.01")': []}
    for path in python_files():
        if rel(path) == MONEY_MODULE or not rel(path).startswith("formarche/"):
            continue
        text = path.read_text(encoding="utf-8")
        if "quantize" not in text and "ROUND_" not in text and "0.01" not in text:
            continue
        for node in ast.walk(parse(path)):
            where = f"{rel(path)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Attribute) and node.attr == "quantize":
                found["quantize"].append(where)
            elif isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name in _ROUNDING_MODES:
                    found["ROUND_"].append(f"{where} {name}")
            elif isinstance(node, ast.alias) and node.name in _ROUNDING_MODES:
                found["ROUND_"].append(f"{where} import {node.name}")
            elif (
                isinstance(node, ast.Call)
                and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "Decimal"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == "0.01"
            ):
                found['Decimal("0.01")'].append(where)
    return {key: sorted(set(values), key=_sort_key) for key, values in found.items()}


def _sort_key(where: str):
    path, _, rest = where.partition(":")
    number = rest.split(" ")[0]
    return (path, int(number) if number.isdigit() else 0, rest)


def modules_of_kind(kind: str) -> list[Path]:
    """The ``<kind>.py`` modules of formarche/ and the modules of ``<kind>/`` packages."""
    result = []
    for path in python_files():
        parts = path.relative_to(ROOT).parts
        if parts[0] == "formarche" and (path.name == f"{kind}.py" or kind in parts[:-1]):
            result.append(path)
    return result


def objects_in_views() -> list[str]:
    result = []
    for path in modules_of_kind("views"):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Attribute) and node.attr == "objects":
                result.append(f"{rel(path)}:{node.lineno}")
    return sorted(set(result), key=_sort_key)


def long_modules() -> list[tuple[str, int]]:
    result = []
    for path in python_files():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            result.append((rel(path), lines))
    return result


def functions_of(path: Path):
    """(qualified name, first line, number of lines) of every function, nested ones included."""

    def visit(node: ast.AST, prefix: str):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                yield name, child.lineno, child.end_lineno - child.lineno + 1
                yield from visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from visit(child, prefix + child.name + ".")
            else:
                yield from visit(child, prefix)

    yield from visit(parse(path), "")


def long_functions() -> list[tuple[str, str, int, int]]:
    """(path, qualified name, first line, lines) of every function over the limit."""
    return [
        (rel(path), name, line, size)
        for path in python_files()
        for name, line, size in functions_of(path)
        if size > MAX_FUNCTION_LINES
    ]


TEMPLATE_TAG = re.compile(r"{%-?\s*(?:if|elif)\b(?P<body>.*?)-?%}", re.S)
_STRING = r"""(?:"[^"]*"|'[^']*')"""
_STATUS = r"[\w.]*(?:status|statut)[\w.|:\"']*"
STATUS_LITERAL = re.compile(
    rf"{_STATUS}\s*(?:==|!=|\bnot\s+in\b|\bin\b)\s*{_STRING}|{_STRING}\s*(?:==|!=|\bnot\s+in\b|\bin\b)\s*{_STATUS}",
    re.I,
)


def template_files() -> list[Path]:
    """Every file under a ``templates`` directory of formarche/ (and of the project root)."""
    roots = [PACKAGE.glob("**/templates/**/*"), (ROOT / "templates").glob("**/*")]
    return sorted({p for found in roots for p in found if p.is_file() and p.suffix != ".pyc"})


def template_status_literals() -> list[str]:
    result = []
    for path in template_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for tag in TEMPLATE_TAG.finditer(text):
            for match in STATUS_LITERAL.finditer(tag["body"]):
                line = text.count("\n", 0, tag.start()) + 1
                result.append(f"{rel(path)}:{line}: {match.group(0).strip()}")
    return result


def positional_services() -> list[str]:
    """Public module-level functions of services modules with a positional parameter.

    A private module of a ``services/`` package (``_common.py``: the guards its entities share)
    is not the app's service API, so its helpers may take positional arguments."""
    result = []
    for path in modules_of_kind("services"):
        if path.name.startswith("_") and path.name != "__init__.py":
            continue
        for node in parse(path).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                continue
            positional = [a.arg for a in node.args.posonlyargs + node.args.args]
            if node.args.vararg:
                positional.append("*" + node.args.vararg.arg)
            if positional:
                result.append(f"{rel(path)}:{node.lineno}: {node.name}({', '.join(positional)}, …)")
    return result


def apps_without_readme() -> list[str]:
    return [f"formarche/{app}/" for app in app_dirs() if not (PACKAGE / app / "README.md").exists()]


def engine_modules() -> list[Path]:
    """The files of the pure engines: those of the module nodes of the doc's graph."""
    graph = doc_graph()
    result = []
    for path in python_files():
        name = module_name(path)
        if name.startswith("formarche.") and graph.node_of(name) in graph.modules:
            result.append(path)
    return result


def impure_engine_imports() -> list[str]:
    """Imports of a pure engine other than the standard library, formarche.utils and its own node."""
    graph = doc_graph()
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    result = []
    for path in engine_modules():
        node = graph.node_of(module_name(path))
        for imp in imports_of(path):
            top = imp.target.split(".")[0]
            if top in stdlib:
                continue
            if imp.target == "formarche.utils" or imp.target.startswith("formarche.utils."):
                if not _imports_django(imp.target):
                    continue
                result.append(f"{imp.where}: {imp.target} (importe Django)")
                continue
            if imp.target.startswith("formarche.") and graph.node_of(imp.target) == node:
                continue
            result.append(f"{imp.where}: {imp.target}")
    return result


def _imports_django(module: str) -> bool:
    path = PACKAGE.joinpath(*module.split(".")[1:])
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return path.exists() and any(imp.target.split(".")[0] == "django" for imp in imports_of(path))


def function_level_imports() -> list[Import]:
    return [imp for imp in all_imports() if imp.function_level and imp.source.startswith("formarche")]


def _fail(title: str, offenders: list[str]) -> str:
    return f"{title} ({len(offenders)}) :\n  " + "\n  ".join(offenders)


# --------------------------------------------------------------------------- the tests


def test_doc_graph_names_every_app_and_is_acyclic():
    graph = doc_graph()
    apps = set(app_dirs())
    problems = [f"formarche/{app}/ n'est pas dans le graphe" for app in sorted(apps - graph.apps)]
    problems += [
        f"le nœud {node} du graphe n'est pas une app de formarche/" for node in sorted(graph.apps - apps)
    ]
    for a, targets in sorted(graph.edges.items()):
        problems += [
            f"docs/ARCHITECTURE.md:{graph.lines[(a, b)]}: flèche {a} --> {b} vers un nœud inconnu"
            for b in sorted(targets)
            if a not in graph.nodes or b not in graph.nodes
        ]
    for node, modules in sorted(graph.modules.items()):
        for module in modules:
            base = PACKAGE.joinpath(*module.split("."))
            if not (base.with_suffix(".py").exists() or (base / "__init__.py").exists()):
                problems.append(f"le nœud {node} nomme un module absent : formarche.{module}")
            if module.split(".")[0] not in graph.apps:
                problems.append(f"le nœud {node} nomme un module hors des apps : {module}")
    problems += [f"cycle dans le graphe : {' → '.join(cycle)}" for cycle in graph.cycles()]
    assert not problems, _fail("Le graphe de docs/ARCHITECTURE.md", problems)


def test_imports_between_apps_follow_the_graph():
    offenders = [str(v) for v in layer_violations()]
    assert not offenders, _fail(
        "Imports entre apps que le graphe de docs/ARCHITECTURE.md n'autorise pas", offenders
    )


def test_no_import_cycle_between_modules():
    cycles = import_cycles()
    text = [f"cycle {n} :\n    " + "\n    ".join(lines) for n, lines in enumerate(cycles, start=1)]
    assert not cycles, _fail("Cycles d'imports entre modules", text)


def test_money_is_rounded_only_in_utils_money():
    found = money_offenders()
    offenders = [f"{where} [{kind}]" for kind, wheres in found.items() for where in wheres]
    assert not offenders, _fail(
        "Arrondis hors de formarche/utils/money.py (utiliser round_cents, round_places…)",
        sorted(offenders, key=_sort_key),
    )


def test_views_do_not_query_models_directly():
    offenders = objects_in_views()
    assert not offenders, _fail("`.objects` dans les vues (passer par selectors.py)", offenders)


def test_modules_and_functions_are_short():
    offenders = [
        f"{path}: {lines} lignes (> {MAX_MODULE_LINES})"
        for path, lines in long_modules()
        if (path, None) not in SIZE_ALLOWED
    ]
    offenders += [
        f"{path}:{line}: {name} fait {size} lignes (> {MAX_FUNCTION_LINES})"
        for path, name, line, size in long_functions()
        if (path, name) not in SIZE_ALLOWED
    ]
    assert not offenders, _fail("Modules ou fonctions trop longs", offenders)


def test_size_allow_list_only_shrinks():
    too_long = {(path, None) for path, _ in long_modules()}
    too_long |= {(path, name) for path, name, _, _ in long_functions()}
    stale = [f"{path} {name or ''}".strip() for path, name in SIZE_ALLOWED if (path, name) not in too_long]
    assert not stale, _fail("Entrées de SIZE_ALLOWED qui ne dépassent plus la limite (les retirer)", stale)
    assert all(reason.strip() for reason in SIZE_ALLOWED.values())


def test_templates_compare_no_status_with_a_literal():
    offenders = template_status_literals()
    assert not offenders, _fail(
        "Gabarits qui comparent un statut à une chaîne (passer un booléen ou un membre d'enum)", offenders
    )


def test_public_service_functions_are_keyword_only():
    offenders = positional_services()
    assert not offenders, _fail("Fonctions publiques de services avec des paramètres positionnels", offenders)


def test_every_app_has_a_readme():
    offenders = apps_without_readme()
    assert not offenders, _fail("Apps sans README.md", offenders)


def test_pure_engines_import_only_the_standard_library_and_utils():
    assert engine_modules(), "aucun module de moteur pur trouvé à partir du graphe"
    offenders = impure_engine_imports()
    assert not offenders, _fail("Imports interdits dans les moteurs purs", offenders)


# --------------------------------------------------------------------------- self-tests of the parser


def test_relative_imports_and_submodules_are_resolved():
    path = PACKAGE / "bpf" / "engine.py"
    node = ast.parse("from . import inputs\nfrom .cerfa import Edition\nfrom .. import utils\n")
    targets = [t for stmt in node.body for t in _targets(stmt, path)]
    assert targets == ["formarche.bpf.inputs", "formarche.bpf.cerfa", "formarche.utils"]


def test_status_literal_pattern():
    bad = [
        '{% if session.status == "planifiee" %}',
        "{% elif 'payee' != invoice.status %}",
        '{% if p.status in "validee,close" %}',
        '{% if row.statut not in "a b" %}',
    ]
    good = ["{% if can_validate %}", "{% if invoice.is_paid %}", "{% if status == Status.OPEN %}"]
    for text in bad:
        assert template_hits(text), text
    for text in good:
        assert not template_hits(text), text


def template_hits(text: str) -> list[str]:
    return [m.group(0) for tag in TEMPLATE_TAG.finditer(text) for m in STATUS_LITERAL.finditer(tag["body"])]


def test_strongly_connected():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(edges, set("abcd")) == [["a", "b", "c"], ["d"]]


def test_graph_parser_and_reach():
    text = """```mermaid
graph TD
  %% a comment
  utils([utils — helpers])
  orders[orders — orders]
  billing[billing — billing]
  billing_engine([billing.engine — pure])
  orders --> billing_engine
  billing --> orders
  billing --> billing_engine
  billing_engine --> utils
```"""
    graph = parse_graph(text)
    assert graph.apps == {"utils", "orders", "billing"}
    assert graph.modules == {"billing_engine": ("billing.engine",)}
    assert graph.reach("orders") == {"billing_engine", "utils"}
    assert graph.node_of("formarche.billing.engine") == "billing_engine"
    assert graph.node_of("formarche.billing.models") == "billing"
    assert not graph.cycles()


# --------------------------------------------------------------------------- the map names real code

DOTTED_NAME = re.compile(
    r"`((?:accounts|attendance|billing|bpf|closing|imports|orders|trainees|utils)(?:\.[A-Za-z_]\w*)+)"
)


def _module_file(parts: list[str]) -> Path | None:
    base = PACKAGE.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _top_level_names(path: Path) -> set[str]:
    names = set()
    for node in parse(path).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def unknown_names_in_the_path_of_one_euro() -> list[str]:
    """Dotted names of docs/ARCHITECTURE.md's « path of one euro » that name no module or no
    top-level definition (or re-export) of the module they point into."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text[text.index("## The path of one euro") :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    unknown = []
    for name in sorted(set(DOTTED_NAME.findall(section))):
        parts = name.split(".")
        for split in range(len(parts), 0, -1):
            path = _module_file(parts[:split])
            if path is not None:
                rest = parts[split:]
                if rest and rest[0] not in _top_level_names(path):
                    unknown.append(f"{name} ({rel(path)} ne définit pas {rest[0]})")
                break
        else:
            unknown.append(f"{name} (aucun module)")
    return unknown


def test_the_path_of_one_euro_names_real_code():
    offenders = unknown_names_in_the_path_of_one_euro()
    assert not offenders, _fail("Noms de docs/ARCHITECTURE.md (le chemin d'un euro) introuvables", offenders)
