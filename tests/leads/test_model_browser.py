"""The funnel page's "predictive score beside the rule score" in a real Chromium at phone
and desktop widths: no sideways scrolling, no serious axe-core violations, no script
errors; screenshots go to ``$PACER_SCREENSHOTS``."""

from datetime import UTC, datetime

import pytest

from pacer.leads.models import LeadModelRun
from tests.web.test_layout import _check, _context

PREDICTIVE = [3.1, 2.0, 1.6, 1.2, 0.9, 0.7, 0.5, 0.4, 0.3, 0.3]
RULE = [1.6, 1.6, 1.3, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.4]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_model_check_fits_phone_and_desktop(live_server, browser, workspace, admin):
    LeadModelRun.objects.create(
        workspace=workspace,
        version="lr-iso-0123456789ab",
        fitted_at=datetime(2026, 3, 2, 4, 0, tzinfo=UTC),
        conversion_days=30,
        trained_on=3012,
        holdout=1004,
        auc=0.781,
        brier=0.118,
        base_rate=0.152,
        rule_auc=0.612,
        lift={"predictive": PREDICTIVE, "rule": RULE},
    )
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", live_server.url)
        page.goto(live_server.url + "/leads/funnel/")
        assert page.locator("#model-facts").inner_text().count("0.") >= 3
        assert page.locator("#lead-model-lift tbody tr").count() == 10
        found += _check(page, "lead-model", width, problems)
        context.close()
    assert found == []
