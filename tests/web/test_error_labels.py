"""An error box names each refused field by the label the user sees beside it, not by the
field's key (``target_exact``, ``steps[2].address``), and still links to the field
(``pacer.web.error_labels``)."""

from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory

from pacer.web.error_labels import ErrorLabelMiddleware
from tests.web.error_links import broken_error_links

FORM = Template(
    "{% load pacer_ui %}{% form_errors prefix=prefix rows=rows fields=fields target=target %}"
    '<form class="form">'
    '{% field "target_exact" "Target (exact)" required=True html_id="t-target_exact" %}'
    '{% field "variants" "Variants" type="textarea" html_id="t-variants" %}'
    '<input id="t-steps-2-address" name="steps-2-address" aria-label="Team inbox">'
    '<button type="submit" id="t-save" aria-label="Save the form">Save</button></form>'
)
ERRORS = {
    "target_exact": "must be a number",
    "variants[1].weight": "must be at least 0",
    "steps[2].address": "must be an email address",
    "contact_ids": "choose someone",
}


def _answered(errors, *, fields=None, target="", status=422, content_type="text/html"):
    """The form refused with ``errors``, as the middleware hands it to the browser."""
    html = FORM.render(
        Context(
            {"errors": errors, "prefix": "t-", "rows": "steps", "fields": fields, "target": target}
        )
    )
    response = HttpResponse(html, status=status, content_type=content_type)
    response["Content-Length"] = str(len(response.content))
    return ErrorLabelMiddleware(lambda request: response)(RequestFactory().post("/x/"))


def test_each_reason_is_named_by_its_fields_label_and_links_to_the_field():
    response = _answered(ERRORS, fields="target_exact,variants,steps", target="t-save")
    page = response.content.decode()
    assert '<a href="#t-target_exact">Target (exact): must be a number</a>' in page
    assert '<a href="#t-variants">Variants › #2 › weight: must be at least 0</a>' in page
    assert '<a href="#t-steps-2-address">Steps #3 › Team inbox: must be an email address</a>' in (
        page
    )
    # no field of its own on the page: the key in words, linking to the form's button
    assert '<a href="#t-save">Contact ids: choose someone</a>' in page
    assert "label-of" not in page and "target_exact:" not in page
    assert broken_error_links(page) == []
    assert response["Content-Length"] == str(len(response.content))
    # the part's reason under its field names the part in words too
    assert '<div class="field-error" id="t-variants-error"><p>#2 › weight: must be' in page


def test_a_field_without_a_label_on_the_page_keeps_its_key_in_words():
    page = _answered({"step2_reviewer": "choose a member"}).content.decode()
    assert '<a href="#t-step2_reviewer">Step2 reviewer: choose a member</a>' in page
    page = _answered({"ids": "must be notification ids"}, fields="").content.decode()
    assert "<li>Ids: must be notification ids</li>" in page


def test_labels_are_put_in_whatever_the_status_and_only_in_html():
    ok = _answered({"target_exact": "must be a number"}, status=200).content.decode()
    assert '<a href="#t-target_exact">Target (exact): must be a number</a>' in ok
    text = _answered({"target_exact": "x"}, content_type="text/plain").content.decode()
    assert "<!--label-of:t-target_exact-->Target exact<!--/label-of-->: x" in text


def test_a_label_is_escaped_where_it_is_put():
    template = Template(
        '{% load pacer_ui %}{% form_errors %}<label for="field-name">Name &lt;b&gt;</label>'
        '<input id="field-name" name="name">'
    )
    response = HttpResponse(template.render(Context({"errors": {"name": "too long"}})))
    page = ErrorLabelMiddleware(lambda request: response)(RequestFactory().get("/")).content
    assert b'<a href="#field-name">Name &lt;b&gt;: too long</a>' in page
