"""The components every page is built from (``{% load pacer_ui %}``).

Each tag renders a template under ``web/components/``; the style guide (``/styleguide/``)
shows every one with its parameters. Tags with a body (``page_header``, ``empty_state``,
``modal``) close with ``{% end<name> %}`` and place the body where the component
wants it (actions, the next step, the dialog's content).
"""

from django import template
from django.template.base import token_kwargs
from django.utils.html import escape
from django.utils.safestring import mark_safe

from pacer.web import formats
from pacer.web.error_labels import marked, part_words, words
from pacer.web.forms import ROW_FIELD, errors_for_field, row_field_target

register = template.Library()


def workspace_currency(context) -> str:
    request = context.get("request")
    workspace = getattr(request, "workspace", None)
    return getattr(workspace, "currency", None) or "USD"


# -- components with a body ----------------------------------------------------------------
class BodyComponent(template.Node):
    """Renders ``template_name`` with its parameters and ``body`` (the tag's content)."""

    def __init__(self, template_name, params, args, kwargs, nodelist):
        self.template_name, self.params = template_name, params
        self.args, self.kwargs, self.nodelist = args, kwargs, nodelist

    def render(self, context):
        values = dict.fromkeys(self.params)
        values.update(zip(self.params, (a.resolve(context) for a in self.args), strict=False))
        values.update({k: v.resolve(context) for k, v in self.kwargs.items()})
        values["body"] = mark_safe(self.nodelist.render(context).strip())
        component = context.template.engine.get_template(self.template_name)
        with context.push(**values):
            return component.render(context)


def body_component(name: str, params: tuple[str, ...]):
    """Register ``{% name ... %}body{% endname %}`` rendering ``web/components/name.html``."""

    def compile_tag(parser, token):
        bits = token.split_contents()[1:]
        args = []
        while bits and "=" not in bits[0]:
            args.append(parser.compile_filter(bits.pop(0)))
        kwargs = token_kwargs(bits, parser)
        if bits:
            raise template.TemplateSyntaxError(f"{name}: cannot read {' '.join(bits)}")
        unknown = set(kwargs) - set(params)
        if unknown or len(args) > len(params):
            raise template.TemplateSyntaxError(f"{name}: takes {', '.join(params)}")
        nodelist = parser.parse((f"end{name}",))
        parser.delete_first_token()
        return BodyComponent(f"web/components/{name}.html", params, args, kwargs, nodelist)

    register.tag(name, compile_tag)


body_component("page_header", ("title", "subtitle", "html_id"))
body_component("empty_state", ("title", "html_id"))
body_component("modal", ("html_id", "title"))


# -- components without a body -------------------------------------------------------------
@register.inclusion_tag("web/components/kpi_card.html", takes_context=True)
def kpi_card(
    context,
    label,
    value,
    kind="count",
    definition="",
    delta=None,
    delta_good="up",
    html_id="",
    blank="",
    places=None,
):
    """A KPI: its value formatted as ``kind`` (money in the workspace currency; ``places``:
    the decimals of a percent or decimal, when not their default), its
    definition on hover and focus (and read out with the value), and an optional
    ``delta`` (a fraction, the change against the previous period; ``delta_good``
    says which way is good: "up", "down", or "" for neither). ``blank`` says, under
    the dash, why there is no value (no spend, nobody to count) when it is None."""
    slug = html_id or "kpi-" + "".join(ch if ch.isalnum() else "-" for ch in label.lower())
    trend = None
    number = formats.as_number(delta)
    if number is not None:
        direction = "up" if number > 0 else "down" if number < 0 else "flat"
        judged = direction != "flat" and delta_good in ("up", "down")
        good = direction == delta_good if judged else None
        trend = {
            "direction": direction,
            "text": f"{'+' if number > 0 else ''}{formats.percent(number)}",
            "tone": "neutral" if good is None else "good" if good else "bad",
        }
    return {
        "id": slug,
        "label": label,
        "raw": value,
        "text": formats.format_value(
            value, kind, currency=workspace_currency(context), places=places
        ),
        "definition": definition,
        "trend": trend,
        "blank": blank if value is None else "",
    }


@register.inclusion_tag("web/components/data_table.html", takes_context=True)
def data_table(context, table):
    """A ``pacer.web.tables.Table``: its toolbar (count, columns, rows per page, CSV),
    sortable headers, formatted cells and pages; the page's CSRF token for a form in a
    cell (``Column(form=...)``)."""
    return {"table": table, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("web/components/filter_bar.html", takes_context=True)
def filter_bar(context, bar, target=""):
    """A ``pacer.web.filters.FilterBar``. With ``target`` (a CSS id selector such as
    ``"#report"``, an element that holds the bar and what it filters) the bar replaces
    that part of the page through HTMX and pushes the new URL; without, or without
    JavaScript, it is a plain GET form."""
    # the bar's links are "?query" on the page's path, or the whole address when the
    # page is shown from elsewhere (pacer.web.address); HTMX asks the whole address
    return {"bar": bar, "target": target, "action": bar.action, "link_prefix": bar.hx_prefix}


@register.inclusion_tag("web/components/field.html", takes_context=True)
def field(
    context,
    name,
    label,
    value="",
    type="text",
    required=False,
    help="",
    options=None,
    rows=4,
    placeholder="",
    autocomplete="",
    maxlength=None,
    errors=None,
    html_id="",
):
    """A labelled form field with its help text and, from ``errors`` (the context's
    ``errors`` by default, a ``ValidationFailed`` map), its refusals underneath.

    ``type``: any ``<input>`` type, ``"select"`` (``options``: ``(value, label)`` pairs)
    or ``"textarea"`` (``rows``)."""
    reasons = errors_for_field(errors if errors is not None else context.get("errors"), name)
    return {
        "id": html_id or f"field-{name}",
        "name": name,
        "label": label,
        "value": "" if value is None else value,
        "type": type,
        "required": required,
        "help": help,
        "options": [(str(v), str(text)) for v, text in options or ()],
        "rows": rows,
        "placeholder": placeholder,
        "autocomplete": autocomplete,
        "maxlength": maxlength,
        "errors": reasons,
    }


@register.inclusion_tag("web/components/form_errors.html", takes_context=True)
def form_errors(
    context,
    errors=None,
    title="Please correct the following",
    prefix="field-",
    fields=None,
    target="",
    rows="",
):
    """Every refusal of a form at its top, each linking to its field (``PREFIX`` + the
    field's name: the ``html_id`` its ``{% field %}`` was given). ``fields`` (names
    separated by commas) says which names have a field on the page when not all do (a
    button's form: ``fields=""``); the others link to ``target`` (the id of a focusable
    element), or to nothing. ``rows`` (names separated by commas) names the form's
    repeated rows whose fields have ids of their own (``pacer.web.forms.row_field_id``:
    ``esc-steps-2-address``): a refusal of one row's field (``steps[2].address``) links
    to that field; one of the rows as a whole (``steps``, ``steps[2]``) to the name's
    own id. Every link lands on something focusable: the refused pages are checked by
    ``tests/web/test_refused_pages.py``."""
    found = errors if errors is not None else context.get("errors")
    shown = None if fields is None else {name.strip() for name in fields.split(",")}
    repeated = {name.strip() for name in rows.split(",") if name.strip()}
    items = []
    for path, reason in (found or {}).items():
        base = path.split(".")[0].split("[")[0].split(" ")[0]
        on_page = shown is None or base in shown
        row = row_field_target(path, prefix, repeated) if on_page else None
        own = row or (f"{prefix}{base}" if on_page else None)
        items.append({"name": _refused_name(path, base, own, row), "reason": reason})
        items[-1]["target"] = own or target
    return {"items": items, "title": title}


@register.filter
def refused_name(name: str, prefix: str) -> str:
    """A refused field's name in an error box of its own making (the filter bar's): the
    key in words, marked for the label of the field ``PREFIX`` + ``name``
    (``pacer.web.error_labels``)."""
    return mark_safe(marked(f"{prefix}{name}", escape(words(name))))


def _refused_name(path: str, base: str, own: str | None, row: str | None) -> str:
    """How the error box names what ``path`` refused: the key in plain words, the part
    that is the field's own (``own``, its id) marked for its label
    (``pacer.web.error_labels``)."""
    if row:
        match = ROW_FIELD.match(path)
        field = marked(row, escape(words(match[3])))
        return mark_safe(f"{escape(words(match[1]))} #{int(match[2]) + 1} › {field}")
    name = escape(words(base))
    rest = part_words(path[len(base) :])
    return mark_safe((marked(own, name) if own else name) + (f" › {escape(rest)}" if rest else ""))


@register.inclusion_tag("web/components/toasts.html", takes_context=True)
def toasts(context):
    """Django's messages as toasts (errors stay until dismissed; others fade)."""
    return {"messages": context.get("messages") or ()}


@register.inclusion_tag("web/components/chart.html")
def chart(config, html_id, caption, height=280, config_id=""):
    """A chart from a ``pacer.web.charts.chart`` config, with its caption (also the
    canvas's accessible name); the config travels as JSON under ``config_id``
    (``HTML_ID-config`` by default)."""
    return {
        "config": config,
        "id": html_id,
        "config_id": config_id or f"{html_id}-config",
        "caption": caption,
        "height": height,
    }


@register.simple_tag(takes_context=True)
def fmt(context, value, kind="text", places=None):
    """``value`` formatted as ``kind`` (``pacer.web.formats``; money in the workspace
    currency)."""
    return formats.format_value(value, kind, currency=workspace_currency(context), places=places)
