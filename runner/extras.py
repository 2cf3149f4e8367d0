"""Optional parts of ``grade`` and the packages they need: one home for the extras' names.

``pip install backend-roadmap-grade`` brings what grading in the Docker sandbox needs. Two
features need more, and ask for it by name:

    grade[workers]   celery, redis     grade batch --broker, grade worker
    grade[local]     nbclient, ipykernel (and SQLAlchemy for 04)   notebooks on the local backend

Contract: :func:`require` returns when every module of an extra can be imported, else raises
:class:`~runner.errors.MissingExtra`, one line saying which extra to install. It looks the
modules up without importing them (ipykernel alone would take a second), so call it at the top of
the code path that needs them. Trust: none involved, only this machine's packages.
"""

from __future__ import annotations

import importlib.util
from typing import Literal

from .errors import MissingExtra

#: The distribution's name on PyPI, as ``pip install`` spells it (pyproject.toml's ``[project] name``).
DISTRIBUTION = "backend-roadmap-grade"
Extra = Literal["workers", "local"]
#: The modules each extra of pyproject.toml's ``[project.optional-dependencies]`` brings.
EXTRAS: dict[Extra, tuple[str, ...]] = {
    "workers": ("celery", "redis"),
    "local": ("nbclient", "ipykernel"),
}


def installed(module: str) -> bool:
    """Whether ``module`` (a top-level name) can be imported here, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken package, or one whose import failed before
        return False


def require(extra: Extra, purpose: str) -> None:
    """Return if ``extra``'s modules are installed; else :class:`MissingExtra` saying ``purpose`` needs them."""
    for module in EXTRAS[extra]:
        if not installed(module):
            raise MissingExtra(extra, module, purpose, f"pip install '{DISTRIBUTION}[{extra}]'")
