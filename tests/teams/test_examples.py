"""The runnable examples in the docstrings of the waste analysis, the NPS standard error
and the simulated survey answers are correct."""

import doctest

import pytest

import pacer.simulate.experience
import pacer.teams.cx
import pacer.teams.waste


@pytest.mark.parametrize("module", [pacer.teams.waste, pacer.teams.cx, pacer.simulate.experience])
def test_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
