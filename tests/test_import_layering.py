"""Import rules of hitex: no import circle, no private name across modules, layers in order.

Every module under ``src/hitex`` is parsed with :mod:`ast`; every import statement
counts, also one inside a function or under ``if TYPE_CHECKING:``, and relative
imports are resolved. Three rules are checked:

(a) no import circle among the modules (package ``__init__`` files are left out:
    they only hand names on);
(b) no module imports a name starting with ``_`` from another hitex module, nor
    reads one as an attribute of an imported hitex module (``hitex._paths`` is
    exempt: its module name is private, its functions are public; dunder names
    such as ``__version__`` are not private);
(c) data flows one way: ``data`` imports no ``indicators``, ``models``,
    ``report`` or ``studies``; ``indicators`` none of ``models``, ``report``,
    ``studies``; ``models`` none of ``report``, ``studies``; ``report`` no
    ``studies``.

The first tests run the checks on small packages written to a temporary folder,
whose circles and violations are known by construction, so that a check that
finds nothing is known to be able to find something.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Import circles tolerated (none).
ALLOWED_CIRCLES: list[set[str]] = []

#: Private names another module may import, as "module.name" (none).
ALLOWED_PRIVATE: list[set[str]] = []

#: Private module whose functions are public.
PRIVATE_MODULES_OK = frozenset({"hitex._paths"})

#: The layers, lowest first: a layer may import only the layers before it.
LAYERS = ("data", "indicators", "models", "report", "studies")


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Import:
    """One imported name: ``target`` is the resolved dotted name (module, or module.name)."""

    importer: str
    line: int
    base: str  # the module or package imported from ("" for ``import x``)
    name: str  # the name taken ("" for ``import x``)
    target: str
    bound: str | None  # the local name it is bound to (None: ``import a.b`` binds ``a``)


def module_files(src: Path, package: str = "hitex") -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package ``__init__``) for every module under ``src/package``."""
    out: dict[str, tuple[Path, bool]] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_init = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_init else parts)] = (path, is_init)
    return out


def imports_of(name: str, path: Path, is_init: bool) -> list[Import]:
    """Every import of one module, function-level and TYPE_CHECKING ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if is_init else name.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(name, node.lineno, "", "", a.name, a.asname) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[: len(up) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            found.extend(
                Import(name, node.lineno, base, a.name, f"{base}.{a.name}", a.asname or a.name)
                for a in node.names
            )
    return found


def module_graph(src: Path, package: str = "hitex") -> dict[str, dict[str, set[str]]]:
    """Importer -> {imported module: names taken} over the modules, ``__init__`` files left out.

    ``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to
    ``a.b`` (taking ``c``); ``import a.b`` is an edge to ``a.b``.
    """
    files = {n: p for n, (p, is_init) in module_files(src, package).items() if not is_init}
    graph: dict[str, dict[str, set[str]]] = {}
    for name, path in files.items():
        edges: dict[str, set[str]] = {}
        for imp in imports_of(name, path, is_init=False):
            if not imp.base:
                if imp.target in files:
                    edges.setdefault(imp.target, set()).add("(module)")
            elif imp.target in files:
                edges.setdefault(imp.target, set()).add("(module)")
            elif imp.base in files:
                edges.setdefault(imp.base, set()).add(imp.name)
        edges.pop(name, None)
        graph[name] = edges
    return graph


# ----------------------------------------------------------------------------- rules


def circles(graph: dict[str, dict[str, set[str]]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def describe_circle(component: set[str], graph: dict[str, dict[str, set[str]]]) -> str:
    lines = [", ".join(sorted(component))]
    for a in sorted(component):
        for b, names in sorted(graph[a].items()):
            if b in component:
                lines.append(f"    {a} -> {b}: {', '.join(sorted(names))}")
    return "\n".join(lines)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(src: Path, package: str = "hitex") -> list[str]:
    """Private names one module takes from another, by import or as a module attribute."""
    files = module_files(src, package)
    problems: list[str] = []
    for name, (path, is_init) in files.items():
        imported_modules: dict[str, str] = {}  # local name -> hitex module it is bound to
        for imp in imports_of(name, path, is_init):
            if not imp.target.startswith(package):
                continue
            if imp.target in files and imp.bound is not None:
                imported_modules[imp.bound] = imp.target
            if not imp.base:
                continue  # ``import a.b`` takes no name
            source = imp.target if imp.target in files else imp.base
            if source == name or imp.target in PRIVATE_MODULES_OK:
                continue
            if _is_private(imp.name):
                problems.append(f"{name}:{imp.line} imports {imp.name} from {imp.base}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules
                and _is_private(node.attr)
                and f"{imported_modules[node.value.id]}.{node.attr}" not in PRIVATE_MODULES_OK
            ):
                problems.append(
                    f"{name}:{node.lineno} uses {node.value.id}.{node.attr} of "
                    f"{imported_modules[node.value.id]}"
                )
    return problems


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def layer_breaks(src: Path, package: str = "hitex") -> list[str]:
    """Imports of a layer that comes after the importer's own layer."""
    problems: list[str] = []
    for name, (path, is_init) in module_files(src, package).items():
        own = layer_of(name)
        if own is None:
            continue
        for imp in imports_of(name, path, is_init):
            other = layer_of(imp.target) if imp.target.startswith(f"{package}.") else None
            if other is not None and LAYERS.index(other) > LAYERS.index(own):
                problems.append(f"{name}:{imp.line} ({own}) imports {imp.target} ({other})")
    return problems


# ----------------------------------------------------------------------------- the checks on known packages


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_circles_are_found_through_function_type_checking_and_relative_imports(tmp_path):
    src = _write(tmp_path, {
        "hitex/__init__.py": "from hitex.models import a\n",
        "hitex/models/__init__.py": "",
        "hitex/models/a.py": "def f():\n    from hitex.models.b import g\n",
        "hitex/models/b.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from .c import C\n"
        ),
        "hitex/models/c.py": "from . import a\n",
        "hitex/models/d.py": "import hitex.models.a\n",
        "hitex/report/x.py": "from ..models.d import thing\n",
    })
    graph = module_graph(src)
    assert graph["hitex.models.a"] == {"hitex.models.b": {"g"}}
    assert graph["hitex.models.b"] == {"hitex.models.c": {"C"}}
    assert graph["hitex.models.c"] == {"hitex.models.a": {"(module)"}}
    assert graph["hitex.report.x"] == {"hitex.models.d": {"thing"}}
    assert "hitex" not in graph and "hitex.models" not in graph  # __init__ files left out
    assert circles(graph) == [{"hitex.models.a", "hitex.models.b", "hitex.models.c"}]


def test_a_module_without_circle_gives_none(tmp_path):
    src = _write(tmp_path, {
        "hitex/low.py": "X = 1\n",
        "hitex/mid.py": "from hitex.low import X\n",
        "hitex/top.py": "from hitex import low, mid\n",
    })
    assert circles(module_graph(src)) == []


def test_private_names_are_found_by_import_and_by_attribute(tmp_path):
    src = _write(tmp_path, {
        "hitex/__init__.py": "__version__ = '1'\n",
        "hitex/_paths.py": "def data_dir():\n    return None\n",
        "hitex/a.py": "_SECRET = 1\nPUBLIC = 2\n",
        "hitex/b.py": (
            "from hitex import _paths, __version__\n"
            "from hitex.a import PUBLIC\n"
            "from .a import _SECRET\n"
            "_paths.data_dir()\n"
        ),
        "hitex/c.py": "from hitex import a\n\ndef f():\n    return a._SECRET + a.PUBLIC\n",
        "hitex/e.py": "import hitex.a as m\nimport hitex.a\nm._SECRET\n",
        "hitex/d.py": "_OWN = 1\nfrom hitex.d import _OWN as again\n",
    })
    assert private_uses(src) == [
        "hitex.b:3 imports _SECRET from hitex.a",
        "hitex.c:4 uses a._SECRET of hitex.a",
        "hitex.e:3 uses m._SECRET of hitex.a",
    ]


def test_layer_breaks_are_found(tmp_path):
    src = _write(tmp_path, {
        "hitex/data/__init__.py": "",
        "hitex/data/src.py": "def f():\n    from hitex.models import panel\n",
        "hitex/indicators/ind.py": "from hitex.data import src\n",
        "hitex/report/tab.py": "from hitex.models.panel import panel\n",
        "hitex/models/panel.py": "from ..report import tab\n",
    })
    assert layer_breaks(src) == [
        "hitex.data.src:2 (data) imports hitex.models.panel (models)",
        "hitex.models.panel:1 (models) imports hitex.report.tab (report)",
    ]


# ----------------------------------------------------------------------------- the checks on hitex


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, set[str]]]:
    found = module_graph(SRC)
    # the walk must have found the package, with edges, or the checks below prove nothing
    assert len(found) > 50 and "hitex.models.panel" in found
    assert "hitex.models.results" in found["hitex.models.panel"]
    return found


def test_no_import_circle(graph):
    found = [c for c in circles(graph) if c not in ALLOWED_CIRCLES]
    assert not found, "import circles (move what the modules share to a lower module):\n" + (
        "\n".join(describe_circle(c, graph) for c in found)
    )


def test_no_private_name_is_imported_from_another_module():
    allowed = set().union(*ALLOWED_PRIVATE)
    found = [p for p in private_uses(SRC) if not any(p.endswith(_where(a)) for a in allowed)]
    assert not found, (
        "names starting with '_' are private to their module; make the shared thing public in "
        "a lower module, or move it where it belongs:\n" + "\n".join(found)
    )


def _where(dotted: str) -> str:
    module, _, name = dotted.rpartition(".")
    return f"imports {name} from {module}"


def test_layers_import_only_the_layers_before_them():
    found = layer_breaks(SRC)
    assert not found, (
        "data -> indicators -> models -> report -> studies: a layer may import only the "
        "layers before it:\n" + "\n".join(found)
    )
