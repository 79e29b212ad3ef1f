"""Run a peer library in the separate ``.bench-peers`` environment (see `make bench-peers`).

A peer script loads its input once, then answers each command line read from stdin
with one line ``ANSWER {json}`` (it times its own work; other output, such as a
library's banner, is skipped), so that a benchmark can alternate Pacer's runs and the
peer's on the same input; with ``--once`` it does the work once and exits (for
whole-process timing).
"""

import json
import subprocess
import sys
from pathlib import Path

PEER_PYTHON = Path(__file__).resolve().parent.parent / ".bench-peers" / "bin" / "python"


def peer_command(script: str, *args: str) -> list[str]:
    if not PEER_PYTHON.exists():
        sys.exit("the peers environment is missing: run `make bench-peers` first")
    return [str(PEER_PYTHON), str(Path(__file__).resolve().parent / "peers" / script), *args]


class Peer:
    """A running peer script: ``peer.run("command")`` returns its JSON answer."""

    def __init__(self, script: str, *args: str) -> None:
        self.process = subprocess.Popen(
            peer_command(script, *args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self, command: str = "run") -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        while True:
            line = self.process.stdout.readline()
            if not line:
                sys.exit(f"the peer stopped (exit status {self.process.wait()})")
            if line.startswith("ANSWER "):
                return json.loads(line.removeprefix("ANSWER "))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()

    def __enter__(self) -> "Peer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
