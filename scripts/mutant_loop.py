"""The mutant loop: every listed mutant against the collected tests in ONE pytest session.

mutmut starts a worker (and a pytest session, and the test database's set-up) per mutant
and first runs a statistics pass over the whole selection, which on the shared 2-core
machine took longer than a 20-minute box (docs/testing.md, the leads sample). This pytest
plugin instead runs the collected tests once per mutant in the session it is loaded in:
it sets ``MUTANT_UNDER_TEST`` before each pass (mutmut's trampolines read it at every
call), stops a pass at its first failing test, and writes one line per mutant. The first
pass runs with no mutant (``CONTROL``): every test must pass, or the figures mean nothing.

It needs a mutated copy of the tree (``scripts/mutation.py generate``) and runs inside
it (``scripts/mutation.py loop``, which sets what follows):

- ``MUTANT_LIST``: a file of mutant names (``pacer.leads.actions.x_move_stage__mutmut_91``),
  one a line;
- ``MUTANT_OUT``: where ``name<TAB>killed|survived|timeout<TAB>first failing test<TAB>s``
  lines are appended;
- ``MUTANT_MODULE``: the mutated module, checked to be imported from the copy (from the
  editable install instead, no mutant would ever be active and every one would survive);
- ``MUTANT_TIMEOUT_S``: seconds one mutant's pass may take before it counts as a timeout
  (a mutant that loops for ever); by default 60 s plus 3 times the control pass's time
  (which includes the test database's set-up); 0 for none. The control pass has no limit.

A timeout is recorded apart from a kill (mutmut counts it as caught); a mutant's pass is
ended by ``SIGALRM``, raised in the running test.
"""

import ast
import difflib
import importlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol


class PassTimedOut(Exception):
    """A pass ran past ``MUTANT_TIMEOUT_S``."""


def _time_out(signum, frame):
    raise PassTimedOut("the pass ran past its limit (MUTANT_TIMEOUT_S)")


def _check_the_copy_is_imported() -> None:
    module = importlib.import_module(os.environ["MUTANT_MODULE"])
    here = Path.cwd().resolve()
    if here not in Path(module.__file__).resolve().parents:
        raise pytest.UsageError(f"{module.__name__} is imported from {module.__file__}, not {here}")


def _one_pass(session, name: str, out, limit_s: int) -> tuple[str, float]:
    """Run the collected tests with mutant ``name`` active (none for ``CONTROL``) until the
    first failure, for at most ``limit_s`` seconds (0: no limit); write and return the
    outcome and the seconds it took."""
    os.environ["MUTANT_UNDER_TEST"] = "" if name == "CONTROL" else name
    items = session.items
    started, failed, outcome = time.monotonic(), "", "survived"
    signal.alarm(limit_s)
    try:
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else items[0]
            reports = runtestprotocol(item, nextitem=following, log=False)
            bad = [report for report in reports if report.failed]
            if bad:
                failed, outcome = item.nodeid, "killed"
                if "PassTimedOut" in bad[0].longreprtext:
                    outcome = "timeout"
                if name == "CONTROL":
                    out.write(f"CONTROL FAILED {item.nodeid}\n{bad[0].longreprtext[-3000:]}\n")
                # back to the fixtures the next pass starts with
                session._setupstate.teardown_exact(items[0])
                break
    finally:
        signal.alarm(0)
    took = time.monotonic() - started
    out.write(f"{name}\t{outcome}\t{failed}\t{took:.1f}s\n")
    return outcome, took


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    if session.config.option.collectonly or not session.items:
        return None
    _check_the_copy_is_imported()
    names = [line.strip() for line in Path(os.environ["MUTANT_LIST"]).read_text().splitlines()]
    signal.signal(signal.SIGALRM, _time_out)
    with open(os.environ["MUTANT_OUT"], "a", buffering=1) as out:
        outcome, took = _one_pass(session, "CONTROL", out, 0)
        if outcome != "survived":
            session.testsfailed = 1  # the un-mutated tests fail: no mutant is run
            return True
        given = os.environ.get("MUTANT_TIMEOUT_S")
        limit_s = int(given) if given else 60 + int(3 * took)
        for name in filter(None, names):
            _one_pass(session, name, out, limit_s)
    os.environ.pop("MUTANT_UNDER_TEST", None)
    return True


def drive(where: Path, module: str, names: str, tests: list[str]) -> int:
    """Run the mutants named in the file ``names`` against ``tests`` in one pytest session
    inside ``where``, the mutated copy of the tree (``scripts/mutation.py generate``), with
    this plugin; the outcomes are appended to ``loop.out`` there (``MUTANT_OUT`` to put them
    elsewhere). Returns pytest's exit code."""
    if not (where / module).exists():
        sys.exit(f"no mutated copy of {module}: run `scripts/mutation.py generate {module}` first")
    root = Path(__file__).resolve().parent.parent
    # the tests as they are now (the copy was made with the tests of its day)
    shutil.copytree(root / "tests", where / "tests", dirs_exist_ok=True)
    out = Path(os.environ.get("MUTANT_OUT") or where / "loop.out").resolve()
    env = os.environ | {
        "PYTHONPATH": f"{where}{os.pathsep}{Path(__file__).resolve().parent}",
        "MUTANT_LIST": str(Path(names).resolve()),
        "MUTANT_OUT": str(out),
        "MUTANT_MODULE": module.removesuffix(".py").replace("/", "."),
    }
    env.pop("MUTANT_UNDER_TEST", None)
    command = [sys.executable, "-m", "pytest", "-p", "mutant_loop", "-p", "no:cacheprovider"]
    command += ["-q", "-m", "not spark and not browser", *tests]
    code = subprocess.run(command, cwd=where, env=env).returncode
    lines = out.read_text().splitlines()
    outcomes = Counter(line.split("\t")[1] for line in lines if "\t" in line)
    print(f"mutant_loop: {dict(outcomes)} in {out} (CONTROL counted among the survived)")
    return code


def show(path: Path, names: list[str]) -> None:
    """Print each named mutant's changed lines against its original function in ``path``
    (a mutated module of the copy)."""
    lines = path.read_text().splitlines()
    tree = ast.parse("\n".join(lines))
    functions = {
        node.name: lines[node.lineno : node.end_lineno]
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }
    for name in names:
        short = name.strip().rpartition(".")[2]
        original = short.partition("__mutmut_")[0] + "__mutmut_orig"
        changed = [
            line.strip()
            for line in difflib.unified_diff(functions[original], functions[short], n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")
        ]
        print(short, "|", " | ".join(changed)[:600])
