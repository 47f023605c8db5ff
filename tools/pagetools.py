"""Helpers that page code blocks call at build time to put figures on the page."""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "getting-it-right"  # stable ids, so two builds give the same SVG


def figure_html(fig, alt: str, caption: str | None = None) -> str:
    """Return ``fig`` as an ``<img>`` holding SVG data, with alt text and its size.

    The figure travels as data in the block's printed output, which the build
    caches as text. The build hook then writes it to a file of the site
    (``assets/figures/``) and links the image to it, so it loads from no
    other host. The width and height attributes keep the layout from shifting.
    """
    if not alt or not alt.strip():
        raise ValueError("figure_html: `alt` must describe the figure for readers who cannot see it.")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    width, height = (round(value * 96) for value in fig.get_size_inches())
    data = base64.b64encode(svg).decode("ascii")
    image = (
        f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt, quote=True)}" '
        f'width="{width}" height="{height}" loading="lazy" decoding="async">'
    )
    caption_html = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="guide-figure">{image}{caption_html}</figure>'
