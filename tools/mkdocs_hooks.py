"""MkDocs hooks for the guide: build-time settings and math rendered to MathML.

Math is converted from LaTeX to MathML while the site is built, so pages need
no MathJax or KaTeX script and load nothing from another host. Browsers
render MathML Core natively.
"""

from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

import latex2mathml.converter

ROOT = Path(__file__).resolve().parent.parent

# pymdownx.arithmatex in generic mode wraps math as \( ... \) in a span and
# \[ ... \] in a div, both with class "arithmatex".
_INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)


def on_startup(command, dirty):
    # Snippets run inside the MkDocs process: a fixed backend keeps matplotlib
    # from looking for a display, and the cache keeps trained models between builds.
    os.environ.setdefault("MPLBACKEND", "Agg")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # lets page code import tools.pagetools
    os.environ.setdefault("MEDGUIDE_CACHE_DIR", str(ROOT / ".cache" / "medguide"))


def on_page_content(html_text, page, config, files):
    html_text = _BLOCK.sub(lambda match: _to_mathml(match.group(1), "block"), html_text)
    return _INLINE.sub(lambda match: _to_mathml(match.group(1), "inline"), html_text)


def _to_mathml(latex: str, display: str) -> str:
    source = html.unescape(latex).strip()
    mathml = latex2mathml.converter.convert(source, display=display)
    # The LaTeX stays as alternative text for screen readers that lack MathML support.
    mathml = mathml.replace("<math ", f'<math alttext="{html.escape(source, quote=True)}" ', 1)
    if display == "block":
        return f'<div class="math-block">{mathml}</div>'
    return mathml
