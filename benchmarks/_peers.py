"""Run a peer library in the separate ``.bench-peers`` environment (see `make bench-peers`)."""

import json
import subprocess
import sys
from pathlib import Path

PEER_PYTHON = Path(__file__).resolve().parent.parent / ".bench-peers" / "bin" / "python"


def run_peer(script: str, *args: str) -> dict:
    """Run ``benchmarks/peers/<script>`` with the peers' Python; it prints one JSON line."""
    if not PEER_PYTHON.exists():
        sys.exit("the peers environment is missing: run `make bench-peers` first")
    path = Path(__file__).resolve().parent / "peers" / script
    output = subprocess.run(
        [str(PEER_PYTHON), str(path), *args], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])
