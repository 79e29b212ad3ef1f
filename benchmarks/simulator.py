"""Simulator throughput: 1M contacts / ~20M events, generated in memory.

Generates the business ``--runs`` times (default 5) in this process, then as many whole
processes (a fresh interpreter generating it once); prints medians with their range.
There is no peer.

Run: .venv/bin/python benchmarks/simulator.py [contacts] [--runs N]
"""

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BIG, process_seconds, runs_from_argv, seconds, spread  # noqa: E402

from pacer.simulate.business import generate  # noqa: E402
from pacer.simulate.config import SimConfig  # noqa: E402


def main() -> None:
    runs = runs_from_argv()
    args = sys.argv[1:]
    numbers = [a for i, a in enumerate(args) if a.isdigit() and (i == 0 or args[i - 1] != "--runs")]
    contacts = int(numbers[0]) if numbers else BIG["contacts"]
    config = SimConfig(**{**BIG, "contacts": contacts})
    business = generate(config)
    events = len(business.event_time)
    del business
    times = [seconds(lambda: generate(config)) for _ in range(runs)]
    whole = [
        process_seconds([sys.executable, __file__, "--once", str(contacts)]) for _ in range(runs)
    ]
    rate = events / statistics.median(times)
    print(
        f"simulator: {contacts:,} contacts, {events:,} events: {spread(times)} in process "
        f"(median {rate:,.0f} events/s); whole process {spread(whole)}"
    )


if __name__ == "__main__":
    if "--once" in sys.argv:
        contacts = int(sys.argv[sys.argv.index("--once") + 1])
        generate(SimConfig(**{**BIG, "contacts": contacts}))
    else:
        main()
