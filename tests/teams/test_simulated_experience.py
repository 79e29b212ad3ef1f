"""On the simulator, the spend-waste analysis finds the locations the simulation gave poor
service (more customers stop buying after each purchase, NPS answers lean to
detractors). Pure Python: the simulated business summed per location by hand."""

import numpy as np

from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.simulate.experience import survey_answers
from pacer.teams.cx import nps_of, nps_standard_error
from pacer.teams.waste import experience_gaps

POOR = (3, 7)


def _rows(business) -> list[dict]:
    locations = len(business.location_codes)
    spend = np.bincount(business.spend_location, weights=business.spend_amount, minlength=locations)
    orders = np.bincount(business.order_contact, minlength=business.n_contacts)
    customers = np.flatnonzero(orders)
    where = business.contact_location[customers]
    revenue = np.bincount(
        business.contact_location[business.order_contact],
        weights=business.order_total,
        minlength=locations,
    )
    answers = survey_answers(business)
    rows = []
    for index, code in enumerate(business.location_codes):
        mine = customers[where == index]
        scores = answers.score[business.contact_location[answers.contact] == index]
        rows.append(
            {
                "name": code,
                "spend": float(spend[index]),
                "new_customers": len(mine),
                "revenue": float(revenue[index]),
                "repeat_rate": float((orders[mine] >= 2).mean()),
                "nps": nps_of(scores.tolist()),
                "nps_answers": len(scores),
                "nps_se": nps_standard_error(scores.tolist()),
            }
        )
    return rows


def test_the_analysis_finds_the_locations_with_poor_service():
    business = generate(SimConfig(contacts=8000, months=12, poor_service_locations=POOR))
    assert business.truth["poor_service_locations"] == ["LOC03", "LOC07"]
    gaps = experience_gaps(_rows(business))
    weak = {g["name"] for g in gaps if g["weak_experience"]}
    assert weak == {"LOC03", "LOC07"}
    for gap in gaps:
        if gap["name"] in weak:
            # both signals: fewer customers come back, and they say so
            assert gap["reasons"] == ["repeat rate well below the business's", "NPS below 0"]
            assert gap["revenue_at_stake"] > 0, gap
    flagged = {g["name"] for g in gaps if g["flagged"]}
    high = {g["name"] for g in gaps if g["high_spend"]}
    assert flagged == weak & high


def test_without_poor_service_no_location_is_weak():
    # the same business with every location serving well: none is weak (the 2-standard-
    # error margin keeps chance differences in repeat rate from flagging one)
    business = generate(SimConfig(contacts=8000, months=12))
    assert business.truth["poor_service_locations"] == []
    gaps = experience_gaps(_rows(business))
    assert [g["name"] for g in gaps if g["weak_experience"]] == []
    assert all(g["nps"] is None or g["nps"] > 0 for g in gaps)
