from pathlib import Path

import pytest

from pacer.simulate.config import SimConfig
from pacer.simulate.report import BEGIN, END, main, markdown, update

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def test_the_docs_figures_are_what_the_generator_gives():
    """docs/simulator.md carries the default business's report; regenerate it with
    `python -m pacer.simulate.report --update docs/simulator.md` when defaults change."""
    text = DOC.read_text()
    printed = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert printed == "\n" + markdown(SimConfig())


def test_the_report_states_the_truths_figures():
    report = markdown(SimConfig(contacts=3000, months=6))
    assert report.startswith("Seed 7, 3,000 contacts, 6 months from 2025-01-06, 12 locations")
    assert "| `weak_locations` | (4, 10) |" in report
    assert "| LOC04 | weak |" in report and "| LOC01 |  |" in report


def test_update_rewrites_only_the_marked_part(tmp_path, capsys):
    path = tmp_path / "doc.md"
    path.write_text(f"before\n{BEGIN}\nstale\n{END}\nafter\n")
    config = SimConfig(contacts=500, months=3)
    assert update(path, config)
    assert path.read_text() == f"before\n{BEGIN}\n{markdown(config)}{END}\nafter\n"
    assert not update(path, config)
    assert main(["--contacts", "500", "--months", "3", "--update", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: already up to date\n"
    path.write_text("no markers\n")
    with pytest.raises(ValueError, match="markers"):
        update(path, config)
    assert path.read_text() == "no markers\n"
