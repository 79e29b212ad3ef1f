"""Realistic first and last names for simulated people, deterministic from the seed.

A small built-in vocabulary (no download): US first names of several generations and
origins, and common US surnames. The same seed and person always give the same name;
another seed gives another mix."""

_FIRST = """
    Aaliyah Aaron Abigail Adrian Aisha Alejandro Alice Amara Amelia Ana Andrew Angela
    Anthony Ava Benjamin Brandon Brianna Caleb Camila Carlos Caroline Charlotte Chloe
    Christopher Claire Daniel David Deborah Diego Dylan Elena Elijah Elizabeth Emily
    Emma Ethan Evelyn Fatima Gabriel Grace Hannah Harper Hiroshi Isaac Isabella Jacob
    James Jasmine Jennifer Jessica Jin Jordan Jose Joseph Joshua Julia Kevin Kimberly
    Laura Layla Leah Liam Linda Lucas Luis Madison Malik Maria Mark Mateo Maya Megan Mia
    Michael Michelle Mohammed Naomi Nathan Nicole Noah Olivia Omar Patricia Priya Rachel
    Rahul Rebecca Robert Ryan Samantha Samuel Sarah Sofia Stephanie Susan Thomas
    Valentina Victoria William Zoe
"""
_LAST = """
    Adams Ali Allen Anderson Baker Bennett Brooks Brown Campbell Carter Castillo Chen
    Clark Collins Cooper Cruz Davis Diaz Edwards Evans Flores Foster Garcia Gomez
    Gonzalez Gray Green Gupta Hall Harris Hernandez Hill Howard Hughes Jackson James
    Johnson Jones Kelly Kim King Lee Lewis Lopez Martin Martinez Mitchell Moore Morales
    Morgan Murphy Nelson Nguyen Okafor Ortiz Parker Patel Perez Peterson Phillips
    Ramirez Reed Reyes Richardson Rivera Roberts Robinson Rodriguez Rogers Ross Sanchez
    Scott Shah Singh Smith Stewart Sullivan Taylor Thomas Thompson Torres Tran Turner
    Walker Ward Washington Watson White Williams Wilson Wong Wright Young
"""
FIRST_NAMES = tuple(_FIRST.split())
LAST_NAMES = tuple(_LAST.split())

_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    """SplitMix64's finaliser: spreads neighbouring integers over all 64 bits."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def person_name(seed: int, person: int) -> tuple[str, str]:
    """The first and last name of simulated person ``person`` under ``seed``."""
    bits = _mix(_mix(seed) ^ person)
    first = FIRST_NAMES[bits % len(FIRST_NAMES)]
    last = LAST_NAMES[(bits >> 32) % len(LAST_NAMES)]
    return first, last
