"""Data tables: server-side paging, sorting, column choice and CSV export.

A view describes the columns once and hands the table its rows::

    table = Table(
        request,
        selectors.contacts(workspace),  # a QuerySet: keyset paging; a list: page numbers
        [
            Column("email", "Email", sortable=True),
            Column("revenue", "Revenue", format="money", sortable=True),
            Column("phone", "Phone", visible=False),  # offered in the column chooser
        ],
        default_sort="-id",
        csv_url=reverse("contacts-export"),
    )
    return render(request, "people/contacts.html", {"table": table})

and the template shows it with ``{% data_table table %}``. The export view builds the same
table from the same request and returns ``table.csv_response("contacts.csv")``: the rows
in the order shown, every row (not one page), the columns shown.

The reader's choices live in the URL (``sort``, ``cols``, ``per_page``, and ``after`` /
``before`` for a QuerySet or ``page`` for a list), each behind ``prefix`` when a page holds
two tables; anything unknown or out of range falls back to the default. A QuerySet is
paged by keyset (the sort value and the primary key of the last row shown), so the
hundredth page costs what the first does; its count stops at ``count_cap`` (by default
``COUNT_CAP``; a search over a big table passes a smaller one: "more than 1,000").
"""

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import QueryDict, StreamingHttpResponse

from pacer.core.csv_export import export_csv
from pacer.web.address import link_base
from pacer.web.formats import NUMERIC_KINDS, format_value, raw_value

PER_PAGE_CHOICES = (10, 25, 50, 100)
MAX_PER_PAGE = 100
COUNT_CAP = 10_000
PROSE_CHARS = 32
LINE_CHARS = 20  # a list cell ("field: old → new" a line) with a longer line reads as prose
MAX_MIN_WIDTH = 40  # rem: a least width wider than this is a layout, not a column
CURSOR_PARAMS = ("after", "before", "page")


@dataclass(frozen=True)
class Column:
    """One column.

    ``key`` names a field, an annotation or a ``related__field`` path of a QuerySet's
    model (a dict key or attribute for a list); ``format`` is a kind of
    ``pacer.web.formats``; ``visible`` says whether it is shown until the reader chooses
    columns; ``labels`` turns stored values into names (choices, channels); ``text``
    shows a row in its own words instead (given the row); ``href`` makes the cell a
    link, given the row; ``hint`` explains a cell on hover and focus (given the row; None
    for no hint); ``countdown`` gives the seconds left to a deadline as the server counts
    them (negative once past; None for no countdown), and ``web/ui.js`` counts the cell
    down every second from there (the server's text stays without JavaScript). ``lines``
    gives a row's list, a line per item (given the row), folded behind the cell's text
    as its one-line summary (a row stays a line tall; the text stays for the CSV), and
    ``detail`` adds a disclosure (labelled ``detail_label``) holding the row's raw
    text, preformatted (None for none). The CSV holds the stored value either way.
    ``form`` makes the cell a form: given the row, the context (``form`` in it) of
    ``form_template``, a template of the page's own that draws it (a POST form works
    without JavaScript; the table passes the page's CSRF token); None for no form in
    that row. A form column is left out of the CSV.

    Widths: a column is as wide as the browser finds room for, so a name beside many
    numbers (which never wrap) is squeezed to a word a line. ``nowrap`` keeps each of
    its cells on one line (a code, a short name); ``min_width`` (in rem, up to
    ``MAX_MIN_WIDTH``) gives it a least width, past which a long name still wraps. The
    table scrolls sideways in its box when the page is too narrow for both.
    """

    key: str
    label: str
    format: str = "text"
    sortable: bool = False
    visible: bool = True
    labels: Mapping[Any, str] | None = None
    text: Callable[[Any], str] | None = None
    href: Callable[[Any], str | None] | None = None
    hint: Callable[[Any], str | None] | None = None
    countdown: Callable[[Any], float | None] | None = None
    lines: Callable[[Any], list[str]] | None = None
    detail: Callable[[Any], str | None] | None = None
    detail_label: str = "Raw"
    nowrap: bool = False
    min_width: float | None = None
    form: Callable[[Any], Mapping | None] | None = None
    form_template: str = ""

    def __post_init__(self):
        if self.form is not None and not self.form_template:
            raise ValueError(f"form_template: column {self.key!r} has a form but no template")
        width = self.min_width
        number = isinstance(width, int | float) and not isinstance(width, bool)
        if width is not None and not (number and 0 < width <= MAX_MIN_WIDTH):
            raise ValueError(f"min_width: {width!r} is not a width in rem (0 to {MAX_MIN_WIDTH})")

    @property
    def header_style(self) -> str:
        """The header cell's inline style: its least width, or nothing."""
        return f"min-width: {self.min_width:g}rem" if self.min_width else ""

    @property
    def numeric(self) -> bool:
        return self.format in NUMERIC_KINDS

    @property
    def first_direction(self) -> str:
        """Numbers and dates sort largest first on the first click, text A to Z."""
        return "-" if self.numeric or self.format in ("date", "datetime") else ""


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None
    numeric: bool
    hint: str | None = None
    countdown: float | None = None  # seconds left to a deadline when served
    lines: tuple[str, ...] = ()
    detail: str | None = None
    detail_label: str = "Raw"
    nowrap: bool = False  # a date or a time, or a column kept on one line
    form: Mapping | None = None  # the context of ``form_template``: a form in the cell
    form_template: str = ""

    @property
    def css(self) -> str:
        """The cell's class: ``num`` (right-aligned), ``nowrap`` (a time, or a column kept
        on one line) or ``prose``."""
        if self.numeric:
            return "num"
        if self.nowrap:
            return "nowrap"
        return "prose" if self.prose else ""

    @property
    def prose(self) -> bool:
        """A sentence rather than a word or a name, or a list of lines longer than a
        name: its column keeps a readable width (the table scrolls inside its box instead
        of squeezing it to a word a line)."""
        if self.numeric:
            return False
        if self.lines:
            return any(len(line) > LINE_CHARS and " " in line for line in self.lines)
        return len(self.text) > PROSE_CHARS and " " in self.text


@dataclass(frozen=True)
class Header:
    column: Column
    sort_url: str | None
    direction: str | None  # "ascending", "descending" or None (aria-sort)


def value_of(row, key: str):
    """``row[key]`` for a dict, else the attribute path ``key`` (``location__name``)."""
    if isinstance(row, Mapping):
        return row.get(key)
    for part in key.split("__"):
        row = getattr(row, part, None)
        if row is None:
            return None
    return row


def _encode(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        ((kind, text),) = value.items()
        if not isinstance(text, str):
            raise ValueError("cursor value")
        if kind == "dt":
            return datetime.fromisoformat(text)
        if kind == "d":
            return date.fromisoformat(text)
        if kind == "dec":
            return Decimal(text)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("cursor value")


def make_cursor(value, pk, offset: int) -> str:
    """A page boundary for the URL: the sort value and primary key of a row, and where
    the page it leads to starts (for "rows 51–75")."""
    data = json.dumps([_encode(value), pk, offset], separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def read_cursor(token: str) -> tuple[Any, Any, int] | None:
    """``make_cursor``'s parts, or None for anything else (the first page is shown)."""
    if not token or len(token) > 1000:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        value, pk, offset = data
        if not isinstance(pk, int | str) or not isinstance(offset, int) or offset < 0:
            return None
        return _decode(value), pk, offset
    except (ValueError, TypeError, binascii.Error, InvalidOperation, UnicodeDecodeError):
        return None


def _after(key: str | None, value, pk, descending: bool) -> Q:
    """Rows after ``(value, pk)`` in the order ``key`` ascending with empty values first
    (descending: empty last), then primary key in the same direction."""
    past_pk = Q(pk__lt=pk) if descending else Q(pk__gt=pk)
    if key is None:
        return past_pk
    empty, filled = Q(**{f"{key}__isnull": True}), Q(**{f"{key}__isnull": False})
    if value is None:
        return empty & past_pk if descending else (empty & past_pk) | filled
    beyond = Q(**{f"{key}__lt" if descending else f"{key}__gt": value})
    if descending:
        beyond |= empty
    return beyond | (Q(**{key: value}) & past_pk)


class Table:
    """A page of rows as the request asks for it; see the module docstring."""

    def __init__(
        self,
        request,
        rows: QuerySet | list,
        columns: list[Column],
        *,
        default_sort: str,
        per_page: int = 25,
        prefix: str = "",
        csv_url: str | None = None,
        caption: str = "",
        empty_title: str = "Nothing here yet.",
        empty_hint: str = "",
        currency: str | None = None,
        html_id: str = "",
        footer: Mapping | None = None,
        count_cap: int | None = None,
    ):
        if not columns:
            raise ValueError("columns: a table needs at least one column")
        self.request, self.source, self.all_columns = request, rows, list(columns)
        self.prefix, self.csv_url, self.caption = prefix, csv_url, caption
        self.empty_title, self.empty_hint = empty_title, empty_hint
        self.footer = footer  # a row under every page (totals), by column key
        self.html_id = html_id or f"{prefix}table".strip("-")
        workspace = getattr(request, "workspace", None)
        self.currency = currency or getattr(workspace, "currency", None) or "USD"
        self.params: QueryDict = request.GET
        self.base = link_base(request)  # the page's path when it is shown from elsewhere
        self.sort_key, self.descending = self._sort(default_sort)
        self.columns = self._visible()
        self.per_page = self._per_page(per_page)
        self._count_cap = COUNT_CAP if count_cap is None else count_cap  # read at the call

    # -- what the URL asks for ------------------------------------------------------------
    def param(self, name: str) -> str:
        return self.prefix + name

    def _sort(self, default: str) -> tuple[str, bool]:
        sortable = {c.key for c in self.all_columns if c.sortable}
        wanted = self.params.get(self.param("sort"), "")
        key = wanted.removeprefix("-")
        if key not in sortable:
            wanted = default
        return wanted.removeprefix("-"), wanted.startswith("-")

    def _visible(self) -> list[Column]:
        asked = {
            key.strip()
            for value in self.params.getlist(self.param("cols"))
            for key in value.split(",")
        }
        chosen = [c for c in self.all_columns if c.key in asked]
        return chosen or [c for c in self.all_columns if c.visible] or self.all_columns[:1]

    def _per_page(self, default: int) -> int:
        text = self.params.get(self.param("per_page"), "")
        number = int(text) if text.isdecimal() and len(text) < 4 else default
        return number if 1 <= number <= MAX_PER_PAGE else default

    # -- URLs that change one thing and keep the rest -------------------------------------
    def url(self, **changes) -> str:
        """This page's URL with ``changes`` (None drops a parameter), at the first page
        unless ``changes`` names one (``after``, ``before`` or ``page``); on the page's own
        path when it is shown from another address (``pacer.web.address``)."""
        query = self.params.copy()
        for name in CURSOR_PARAMS:
            query.pop(self.param(name), None)
        for name, value in changes.items():
            query.pop(self.param(name), None)
            if value is not None:
                query[self.param(name)] = str(value)
        encoded = query.urlencode()
        return f"{self.base}?{encoded}" if encoded else f"{self.base}?"

    @property
    def names(self) -> dict[str, str]:
        """The table's parameter names (behind its prefix), for its forms."""
        return {name: self.param(name) for name in ("sort", "cols", "per_page")}

    @property
    def count_cap(self) -> int:
        return self._count_cap

    @property
    def sort_param(self) -> str:
        return ("-" if self.descending else "") + self.sort_key

    @property
    def options_hidden(self) -> list[tuple[str, str]]:
        """Every parameter the column chooser must carry along unchanged."""
        own = {self.param(n) for n in ("cols", "per_page", *CURSOR_PARAMS)}
        return [(k, v) for k in self.params if k not in own for v in self.params.getlist(k)]

    @property
    def headers(self) -> list[Header]:
        headers = []
        for column in self.columns:
            direction, url = None, None
            if column.key == self.sort_key:
                direction = "descending" if self.descending else "ascending"
            if column.sortable:
                if direction == "ascending":
                    url = self.url(sort=f"-{column.key}")
                elif direction == "descending":
                    url = self.url(sort=column.key)
                else:
                    url = self.url(sort=column.first_direction + column.key)
            headers.append(Header(column, url, direction))
        return headers

    @property
    def column_choices(self) -> list[tuple[Column, bool]]:
        shown = {c.key for c in self.columns}
        return [(c, c.key in shown) for c in self.all_columns]

    @property
    def per_page_choices(self) -> tuple[int, ...]:
        return tuple(sorted({*PER_PAGE_CHOICES, self.per_page}))

    @property
    def csv_href(self) -> str | None:
        if not self.csv_url:
            return None
        query = self.params.copy()
        for name in (*CURSOR_PARAMS, "per_page"):
            query.pop(self.param(name), None)
        query[self.param("cols")] = ",".join(c.key for c in self.columns)
        return f"{self.csv_url}?{query.urlencode()}"

    # -- the rows -------------------------------------------------------------------------
    @property
    def is_queryset(self) -> bool:
        return isinstance(self.source, QuerySet)

    def _pk_name(self) -> str:
        return self.source.model._meta.pk.name

    def _sort_field(self) -> str | None:
        """The ordering field of a QuerySet (None when it is the primary key)."""
        return None if self.sort_key in ("pk", self._pk_name()) else self.sort_key

    def _ordered(self, reverse: bool = False) -> QuerySet:
        descending = self.descending != reverse
        field = self._sort_field()
        by_pk = "-pk" if descending else "pk"
        if field is None:
            return self.source.order_by(by_pk)
        order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_first=True)
        return self.source.order_by(order, by_pk)

    def _fields(self, columns: Iterable[Column]) -> list[str]:
        keys = ["pk", *(c.key for c in columns)]
        if self.sort_key not in keys:
            keys.append(self.sort_key)
        return list(dict.fromkeys(keys))

    @cached_property
    def _page(self) -> dict:
        if self.is_queryset:
            return self._keyset_page()
        return self._offset_page()

    def _keyset_page(self) -> dict:
        fields = self._fields(self.all_columns)
        after = read_cursor(self.params.get(self.param("after"), ""))
        before = None if after else read_cursor(self.params.get(self.param("before"), ""))
        field = self._sort_field()
        if before:
            value, pk, offset = before
            query = self._ordered(reverse=True).filter(
                _after(field, value, pk, not self.descending)
            )
            rows = list(query.values(*fields)[: self.per_page + 1])
            if len(rows) > self.per_page:
                rows = rows[: self.per_page][::-1]
                return {"rows": rows, "start": max(offset, 1), "prev": True, "next": True}
            after = None  # back at the beginning: show the first page as it is now
        if after:
            value, pk, offset = after
            query = self._ordered().filter(_after(field, value, pk, self.descending))
            start, has_prev = offset, True
        else:
            query, start, has_prev = self._ordered(), 0, False
        rows = list(query.values(*fields)[: self.per_page + 1])
        return {
            "rows": rows[: self.per_page],
            "start": start,
            "prev": has_prev,
            "next": len(rows) > self.per_page,
        }

    def _sorted_list(self) -> list:
        def order(row):
            value = value_of(row, self.sort_key)
            return (value is not None, value if value is not None else 0)

        return sorted(self.source, key=order, reverse=self.descending)

    def _offset_page(self) -> dict:
        rows = self._sorted_list()
        pages = max(1, -(-len(rows) // self.per_page))
        text = self.params.get(self.param("page"), "")
        number = min(int(text), pages) if text.isdecimal() and len(text) < 9 else 1
        number = max(number, 1)
        start = (number - 1) * self.per_page
        return {
            "rows": rows[start : start + self.per_page],
            "start": start,
            "prev": number > 1,
            "next": number < pages,
            "page": number,
            "pages": pages,
        }

    @cached_property
    def total(self) -> int:
        """How many rows there are (for a QuerySet, at most ``count_cap + 1``)."""
        if self.is_queryset:
            return self.source.order_by()[: self.count_cap + 1].count()
        return len(self.source)

    @property
    def total_capped(self) -> bool:
        return self.is_queryset and self.total > self.count_cap

    @property
    def first_row(self) -> int:
        return self._page["start"] + 1 if self._page["rows"] else 0

    @property
    def last_row(self) -> int:
        return self._page["start"] + len(self._page["rows"])

    @property
    def page_number(self) -> int | None:
        return self._page.get("page")

    @property
    def page_count(self) -> int | None:
        return self._page.get("pages")

    @property
    def has_prev(self) -> bool:
        return self._page["prev"]

    @property
    def has_next(self) -> bool:
        return self._page["next"]

    @property
    def first_url(self) -> str:
        return self.url(after=None, before=None, page=None)

    @property
    def prev_url(self) -> str | None:
        if not self.has_prev:
            return None
        if not self.is_queryset:
            return self.url(page=self._page["page"] - 1)
        first = self._page["rows"][0] if self._page["rows"] else None
        if first is None:
            return self.first_url
        offset = max(self._page["start"] - self.per_page, 0)
        return self.url(before=make_cursor(first[self.sort_key], first["pk"], offset))

    @property
    def next_url(self) -> str | None:
        if not self.has_next:
            return None
        if not self.is_queryset:
            return self.url(page=self._page["page"] + 1)
        last = self._page["rows"][-1]
        offset = self._page["start"] + self.per_page
        return self.url(after=make_cursor(last[self.sort_key], last["pk"], offset))

    def cell(self, row, column: Column) -> Cell:
        value = value_of(row, column.key)
        if column.labels is not None and value in column.labels:
            value = column.labels[value]
        if column.text is not None:
            text = column.text(row)
        else:
            text = format_value(value, column.format, currency=self.currency)
        href = column.href(row) if column.href else None
        return Cell(
            text,
            href,
            column.numeric,
            column.hint(row) if column.hint else None,
            column.countdown(row) if column.countdown else None,
            tuple(column.lines(row)) if column.lines else (),
            column.detail(row) if column.detail else None,
            column.detail_label,
            column.nowrap or (column.format in ("date", "datetime") and column.text is None),
            column.form(row) if column.form else None,
            column.form_template,
        )

    @property
    def rows(self) -> list[list[Cell]]:
        return [[self.cell(row, c) for c in self.columns] for row in self._page["rows"]]

    @property
    def footer_cells(self) -> list[Cell]:
        """The footer row's cells in the columns shown (none without a footer)."""
        return [self.cell(self.footer, c) for c in self.columns] if self.footer else []

    # -- CSV ------------------------------------------------------------------------------
    def _csv_columns(self) -> list[Column]:
        """The columns shown, less forms."""
        return [c for c in self.columns if c.form is None]

    def csv_rows(self) -> Iterator[list]:
        """Every row in the order shown, the columns shown (less forms), values as
        stored."""
        keys = [c.key for c in self._csv_columns()]
        if self.is_queryset:
            yield from self._ordered().values_list(*keys).iterator(chunk_size=2000)
            return
        for row in self._sorted_list():
            yield [raw_value(value_of(row, key)) for key in keys]

    def csv_response(self, filename: str) -> StreamingHttpResponse:
        header = [c.key for c in self._csv_columns()]
        body = export_csv(header, ([raw_value(v) for v in row] for row in self.csv_rows()))
        response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
