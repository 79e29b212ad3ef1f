"""Simulator throughput: 1M contacts / ~20M events, generated in memory.

Run: .venv/bin/python benchmarks/simulator.py [contacts]
"""

import sys
import time

from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import BIG  # noqa: E402

contacts = int(sys.argv[1]) if len(sys.argv) > 1 else BIG["contacts"]
config = SimConfig(**{**BIG, "contacts": contacts})
started = time.perf_counter()
business = generate(config)
seconds = time.perf_counter() - started
events = len(business.event_time)
print(
    f"simulator: {contacts:,} contacts, {events:,} events, {len(business.order_time):,} orders "
    f"in {seconds:.2f} s = {events / seconds:,.0f} events/s"
)
