"""The cumulative flow diagram is drawn as stacked areas: each column's series, from the
last column (Done) at the bottom up to the first, fills down to the one below it."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_cumulative_flow_diagram_is_stacked_areas(ada, board):
    page = ada.get("/work/boards/brand-board/flow/").content.decode()
    found = re.search(r'<script id="cfd-config" type="application/json">(.*?)</script>', page, re.S)
    config = json.loads(found.group(1))

    datasets = config["data"]["datasets"]
    assert [(d["label"], d["fill"]) for d in datasets] == [
        ("Done", "origin"),
        ("Review", "-1"),
        ("Doing", "-1"),
        ("Backlog", "-1"),
    ]
    assert config["options"]["scales"]["y"]["stacked"] is True
