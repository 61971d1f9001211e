"""DEVELOPERS.md standards for the engine, ops, layers and models: every public name has a
docstring, every public function with parameters documents them under `Args:`, and every
public signature is type-hinted."""
import inspect

import pytest

import numnet

PACKAGES = ["autograd", "ops", "utils", "layers", "activations", "initializers", "regularizers", "models",
            "backend", "config", "random", "constraints"]


def public_objects():
    seen, out = set(), []
    for pkg in PACKAGES:
        module = getattr(numnet, pkg)
        names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            out.append((f"{pkg}.{name}", obj))
    return out


OBJECTS = public_objects()


def _documented_parameters(obj):
    """Parameters of a function, or of a class's constructor (minus self)."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    if target is object.__init__:
        return []
    params = list(inspect.signature(target).parameters.values())
    return [p for p in params if p.name not in ("self", "cls")]


@pytest.mark.parametrize("name,obj", OBJECTS, ids=[n for n, _ in OBJECTS])
def test_public_name_has_a_docstring(name, obj):
    assert (inspect.getdoc(obj) or "").strip(), f"{name} has no docstring"


@pytest.mark.parametrize("name,obj", [(n, o) for n, o in OBJECTS if inspect.isfunction(o)],
                         ids=[n for n, o in OBJECTS if inspect.isfunction(o)])
def test_public_function_documents_its_arguments_and_is_type_hinted(name, obj):
    params = _documented_parameters(obj)
    doc = inspect.getdoc(obj) or ""
    if params:
        assert "Args:" in doc, f"{name}: docstring has no Args: section"
    missing = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    assert not missing, f"{name}: parameters without type hints: {missing}"
    assert inspect.signature(obj).return_annotation is not inspect.Signature.empty, f"{name}: no return type hint"


@pytest.mark.parametrize("name,obj", [(n, o) for n, o in OBJECTS if inspect.isclass(o)],
                         ids=[n for n, o in OBJECTS if inspect.isclass(o)])
def test_public_class_constructor_is_type_hinted(name, obj):
    if "__init__" not in vars(obj):
        return  # inherits a constructor checked on its base class
    missing = [p.name for p in _documented_parameters(obj) if p.annotation is inspect.Parameter.empty]
    assert not missing, f"{name}.__init__: parameters without type hints: {missing}"
