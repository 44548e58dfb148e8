"""One module per kind of results file.

A module declares ``KINDS`` (the values of the root attribute ``kind`` it reads) and
``build(context, page)``. Files without a ``kind`` attribute are fit files when they hold
a ``/fits`` group, else run files: ``variants`` when they hold a ``/comparison`` group, else
``run``. Adding a kind is adding a module here.
"""
import importlib
import pkgutil

from ..errors import BadInput
from ..reader import attr

_REGISTRY = {}


def _load():
    if _REGISTRY:
        return _REGISTRY
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for kind in getattr(module, "KINDS", ()):
            _REGISTRY[kind] = module
    return _REGISTRY


def detect(f, path):
    """The module that reports on file f, chosen from its root attributes."""
    registry = _load()
    kind = attr(f, "kind")
    if kind is None:
        if "clvsim_version" not in f.attrs:
            raise BadInput(f"{path}: not a clvsim results file (no clvsim_version attribute at the root)")
        # Files written before every kind of results file carried its kind attribute.
        kind = "fit" if "fits" in f else ("variants" if "comparison" in f else "run")
    if kind not in registry:
        known = ", ".join(sorted(registry))
        raise BadInput(f"{path}: results of kind '{kind}' have no report (this version reports on: {known})")
    return kind, registry[kind]
