"""The examples in the leads modules' docstrings run and hold."""

import doctest

import pytest

from pacer.leads import hours, locating, predictive, staff


@pytest.mark.parametrize("module", [hours, locating, predictive, staff], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failed == 0
