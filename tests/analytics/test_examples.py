"""The runnable examples in pacer.analytics docstrings are correct, and the package
stays free of Django and the databases."""

import doctest
import importlib
import pkgutil
import subprocess
import sys

import pytest

import pacer.analytics

MODULES = [m.name for m in pkgutil.iter_modules(pacer.analytics.__path__, "pacer.analytics.")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0, f"{name} has no runnable example"
    assert failures == 0


def test_analytics_imports_no_django_or_database():
    code = (
        "import sys, importlib\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'duckdb', 'deltalake')]\n"
        "print(','.join(bad))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == ""
