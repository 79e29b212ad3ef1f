"""Named points where a crash test can kill the process (fault injection).

Code that promises crash safety marks the moments that matter with ``point("name")``
(inside a transaction before commit, between a write and its bookkeeping, ...). A test
starts a process with ``PACER_FAULT=name`` (or ``name:N``, the N-th time the point is
reached) and the process kills itself with SIGKILL there, exactly as a power cut or
``kill -9`` would; the test then checks the invariants. A test in the same process can
instead run a function at a point (``hooked``): to make a concurrent change at exactly
that moment. Unarmed, a point costs two comparisons.
"""

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_ARMED = os.environ.get("PACER_FAULT", "")
_NAME, _, _NTH = _ARMED.partition(":")
_TIMES = int(_NTH) if _NTH.isdecimal() else 1
_reached = 0
_hooks: dict[str, Callable[[], None]] = {}


def point(name: str) -> None:
    """Die here with SIGKILL if this point is armed and reached for the chosen time."""
    global _reached
    if _hooks and name in _hooks:
        _hooks[name]()
    if name != _NAME:
        return
    _reached += 1
    if _reached >= _TIMES:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def hooked(name: str, function: Callable[[], None]) -> Iterator[None]:
    """Run ``function`` each time this process reaches point ``name`` (for tests)."""
    _hooks[name] = function
    try:
        yield
    finally:
        del _hooks[name]
