"""Label colours: the charts' palette (``pacer.web.charts.PALETTE``) by name, each with
the text colour that reads best on it. Every pair has a WCAG contrast ratio of at least
4.5:1 (normal text, level AA; ``tests/work/test_labels.py`` checks it)."""

from pacer.web.charts import PALETTE

NAMES = ("blue", "orange", "green", "purple", "red", "cyan", "ochre", "pink", "grey", "olive")
INK, WHITE = "#111827", "#ffffff"


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21).

    >>> round(contrast("#ffffff", "#111827"), 1)
    17.7
    """
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _text_on(background: str) -> str:
    return max((WHITE, INK), key=lambda text: contrast(background, text))


# colour name -> (background, text): the palette in its order, each with its better text
COLOURS = {
    name: (hex_colour, _text_on(hex_colour))
    for name, hex_colour in zip(NAMES, PALETTE, strict=True)
}
