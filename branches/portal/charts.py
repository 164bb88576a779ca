"""Inline SVG bar charts: no script, no CDN, readable without colour (each bar carries its value)."""

from django.utils.html import escape
from django.utils.safestring import mark_safe


def bar_chart(items: list[tuple[str, int | None]], *, title: str, width: int = 640, bar: int = 18) -> str:
    """Horizontal bars; a masked value (None) is drawn as « < 5 » with no bar."""
    if not items:
        return ""
    label_w, gap = 220, 4
    peak = max((v for _, v in items if v), default=0) or 1
    height = len(items) * (bar + gap) + 24
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" class="portal-chart"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        y = i * (bar + gap) + 4
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end" font-size="11">{escape(short)}</text>')
        if value is None:
            parts.append(
                f'<text x="{label_w + 4}" y="{y + bar - 5}" font-size="11" fill="#6c757d">&lt; 5 (secret statistique)</text>'
            )
            continue
        w = int((width - label_w - 60) * value / peak)
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar}" fill="#0d6efd"></rect>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + bar - 5}" font-size="11">{value}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and value above went through escape()
