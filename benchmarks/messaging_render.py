"""What inlining CSS once per template saves: the CPU time of personalising a message's
HTML for 1,000 recipients, inlined per recipient (the old path) and inlined once per
template (``pacer.messaging.inlining``), in the same process, alternating, ``RUNS``
times. Two templates: the delivery benchmark's (no ``<style>``: the inliner still parses
and writes out every message) and the same with a newsletter's stylesheet (25 rules).
Each run checks that both paths give the same bytes for every recipient.

Run: nice -n 10 .venv/bin/python benchmarks/messaging_render.py [recipients] [--runs N]
"""

import statistics
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir, runs_from_argv  # noqa: E402
from _messaging import TEMPLATE_HTML  # noqa: E402

STYLESHEET = (
    "<style>"
    + " ".join(
        [
            "body { margin: 0; padding: 0; background: #f4f4f4 }",
            "h1 { font: bold 24px/1.3 Georgia, serif; color: #222; margin: 0 0 12px }",
            "p { font: 16px/1.5 Helvetica, Arial, sans-serif; color: #333; margin: 0 0 16px }",
            "a { color: #0a66c2; text-decoration: underline }",
            "h1 + p { font-size: 18px }",
            "p a { font-weight: bold }",
            ".muted { color: #888 }",
            ".button { display: inline-block; padding: 12px 20px; background: #0a66c2 }",
            ".button a { color: #fff; text-decoration: none }",
            "table { border-collapse: collapse; width: 100% }",
            "td { padding: 8px; vertical-align: top }",
            "td.price { text-align: right; white-space: nowrap }",
            ".footer p { font-size: 12px; color: #888 }",
            ".footer a { color: #888 }",
            "img { border: 0; display: block; max-width: 100% }",
            "ul { margin: 0 0 16px; padding-left: 20px }",
            "li { margin: 0 0 4px }",
            "strong { color: #111 }",
            "em { font-style: italic }",
            "hr { border: 0; border-top: 1px solid #ddd }",
            ".card { background: #fff; border-radius: 4px }",
            ".card h1 { color: #0a66c2 }",
            ".lead { font-size: 18px }",
            "p:first-child { margin-top: 0 }",
            "div > p:last-child { margin-bottom: 0 }",
        ]
    )
    + "</style>"
)
STYLED_HTML = TEMPLATE_HTML.replace("<html><body>", f"<html><head>{STYLESHEET}</head><body>")


def cpu() -> float:
    return time.process_time()


def main() -> None:
    args = [a for a in sys.argv[1:] if a.isdigit()]
    recipients = int(args[0]) if args else 2000
    runs = runs_from_argv(3)
    django_in_temp_dir("pacer-bench-render-")
    import css_inline
    from django.template import Context

    from pacer.messaging.render import ENGINE, compile_parts, recipient_context, render

    contexts = [
        recipient_context(
            {"first_name": f"Ann{n}", "last_name": "Lee", "email": f"p{n}@x.test"},
            {
                "unsubscribe_url": f"https://x.test/u/{n}",
                "preferences_url": f"https://x.test/p/{n}",
            },
        )
        for n in range(recipients)
    ]
    for name, html in (("delivery benchmark's", TEMPLATE_HTML), ("with 25 CSS rules", STYLED_HTML)):
        once = compile_parts("s", html, "t")
        assert once["inlined"], name
        per_recipient = {**once, "inlined": False, "html": ENGINE.from_string(html)}
        for context in contexts[:50]:
            slow = css_inline.inline(ENGINE.from_string(html).render(Context(context)))
            assert render(once, context)[1] == slow == render(per_recipient, context)[1]
        times: dict[str, list[float]] = {"per recipient": [], "once": []}
        for _ in range(runs):
            for path, compiled in (("per recipient", per_recipient), ("once", once)):
                started = cpu()
                for context in contexts:
                    render(compiled, context)
                times[path].append(1000 * (cpu() - started) / recipients)
        old, new = (statistics.median(times[p]) for p in ("per recipient", "once"))
        ranges = {p: f"{min(t):.3f}-{max(t):.3f}" for p, t in times.items()}
        print(
            f"template {name} ({len(html):,} characters), {recipients:,} recipients, {runs} runs:"
        )
        print(f"  inlined per recipient: {old:.3f} s CPU per 1,000 ({ranges['per recipient']})")
        print(f"  inlined once:          {new:.3f} s CPU per 1,000 ({ranges['once']})")
        print(f"  saved: {old - new:.3f} s per 1,000 messages ({1 - new / old:.0%} of rendering)")


if __name__ == "__main__":
    main()
