"""The import layering of docs/architecture.md holds: each floor imports only the floors below.

The floors are read from the diagram in docs/architecture.md (top floor first), so the doc
and the code cannot drift apart. Every import of every module under numnet/ is read with
`ast` (nothing is imported):

* an import that runs when the module is imported (module level, including inside
  `try`/`if` blocks and class bodies) must target the same floor or a lower one;
* an import inside a function runs later and may reach up, but only for the delegations
  the doc lists (`UPWARD_AT_CALL_TIME` below); a bare `import numnet` there (e.g. to read
  `numnet.__version__`) is fine, as the package is fully imported by then.

The one upward import at import time is the documented binding of `Tensor`'s operators to
`numnet.ops` at the bottom of `autograd/tensor.py`. The top-level `numnet/__init__.py` is the
façade that gathers every floor (like `keras/__init__.py`), so it is not checked.
"""
import ast
import re
from pathlib import Path
from functools import lru_cache
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "numnet"
DOC = ROOT / "docs" / "architecture.md"

# (importing module, imported package) -> the words docs/architecture.md must use for it.
UPWARD_AT_IMPORT_TIME = {
    ("numnet.autograd.tensor", "numnet.ops"): ("autograd/tensor.py", "numnet.ops"),
}
UPWARD_AT_CALL_TIME = {
    ("numnet.models.model", "numnet.saving"): ("Model.save", "numnet.saving"),
    ("numnet.models", "numnet.saving"): ("load_model", "numnet.saving"),
    ("numnet.utils", "numnet.autograd"): ("utils.gradient_check", "engine"),
}

_PACKAGE_TOKEN = re.compile(r"numnet\.\w+$")


def read_floors(text: str) -> Dict[str, int]:
    """Map each package named in the diagram to its floor number (0 = top floor).

    A diagram line that starts in the first column opens a floor: its name, then the
    packages of that floor (leading `numnet.x` tokens), then a description. An indented
    line adds the leading `numnet.x` tokens it starts with (if any) to the current floor.
    """
    match = re.search(r"```\n(.*?)```", text, re.S)
    assert match, "docs/architecture.md has no diagram code block"
    floors: Dict[str, int] = {}
    floor = -1
    for line in match.group(1).splitlines():
        if not line.strip():
            continue
        tokens = line.split()
        if not line[0].isspace():
            floor += 1
            tokens = tokens[1:]  # the floor's name
        for token in tokens:
            if not _PACKAGE_TOKEN.match(token):
                break
            assert token not in floors, f"{token} is on two floors of the diagram"
            floors[token] = floor
    return floors


FLOORS = read_floors(DOC.read_text(encoding="utf-8"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> Optional[str]:
    """`numnet.layers.core` -> `numnet.layers`; the bare top-level `numnet` -> None."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 and parts[0] == "numnet" else None


def resolve(node: ast.AST, module: str, is_package: bool) -> List[str]:
    """The numnet modules an import statement reaches (`from numnet import ops` -> numnet.ops)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "numnet"]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != "numnet":
        return []
    if target == "numnet":  # `from numnet import ops, layers` names sub-packages
        return [f"numnet.{alias.name}" for alias in node.names]
    return [target]


def imports(tree: ast.Module) -> Iterator[Tuple[ast.AST, bool]]:
    """Every import statement with whether it runs at import time (not inside a function)."""
    def walk(node: ast.AST, in_function: bool) -> Iterator[Tuple[ast.AST, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, not in_function
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from walk(child, nested)

    yield from walk(tree, False)


def all_modules() -> List[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


@lru_cache(maxsize=None)
def upward_imports() -> Tuple[Tuple[str, str, int, bool], ...]:
    """(module, imported package, line, at import time) for every import of a higher floor."""
    found = []
    for path in all_modules():
        module = module_name(path)
        source_pkg = package_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, at_import_time in imports(tree):
            for target in resolve(node, module, path.name == "__init__.py"):
                target_pkg = package_of(target)
                if target_pkg is None:
                    if at_import_time:  # the façade: every floor at once
                        found.append((module, "numnet", node.lineno, at_import_time))
                elif target_pkg != source_pkg and FLOORS[target_pkg] < FLOORS[source_pkg]:
                    found.append((module, target_pkg, node.lineno, at_import_time))
    return tuple(found)


# ----- the reader itself ------------------------------------------------------------------
def test_diagram_reader_on_a_sample():
    sample = "x\n```\ntop     numnet.a   words numnet.z\n        numnet.b  numnet.c  more\n" \
             "                  continued description\nlow     numnet.d\n```\n"
    assert read_floors(sample) == {"numnet.a": 0, "numnet.b": 0, "numnet.c": 0, "numnet.d": 1}


def test_resolve_handles_the_import_forms():
    def first(src, module="numnet.layers.core", is_package=False):
        return resolve(ast.parse(src).body[0], module, is_package)

    assert first("from numnet import ops, activations") == ["numnet.ops", "numnet.activations"]
    assert first("from numnet.autograd.tensor import Tensor") == ["numnet.autograd.tensor"]
    assert first("import numnet.saving") == ["numnet.saving"]
    assert first("import numpy as np") == []
    assert first("from . import layer") == ["numnet.layers"]
    assert first("from ..models import Model") == ["numnet.models"]
    assert first("from .core import Dense", "numnet.layers", True) == ["numnet.layers.core"]


def test_an_upward_import_would_be_caught():
    tree = ast.parse("import numpy\nfrom numnet.models import Model\n\ndef f():\n    from numnet import saving\n")
    found = [(resolve(n, "numnet.layers.core", False), top) for n, top in imports(tree)]
    assert found == [([], True), (["numnet.models"], True), (["numnet.saving"], False)]
    assert FLOORS["numnet.models"] < FLOORS["numnet.layers"]


# ----- the layering ---------------------------------------------------------------------------
def test_diagram_orders_the_floors_as_documented():
    order = ["numnet.saving", "numnet.models", "numnet.trainers", "numnet.layers", "numnet.ops",
             "numnet.autograd", "numnet.utils"]
    assert [FLOORS[p] for p in order] == sorted(FLOORS[p] for p in order)
    assert len({FLOORS[p] for p in order}) == len(order)
    for same in (("numnet.trainers", "numnet.callbacks", "numnet.losses", "numnet.metrics", "numnet.optimizers"),
                 ("numnet.layers", "numnet.activations", "numnet.initializers", "numnet.regularizers")):
        assert len({FLOORS[p] for p in same}) == 1, same


def test_every_package_is_on_a_floor():
    packages = {f"numnet.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages - set(FLOORS) == set(), "add the new package to the diagram in docs/architecture.md"
    assert set(FLOORS) - packages == set(), "the diagram names a package that does not exist"


@pytest.mark.parametrize("path", all_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_upward_import_at_import_time(path):
    module = module_name(path)
    bad = [(m, pkg, line) for m, pkg, line, top in upward_imports()
           if m == module and top and (m, pkg) not in UPWARD_AT_IMPORT_TIME]
    assert bad == [], (
        f"{module} imports a higher floor when it is imported (docs/architecture.md): {bad}; "
        f"import lower floors only, or delegate inside a function and document it"
    )


def test_upward_references_are_exactly_the_documented_ones():
    found = {(m, pkg, top) for m, pkg, _, top in upward_imports()}
    at_import = {(m, pkg) for m, pkg, top in found if top}
    at_call = {(m, pkg) for m, pkg, top in found if not top} - at_import
    assert at_import == set(UPWARD_AT_IMPORT_TIME)
    assert at_call <= set(UPWARD_AT_CALL_TIME), f"undocumented upward delegation(s): {at_call - set(UPWARD_AT_CALL_TIME)}"
    doc = DOC.read_text(encoding="utf-8")
    for words in list(UPWARD_AT_IMPORT_TIME.values()) + list(UPWARD_AT_CALL_TIME.values()):
        assert all(w in doc for w in words), f"docs/architecture.md should document the upward reference {words}"


def test_importing_a_lower_floor_does_not_load_a_higher_one():
    """The engine and ops load without layers, models, training or saving (fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys, importlib.util\n"
        "sys.modules['numnet'] = type(sys)('numnet'); sys.modules['numnet'].__path__ = [%r]\n"
        "import numnet.autograd, numnet.ops, numnet.utils\n"
        "loaded = sorted({'.'.join(m.split('.')[:2]) for m in sys.modules if m.startswith('numnet.')})\n"
        "print(' '.join(loaded))\n" % str(PACKAGE)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert set(out) == {"numnet.autograd", "numnet.ops", "numnet.utils"}, out
