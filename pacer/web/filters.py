"""Filter bars whose state is the URL.

A view declares its filters and reads them from the request::

    bar = FilterBar(request, [
        DateRange(data_end=last_day_with_data, default="all"),
        Choice("channel", "Channel", CHANNELS.items(), blank="All channels"),
        Text("q", "Search", placeholder="Email or name"),
    ])
    bar.values   # {"start": date | None, "end": date | None, "channel": "", "q": ""}
    bar.errors   # {"channel": "'tv2' is not one of the choices; all are shown"}

and the template shows it with ``{% filter_bar bar %}``. The controls always show what
the URL says; a value that cannot be used is reported next to its control and not
applied (the filter falls back to its default), never silently replaced.

Date ranges take a preset (``range=last_30``, counted back from the day the data ends,
which the caller passes, else today) or explicit ``start`` / ``end`` dates. A form
submitted with a preset and dates different from the preset's (the reader edited them)
means those dates.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.http import QueryDict

from pacer.web.address import link_base, page_address

# Parameters of paged tables: a new filter starts again at the first page, and keeps the
# table's sort, columns and rows per page.
PAGE_PARAMS = ("after", "before", "page")
TABLE_PARAMS = ("sort", "cols", "per_page")

PRESETS = {
    "last_7": "Last 7 days",
    "last_30": "Last 30 days",
    "last_90": "Last 90 days",
    "last_365": "Last 12 months",
    "mtd": "Month to date",
    "last_month": "Last month",
    "qtd": "Quarter to date",
    "ytd": "Year to date",
    "all": "All data",
}
DEFAULT_PRESETS = ("last_7", "last_30", "last_90", "mtd", "last_month", "qtd", "ytd", "all")


def preset_range(preset: str, end: date) -> tuple[date | None, date | None]:
    """The first and last day of ``preset`` for data ending on ``end``
    (``(None, None)`` for all data).

    >>> preset_range("last_month", date(2026, 3, 15))
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    """
    if preset == "all":
        return None, None
    if preset.startswith("last_") and preset[5:].isdecimal():
        return end - timedelta(days=int(preset[5:]) - 1), end
    if preset == "mtd":
        return end.replace(day=1), end
    if preset == "last_month":
        last = end.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset == "qtd":
        return date(end.year, (end.month - 1) // 3 * 3 + 1, 1), end
    if preset == "ytd":
        return date(end.year, 1, 1), end
    raise ValueError(f"range: '{preset}' is not a preset")


@dataclass
class Control:
    """One control as the template draws it: what the URL says and what was wrong."""

    name: str
    label: str
    raw: str = ""
    error: str = ""

    @property
    def html_id(self) -> str:
        return f"filter-{self.name}"


class Filter:
    """A filter reads its parameters and says what it applies (``parse``)."""

    template = ""
    names: tuple[str, ...] = ()

    def parse(self, params: QueryDict, bar: "FilterBar") -> None:
        raise NotImplementedError


@dataclass
class Choice(Filter):
    """One of ``options`` (``(value, label)`` pairs); ``blank`` names the empty choice
    ("All channels") and makes it the default.

    A value that is none of them is refused with what is shown instead (``fallback_text``):
    the blank choice in lower case, as words of the sentence ("all channels shown"), an
    option by its label quoted as the control shows it ("'Identified' shown"): a label may
    be a name ("North", "TV"), whose capitals must stay, and a capital mid-sentence reads
    as a mistake unless it is quoted. A blank of one word ("Any") names nothing shown: the
    refusal says only that the value is not a choice."""

    name: str
    label: str
    options: Iterable[tuple[str, str]]
    blank: str | None = None
    default: str = ""
    auto_submit: bool = True
    template = "web/components/filters/choice.html"

    def __post_init__(self):
        self.options = [(str(v), str(label)) for v, label in self.options]
        self.names = (self.name,)

    def parse(self, params, bar):
        raw = params.get(self.name, "")
        self.control = Control(self.name, self.label, raw)
        labels = dict(self.options)
        fallback = self.default
        if not fallback and self.blank is None and self.options:
            fallback = self.options[0][0]
        value = raw or fallback
        if raw and raw not in labels:
            shown = self.fallback_text(labels.get(fallback))
            reason = f"'{raw[:40]}' is not one of the choices"
            bar.refuse(self.control, f"{reason}; {shown} shown" if shown else reason)
            value = fallback
        self.selected = value
        bar.values[self.name] = value

    def fallback_text(self, label: str | None) -> str:
        """What a refusal says is shown instead: the option's label quoted, else the blank
        choice's words in lower case; nothing for a blank of one word ("Any", "Anything":
        it names nothing shown, and "any shown" reads as a mistake)."""
        if label:
            return f"'{label}'"
        if self.blank is not None and len(self.blank.split()) < 2:
            return ""
        return (self.blank or "the default").lower()


@dataclass
class Text(Filter):
    """Free text (a search), at most ``max_length`` characters."""

    name: str
    label: str
    placeholder: str = ""
    max_length: int = 200
    template = "web/components/filters/text.html"

    def __post_init__(self):
        self.names = (self.name,)

    def parse(self, params, bar):
        raw = params.get(self.name, "")
        self.control = Control(self.name, self.label, raw)
        if len(raw) > self.max_length:
            bar.refuse(self.control, f"must be at most {self.max_length} characters")
            raw = ""
        bar.values[self.name] = raw.strip()


@dataclass
class DateRange(Filter):
    """A date range with presets counted back from ``data_end`` (else today).

    Applies ``start`` and ``end`` (dates or None for an open end) and ``range`` (the
    preset in force, or "" for chosen dates).
    """

    label: str = "Dates"
    data_end: date | None = None
    default: str = "all"
    presets: tuple[str, ...] = DEFAULT_PRESETS
    start_name: str = "start"
    end_name: str = "end"
    range_name: str = "range"
    required: bool = False  # both dates needed ("all" is then no choice)
    template = "web/components/filters/date_range.html"
    today: date = field(default_factory=date.today)

    def __post_init__(self):
        self.names = (self.start_name, self.end_name, self.range_name)
        for preset in (*self.presets, self.default):
            preset_range(preset, date(2000, 1, 1))  # an unknown preset fails here
        if self.required and "all" in (*self.presets, self.default):
            raise ValueError("presets: a range that needs both dates cannot offer all data")

    @property
    def anchor(self) -> date:
        """The day presets count back from."""
        return self.data_end or self.today

    def _day(self, control: Control, bar: "FilterBar") -> tuple[date | None, bool]:
        if not control.raw:
            return None, True
        try:
            return date.fromisoformat(control.raw), True
        except ValueError:
            bar.refuse(control, f"must be a date (YYYY-MM-DD), not '{control.raw[:40]}'")
            return None, False

    def parse(self, params, bar):
        self.start = Control(self.start_name, "From", params.get(self.start_name, ""))
        self.end = Control(self.end_name, "To", params.get(self.end_name, ""))
        self.range = Control(self.range_name, self.label, params.get(self.range_name, ""))
        preset = self.range.raw
        if preset and preset not in self.presets:
            bar.refuse(self.range, f"'{preset[:40]}' is not a preset")
            preset = ""
        start, start_ok = self._day(self.start, bar)
        end, end_ok = self._day(self.end, bar)
        typed = bool(self.start.raw or self.end.raw)
        if preset and typed and (start, end) != preset_range(preset, self.anchor):
            preset = ""  # the reader changed the dates the preset had filled in
        if start_ok and end_ok and start and end and start > end:
            bar.refuse(self.end, "must be on or after the start date")
            start_ok = False
        if not (start_ok and end_ok):  # reported; the default range applies instead
            preset, start, end = self.default, None, None
        elif not preset and not typed:
            preset = self.default
        elif self.required and not preset and not (start and end):
            missing = self.end if start else self.start
            bar.refuse(missing, "is needed (or choose a preset)")
            preset = self.default
        if preset:
            start, end = preset_range(preset, self.anchor)
        self.preset, self.applied = preset, (start, end)
        # what the controls show: the URL's text when it could not be used, else the dates
        if not (self.start.error or self.end.error):
            self.start.raw = start.isoformat() if start else ""
            self.end.raw = end.isoformat() if end else ""
        bar.values.update(
            {self.start_name: start, self.end_name: end, self.range_name: preset or ""}
        )
        self.preset_links = [
            {
                "key": key,
                "label": PRESETS[key],
                "url": bar.url(
                    **{self.range_name: key, self.start_name: None, self.end_name: None}
                ),
                "current": key == self.preset,
            }
            for key in self.presets
        ]

    @property
    def date_controls(self) -> tuple[Control, Control]:
        return self.start, self.end

    @property
    def preset_label(self) -> str:
        return PRESETS.get(self.preset, "")


class FilterBar:
    """Filters read from ``request.GET``; ``values`` are applied, ``errors`` refused.

    ``keep``: names of other parameters the bar's form carries along unchanged (by
    default a table's sort, columns and rows per page). ``action``: where the form goes
    (by default the page's address, ``pacer.web.address``).
    """

    def __init__(
        self,
        request,
        filters: list[Filter],
        *,
        keep: Iterable[str] = TABLE_PARAMS,
        action: str = "",
        html_id: str = "filters",
    ):
        self.params: QueryDict = request.GET
        self.filters = filters
        self.keep = [(name, value) for name in keep for value in self.params.getlist(name)]
        self.action = action or page_address(request).split("?")[0]
        self.base = link_base(request)  # the page's path when it is shown from elsewhere
        self.html_id = html_id
        self.values: dict = {}
        self.errors: dict[str, str] = {}
        for item in filters:
            item.parse(self.params, self)

    def refuse(self, control: Control, reason: str) -> None:
        control.error = reason
        self.errors[control.name] = reason

    def url(self, **changes) -> str:
        """This page's URL with ``changes`` (None drops one), back at the first page."""
        query = self.params.copy()
        for name in (*PAGE_PARAMS, *changes):
            query.pop(name, None)
        for name, value in changes.items():
            if value is not None:
                query[name] = str(value)
        encoded = query.urlencode()
        return f"{self.base}?{encoded}" if encoded else f"{self.base}?"

    @property
    def clear_url(self) -> str:
        """The page with no filter (the table's sort and columns kept)."""
        query = QueryDict(mutable=True)
        for name, value in self.keep:
            query.appendlist(name, value)
        encoded = query.urlencode()
        return f"{self.base}?{encoded}" if encoded else f"{self.base}?"

    @property
    def hx_prefix(self) -> str:
        """What makes the bar's links whole addresses for HTMX (nothing when they are)."""
        return "" if self.base else self.action

    @property
    def active(self) -> bool:
        """Whether the URL sets any of the bar's filters."""
        names = {n for f in self.filters for n in f.names}
        return any(self.params.get(n) for n in names)

    @property
    def error_items(self) -> list[tuple[str, str]]:
        return list(self.errors.items())
