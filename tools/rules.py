"""The guide's rules: the YAML files in ``rules/`` are the source of every rule box, summary and index.

The files named ``NN-<chapter>.yml`` are read in name order (``01-getting-started.yml``, ``02-data.yml``,
...), one file per chapter so that chapters can be edited independently. Each
rule has a stable ``id`` (for example ``leak-02``), a
``kind`` (``do`` or ``dont``), a short ``title``, a ``statement`` in Markdown
and the ``page`` (a path under ``docs/``) that explains and demonstrates it.
Pages place a rule with a marker line, and the MkDocs hook replaces it:

- ``<!-- rule leak-02 -->``: a heading whose anchor is the rule ID, followed
  by a DO or DON'T box with the statement.
- ``<!-- rules-summary -->``: a box listing the rules of the current page.
- ``<!-- rules-index -->``: a table of every rule with its link.

Once published, an ID never changes: ``rules/published.txt`` lists them and a
test checks that each still resolves in the built site.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"

_ID = re.compile(r"^[a-z]+-\d{2}$")
RULE_MARKER = re.compile(r"^<!-- rule ([a-z]+-\d{2}) -->$", re.M)
SUMMARY_MARKER = "<!-- rules-summary -->"
INDEX_MARKER = "<!-- rules-index -->"


class RuleError(ValueError):
    """The rules file or a rule marker on a page is invalid."""


@dataclass(frozen=True)
class Rule:
    """One do or don't of the guide."""

    id: str
    kind: str
    title: str
    statement: str
    page: str
    moved_from: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return "DO" if self.kind == "do" else "DON'T"

    @property
    def page_url(self) -> str:
        """The page's directory URL relative to the site root, ``pitfalls/leakage/`` for example."""
        path = self.page.removesuffix(".md")
        if path == "index" or path.endswith("/index"):
            path = path.removesuffix("index")
        else:
            path += "/"
        return path.lstrip("/")


def load_rules(folder: Path = RULES_DIR) -> dict[str, Rule]:
    """Read and check every rules file; return the rules by ID, in file order."""
    rules: dict[str, Rule] = {}
    for path in sorted(folder.glob("[0-9][0-9]-*.yml")):
        _read_rules_file(path, rules)
    return rules


def _read_rules_file(path: Path, rules: dict[str, Rule]) -> None:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for position, entry in enumerate(entries, start=1):
        missing = {"id", "kind", "title", "statement", "page"} - set(entry)
        if missing:
            raise RuleError(f"{path.name}: rule number {position} lacks {sorted(missing)}.")
        rule = Rule(
            id=entry["id"],
            kind=entry["kind"],
            title=entry["title"].strip(),
            statement=entry["statement"].strip(),
            page=entry["page"],
            moved_from=tuple(entry.get("moved_from", ())),
        )
        if not _ID.match(rule.id):
            raise RuleError(f"{path.name}: rule ID {rule.id!r} must look like 'leak-02' (letters, hyphen, two digits).")
        if rule.id in rules:
            raise RuleError(f"{path.name}: rule ID {rule.id!r} is defined twice.")
        if rule.kind not in ("do", "dont"):
            raise RuleError(f"{path.name}: rule {rule.id} has kind {rule.kind!r}; use 'do' or 'dont'.")
        if not (ROOT / "docs" / rule.page).is_file():
            raise RuleError(f"{path.name}: rule {rule.id} names page {rule.page!r}, which is not in docs/.")
        rules[rule.id] = rule


def render_rule(rule: Rule) -> str:
    """Return the Markdown of a rule: an anchored heading and a DO or DON'T box."""
    box = "success" if rule.kind == "do" else "danger"
    statement = "\n".join(f"    {line}" if line else "" for line in rule.statement.splitlines())
    return (
        f"### {rule.label}: {rule.title} {{ #{rule.id} data-rule-id=\"{rule.id}\" }}\n\n"
        f'!!! {box} "{rule.label} · {rule.id}"\n\n{statement}\n'
    )


def render_summary(rules: list[Rule]) -> str:
    """Return a summary box listing ``rules``, linked to their sections on the same page."""
    lines = ['!!! abstract "Rules of this chapter"', ""]
    for rule in rules:
        lines.append(f"    - [`{rule.id}`](#{rule.id}) **{rule.label}:** {rule.title}")
    return "\n".join(lines) + "\n"


def render_index(rules: dict[str, Rule], page: str) -> str:
    """Return a Markdown table of every rule, with links relative to ``page``."""
    lines = ["| ID | rule | chapter |", "| --- | --- | --- |"]
    for rule in rules.values():
        link = f"{posixpath.relpath(rule.page, posixpath.dirname(page) or '.')}#{rule.id}"
        lines.append(f"| [`{rule.id}`]({link}) | **{rule.label}:** {rule.title} | {rule.page.removesuffix('.md')} |")
    return "\n".join(lines) + "\n"


def expand_markers(markdown: str, page: str, rules: dict[str, Rule]) -> tuple[str, list[str]]:
    """Replace the rule markers of one page; return the new Markdown and the IDs placed."""
    placed: list[str] = []

    def place(match: re.Match) -> str:
        rule_id = match.group(1)
        if rule_id not in rules:
            raise RuleError(f"{page}: marker names rule {rule_id!r}, which no file in rules/ defines.")
        rule = rules[rule_id]
        if rule.page != page:
            raise RuleError(f"{page}: rule {rule_id} belongs on {rule.page} according to rules/.")
        placed.append(rule_id)
        return render_rule(rule)

    markdown = RULE_MARKER.sub(place, markdown)
    if SUMMARY_MARKER in markdown:
        markdown = markdown.replace(SUMMARY_MARKER, render_summary([rules[i] for i in placed]))
    if INDEX_MARKER in markdown:
        markdown = markdown.replace(INDEX_MARKER, render_index(rules, page))
    return markdown, placed


def redirect_html(target: str) -> str:
    """Return a small page that sends the browser to ``target`` (a site-relative URL)."""
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Redirecting</title><meta http-equiv=\"refresh\" content=\"0; url={target}\">"
        f"<link rel=\"canonical\" href=\"{target}\"><meta name=\"robots\" content=\"noindex\">"
        f"</head><body><p>This rule is at <a href=\"{target}\">{target}</a>.</p></body></html>\n"
    )
