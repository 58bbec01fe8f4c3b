"""Lazy package exports: a name loads its module on first use; any other name is an error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dossier.lazy import exports


def test_exports_take_the_named_entry_points_from_their_module() -> None:
    getattr_ = exports("pkg", "json", ["dumps"])
    assert getattr_("dumps") is __import__("json").dumps
    with pytest.raises(AttributeError, match="module 'pkg' has no attribute 'loads'"):
        getattr_("loads")  # in the module, but not exported


def test_a_package_loads_its_module_only_when_an_entry_point_is_asked_for() -> None:
    code = ("import sys, dossier.serve; before = 'dossier.serve.app' in sys.modules; dossier.serve.create_app; "
            "print(before, 'dossier.serve.app' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
