"""Sum a PACER_TEST_CPU_LOG file (tests/cpu_log.py) by test file, or by test with --tests
(ranked by CPU, own and children's).

Usage: python scripts/test-cpu-report.py LOG [--tests] [--top N]
"""

import sys
from collections import defaultdict


def main(argv: list[str]) -> None:
    path, by_test = argv[0], "--tests" in argv
    top = int(argv[argv.index("--top") + 1]) if "--top" in argv else 40
    own: dict[str, float] = defaultdict(float)
    children: dict[str, float] = defaultdict(float)
    wall: dict[str, float] = defaultdict(float)
    count: dict[str, set] = defaultdict(set)
    with open(path, encoding="utf-8") as log:
        for line in log:
            nodeid, _phase, spent, started, waited = line.rstrip("\n").split("\t")
            key = nodeid if by_test else nodeid.split("::")[0]
            own[key] += float(spent)
            children[key] += float(started)
            wall[key] += float(waited)
            count[key].add(nodeid)
    total_own, total_children = sum(own.values()), sum(children.values())
    print(
        f"total: {total_own:.0f} s CPU in the test process, {total_children:.0f} s in "
        f"children, {sum(wall.values()):.0f} s wall"
    )
    ranked = sorted(own, key=lambda key: own[key] + children[key], reverse=True)
    print(f"{'own s':>8} {'child s':>8} {'wall s':>8} {'tests':>6}  file")
    for key in ranked[:top]:
        print(f"{own[key]:8.1f} {children[key]:8.1f} {wall[key]:8.1f} {len(count[key]):6d}  {key}")


if __name__ == "__main__":
    main(sys.argv[1:])
