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
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # lets hooks and page code import the tools package

from tools import cheatsheets  # noqa: E402
from tools import rules as rulebook  # noqa: E402

_rules: dict = {}
_sheets: dict = {}
_placed: dict[str, list[str]] = {}

# pymdownx.arithmatex in generic mode wraps math as \( ... \) in a span and
# \[ ... \] in a div, both with class "arithmatex".
_INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)


def on_startup(command, dirty):
    # Snippets run inside the MkDocs process: a fixed backend keeps matplotlib
    # from looking for a display, and the cache keeps trained models between builds.
    os.environ.setdefault("MPLBACKEND", "Agg")


def on_config(config):
    try:
        _rules.clear()
        _rules.update(rulebook.load_rules())
        _sheets.clear()
        _sheets.update(cheatsheets.load_sheets(_rules))
    except (rulebook.RuleError, cheatsheets.SheetError) as error:
        raise PluginError(str(error)) from error
    _placed.clear()
    return config


def on_page_markdown(markdown, page, config, files):
    path = page.file.src_uri
    try:
        markdown, placed = rulebook.expand_markers(markdown, path, _rules)
        markdown = cheatsheets.expand_sheet_markers(markdown, path, _sheets, _rules, config["site_url"])
    except (rulebook.RuleError, cheatsheets.SheetError) as error:
        raise PluginError(str(error)) from error
    for rule_id in placed:
        _placed.setdefault(rule_id, []).append(path)
    return markdown
    os.environ.setdefault("MEDGUIDE_CACHE_DIR", str(ROOT / ".cache" / "medguide"))


def on_page_content(html_text, page, config, files):
    html_text = _BLOCK.sub(lambda match: _to_mathml(match.group(1), "block"), html_text)
    return _INLINE.sub(lambda match: _to_mathml(match.group(1), "inline"), html_text)


def on_post_build(config):
    # Every rule appears exactly once, and /rules/<id>/ (plus any old ID) redirects to it.
    problems = [
        f"{rule_id} is placed on {len(_placed.get(rule_id, []))} pages {_placed.get(rule_id, [])}, expected 1 ({rule.page})"
        for rule_id, rule in _rules.items()
        if len(_placed.get(rule_id, [])) != 1
    ]
    if problems:
        raise PluginError("Rule markers do not match the rules in rules/: " + "; ".join(problems))
    site = Path(config["site_dir"])
    for rule in _rules.values():
        target = f"../../{rule.page_url}#{rule.id}"
        for old_id in (rule.id, *rule.moved_from):
            redirect = site / "rules" / old_id / "index.html"
            redirect.parent.mkdir(parents=True, exist_ok=True)
            redirect.write_text(rulebook.redirect_html(target), encoding="utf-8")

    # The PDFs are printed from the pages just built, so they cannot go stale.
    if _sheets:
        try:
            cheatsheets.print_sheets(site, _sheets)
        except cheatsheets.SheetError as error:
            raise PluginError(str(error)) from error


def _to_mathml(latex: str, display: str) -> str:
    source = html.unescape(latex).strip()
    mathml = latex2mathml.converter.convert(source, display=display)
    # The LaTeX stays as alternative text for screen readers that lack MathML support.
    mathml = mathml.replace("<math ", f'<math alttext="{html.escape(source, quote=True)}" ', 1)
    if display == "block":
        return f'<div class="math-block">{mathml}</div>'
    return mathml
