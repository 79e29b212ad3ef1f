"""CSS inlined once per template: for a recipient, the message is byte for byte what
inlining the personalised HTML per recipient gives, whatever their fields hold; a
template whose personalisation could change what the CSS matches is inlined per
recipient."""

import css_inline
import pytest
from django.template import Context
from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.messaging.render import ENGINE, compile_parts, recipient_context, render

STYLE = (
    "<style>p { color: #333; margin: 0 } .hi { font-weight: bold } "
    "td.cell { padding: 4px } a { color: #06c } h1 + p { font-size: 18px }</style>"
)
INLINED_AHEAD = {
    "text and links": (
        f"<html><head>{STYLE}</head><body><h1>Hello {{{{ contact.first_name }}}},</h1>"
        '<p class="hi">Offers for {{ contact.first_name|default:"you" }} '
        "{{ contact.last_name|upper }} &amp; family.</p>"
        '<p><a href="{{ unsubscribe_url }}" title="{{ contact.email }}">Unsubscribe</a></p>'
        "</body></html>"
    ),
    "table cells and line breaks": (
        f'{STYLE}<table><tr><td class="cell">{{{{ contact.first_name|title }}}}\n</td>'
        '<td class="cell"><span>{{ contact.phone }}</span></td></tr></table>'
        "<div><p>{{ contact.lifecycle_stage|truncatechars:12 }}</p>"
        '<img src="{{ preferences_url }}" alt="{{ contact.last_name }}"></div>'
    ),
}
PER_RECIPIENT = {
    "a tag": (
        f"{STYLE}<p>{{% if contact.first_name %}}<b>{{{{ contact.first_name }}}}</b>"
        "{% endif %}</p>"
    ),
    "a class": f'{STYLE}<p class="{{{{ contact.lifecycle_stage }}}}">Hi</p>',
    "a style": '<p style="color: {{ contact.first_name }}">Hi</p>',
    "markup let through": f"{STYLE}<p>{{{{ contact.first_name|safe }}}}</p>",
    "markup in a literal": f'{STYLE}<p>{{{{ contact.first_name|default:"<b>you</b>" }}}}</p>',
    "a table's structure": f"{STYLE}<table>{{{{ contact.first_name }}}}<tr><td>x</td></tr></table>",
    "the body itself": f"<html><head>{STYLE}</head><body>{{{{ contact.first_name }}}}</body>",
    "an :empty rule": "<style>p:empty { display: none }</style><p>{{ contact.first_name }}</p>",
    "an attribute selector": (
        '<style>a[href^="https"] { color: red }</style><a href="{{ unsubscribe_url }}">x</a>'
    ),
    "a value after an ampersand": f"{STYLE}<p>AT&{{{{ contact.first_name }}}}</p>",
    "a comment": f"{STYLE}<p>{{# note #}}{{{{ contact.first_name }}}}</p>",
    "inside the CSS": "<style>p { color: {{ contact.first_name }} }</style><p>x</p>",
}
# what fields may hold: markup, quotes, entities, no-break spaces, line breaks, NUL
FIELD = st.lists(
    st.sampled_from([*"aZ é<>&\"';#\xa0\r\n\x00{}%\u2028", "&amp;", "&lt;", "&#x27;"]),
    max_size=12,
).map("".join)


def per_recipient(html: str, context: dict) -> str:
    """The HTML as inlining it for each recipient gives it."""
    return css_inline.inline(ENGINE.from_string(html).render(Context(context)))


def context_of(first, last, email, url) -> dict:
    fields = {"first_name": first, "last_name": last, "email": email, "phone": last}
    fields["lifecycle_stage"] = first
    links = {"unsubscribe_url": url, "preferences_url": url}
    return recipient_context(fields, links)


@pytest.mark.parametrize("name", INLINED_AHEAD)
@settings(max_examples=150, deadline=None)
@given(first=FIELD, last=FIELD, email=FIELD, url=FIELD)
def test_inlined_once_it_is_byte_identical_to_inlining_per_recipient(name, first, last, email, url):
    html = INLINED_AHEAD[name]
    compiled = compile_parts("s", html, "t")
    assert compiled["inlined"]
    context = context_of(first, last, email, url)
    assert render(compiled, context)[1] == per_recipient(html, context)


def test_the_personalised_text_is_styled_once_inlined():
    compiled = compile_parts("s", INLINED_AHEAD["text and links"], "t")
    html = render(compiled, context_of("Ann <b>", "Lee", "a@x.test", "https://x.test/u?a&b"))[1]
    assert html == (
        "<html><head></head><body><h1>Hello Ann &lt;b&gt;,</h1>"
        '<p class="hi" style="color: #333;margin: 0;font-size: 18px;font-weight: bold;">'
        "Offers for Ann &lt;b&gt; LEE &amp; family.</p>"
        '<p style="color: #333;margin: 0;"><a href="https://x.test/u?a&amp;b" '
        'title="a@x.test" style="color: #06c;">Unsubscribe</a></p></body></html>'
    )


@pytest.mark.parametrize("name", PER_RECIPIENT)
def test_a_template_personalisation_could_restyle_is_inlined_per_recipient(name):
    html = PER_RECIPIENT[name]
    compiled = compile_parts("s", html, "t")
    assert not compiled["inlined"]
    for first in ("", "Ann", "<b>x</b>", "customer"):
        context = context_of(first, "Lee", "a@x.test", "https://x.test/u")
        assert render(compiled, context)[1] == per_recipient(html, context)
