"""The public page a survey is answered on: a person who has answered is told so instead
of being shown the form again (a second answer is refused, nothing written), and each
score's radio button sits beside its number inside the form at phone and desktop widths
(they were stretched to the form's width, the numbers pushed past its right edge)."""

import pytest
from django.test import Client

from pacer.people.models import Contact
from pacer.teams import surveys
from pacer.teams.models import SurveyResponse
from tests.web.test_layout import _check, _context

ANSWERED = "You have already answered this survey"


@pytest.mark.django_db
def test_a_person_who_answered_is_told_so_and_cannot_answer_again(workspace):
    survey = surveys.create_survey(workspace, name="After your visit", kind="nps")
    contact = Contact.objects.create(workspace=workspace, email="p@x.test")
    address = f"/s/{surveys.answer_token(survey, contact.pk)}/"
    first = Client().get(address).content.decode()
    assert 'id="answer-form"' in first and ANSWERED not in first
    assert Client().post(address, {"score": "9"}).status_code == 200
    again = Client().get(address)
    page = again.content.decode()
    assert again.status_code == 200 and ANSWERED in page and 'id="answer-form"' not in page
    refused = Client().post(address, {"score": "2", "comment": "changed my mind"})
    assert refused.status_code == 422 and ANSWERED in refused.content.decode()
    assert list(SurveyResponse.objects.values_list("contact_id", "score", "comment")) == [
        (contact.pk, 9, "")
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_score_sits_beside_its_number_at_both_widths(browser, live_server, workspace):
    survey = surveys.create_survey(workspace, name="After your visit", kind="nps")
    contact = Contact.objects.create(workspace=workspace, email="p@x.test")
    address = f"{live_server.url}/s/{surveys.answer_token(survey, contact.pk)}/"
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, None, live_server.url)
        page.goto(address)
        found += _check(page, "teams-answer-scores", width, problems)
        places = page.eval_on_selector_all(
            "#field-score label.check",
            """labels => labels.map(label => {
                const radio = label.querySelector('input').getBoundingClientRect();
                const words = document.createRange();
                words.selectNodeContents(label);
                words.setStartAfter(label.querySelector('input'));
                const text = words.getBoundingClientRect();
                const box = label.closest('fieldset').getBoundingClientRect();
                return [label.innerText.trim(), Math.round(text.left - radio.right),
                        text.right <= box.right];
            })""",
        )
        assert [p[0] for p in places] == [str(n) for n in range(11)]
        for number, gap, inside in places:
            assert 0 <= gap <= 16 and inside, (width, number, gap, inside)
        context.close()
    assert found == [], "\n".join(found)
