"""Hostile walk of the demo's forms: crawl the pages the demo admin can reach (GET, two
links deep, one page per URL shape), collect every POST form, submit each with hostile
values (empty, 100,000 characters, unicode, negative, 1e308, a word, HTML, NUL, blanks, a
23-digit number, a bogus option or date) in every typed field at once, and print each
answer >= 500 and the statuses per form. It writes: run it on a throw-away demo.

Each refusal (422) is also checked as issue 11's rule wants it: the links of its error
boxes land on a focusable element (``tests/web/error_links.py``), and a page answered
from a form's address that answers no GET says its own address
(``pacer.web.address.show_at``); what is not is printed as "refused page:".

Run (PostgreSQL, where NULs fail): PACER_PG_PORT=PORT PACER_DATA_DIR=/tmp/x
scripts/with-postgres.sh sh -c 'createdb -h 127.0.0.1 -p PORT -U postgres pacer &&
.venv/bin/pacer demo --contacts 300 --no-serve && .venv/bin/python scripts/hostile_forms.py'
Exit status 1 when any answer was a 5xx (the tracebacks are in the JSON log lines).
"""

import os
import re
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from pacer.demo.cli import DEMO_PASSWORD, DEMO_USER  # noqa: E402
from tests.web.error_links import broken_error_links  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]
SKIP = re.compile(
    r"logout|/static/|/api/|\.ics|/export|csv|/feeds?/[0-9a-f]|/share/|/erase|/delete"
)
HUGE = "x" * 100_000
VALUES = {
    "empty": lambda f: "",
    "huge": lambda f: HUGE,
    "unicode": lambda f: "Zoë 😀 \u202eRTL ٣ 中文",
    "negative": lambda f: "-1",
    "huge_number": lambda f: "1e308",
    "wrong_type": lambda f: "abc",
    "html": lambda f: "<script>alert(1)</script>",
    "nul": lambda f: "a\x00b",
    "whitespace": lambda f: "   ",
    "big_int": lambda f: "99999999999999999999999",
    "option_bogus": lambda f: "no-such-option" if f["tag"] == "select" else "2026-13-45",
}


class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.links, self.current = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self.current = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action"),
                "id": a.get("id", ""),
                "enctype": a.get("enctype", ""),
                "fields": [],
            }
            self.forms.append(self.current)
        elif self.current is not None and tag in ("input", "select", "textarea"):
            if a.get("name") and a.get("type") not in ("submit", "button"):
                self.current["fields"].append(
                    {
                        "tag": tag,
                        "name": a["name"],
                        "type": a.get("type", ""),
                        "value": a.get("value", ""),
                    }
                )
        elif self.current is not None and tag == "button" and a.get("name"):
            self.current["fields"].append(
                {"tag": "button", "name": a["name"], "type": "button", "value": a.get("value", "")}
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def refused_page_problems(client, page: str, action: str, response) -> list[str]:
    """What breaks issue 11's rule in a refused page (422): error links that land on
    nothing focusable; a page left at a form address that answers no GET."""
    if response.status_code != 422 or "text/html" not in response.get("Content-Type", ""):
        return []
    html = response.content.decode(errors="replace")
    problems = [f"error link {problem}" for problem in broken_error_links(html)]
    elsewhere = urlparse(action).path != urlparse(page).path
    if elsewhere and "pacer-page-address" not in html and client.get(action).status_code != 200:
        problems.append("shown at the form's address, which answers no GET (show_at)")
    return problems


def main():
    client = Client(raise_request_exception=False)
    assert client.login(username=DEMO_USER, password=DEMO_PASSWORD)
    seen, queue, forms = set(), [("/", 0)], {}
    while queue:
        path, depth = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code >= 500:
            print("GET 5xx", path, response.status_code, flush=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Forms()
        parser.feed(response.content.decode(errors="replace"))
        for form in parser.forms:
            if form["method"] != "post":
                continue
            action = urljoin(path, form["action"] or path)
            if SKIP.search(action):
                continue
            key = (re.sub(r"\d+", "N", urlparse(action).path), form["id"])
            forms.setdefault(key, (path, action, form))
        if depth < 2:
            for href in parser.links:
                url = urlparse(urljoin(path, href))
                if url.netloc or SKIP.search(url.path):
                    continue
                target = url.path + (f"?{url.query}" if url.query and depth == 0 else "")
                if (
                    re.sub(r"\d+", "N", url.path)
                    in {re.sub(r"\d+", "N", s.split("?")[0]) for s in seen}
                    and target not in seen
                ):
                    continue  # one page per URL shape
                queue.append((target, depth + 1))
    print(f"{len(seen)} pages, {len(forms)} POST forms", flush=True)
    failures, refused = 0, set()
    for (shape, form_id), (page, action, form) in sorted(forms.items()):
        answers = {}
        for name, make in VALUES.items():
            data = {}
            for field in form["fields"]:
                if field["name"] == "csrfmiddlewaretoken":
                    continue
                if field["type"] in ("hidden", "button", "checkbox", "radio", "file"):
                    data.setdefault(field["name"], field["value"])
                else:
                    data[field["name"]] = make(field)
            response = client.post(action, data)
            answers[name] = response.status_code
            for problem in refused_page_problems(client, page, action, response):
                refused.add(f"{shape} #{form_id} from {page}: {problem}")
            if response.status_code >= 500:
                failures += 1
                print(f"5xx {response.status_code} {action} ({form_id}) with {name}", flush=True)
        names = [f["name"] for f in form["fields"] if f["name"] != "csrfmiddlewaretoken"]
        statuses = sorted(set(answers.values()))
        print(f"{shape} #{form_id} from {page}: {statuses} fields={names}", flush=True)
    for line in sorted(refused):
        print("refused page:", line)
    print("failures:", failures, "refused pages against the rule:", len(refused))
    return failures


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
