"""Run axe-core (the npm package in node_modules) in a Playwright page and report serious problems.

The app's Content-Security-Policy forbids inline scripts, so axe is not added as a <script> tag:
`page.evaluate` runs in the page through the DevTools protocol, which the CSP does not govern.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.1 levels A and AA, the bar the issue sets.
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})

# Runs axe and keeps only what the report needs, so little crosses back from the browser.
_RUN_AXE = """
async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(" "),
      html: n.html,
      summary: n.failureSummary || "",
    })),
  }));
}
"""


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page, with the offending elements."""

    url: str
    rule: str
    impact: str
    help: str
    help_url: str
    nodes: tuple[tuple[str, str, str], ...]  # (CSS target, HTML excerpt, axe's advice)

    def __str__(self) -> str:
        lines = [f"{self.rule} ({self.impact}) on {self.url}: {self.help}", f"  {self.help_url}"]
        for target, html, summary in self.nodes:
            excerpt = html if len(html) <= 160 else html[:157] + "..."
            lines.append(f"  - {target}: {excerpt}")
            lines.extend(f"      {line.strip()}" for line in summary.splitlines() if line.strip())
        return "\n".join(lines)


@cache
def _axe_source() -> str:
    if not AXE_SOURCE.is_file():
        raise FileNotFoundError(f"{AXE_SOURCE} is missing: run `npm ci` (part of `make install-test`)")
    # Evaluated as a script body: the trailing `true` keeps Playwright from returning axe's value.
    return AXE_SOURCE.read_text(encoding="utf-8") + "\n;true"


def serious_violations(page: Page) -> list[Violation]:
    """Inject axe into the page, run the WCAG 2.1 A/AA rules, return serious and critical violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    found = page.evaluate(_RUN_AXE, WCAG_21_AA_TAGS)
    return [
        Violation(
            url=page.url,
            rule=v["id"],
            impact=v["impact"],
            help=v["help"],
            help_url=v["helpUrl"],
            nodes=tuple((n["target"], n["html"], n["summary"]) for n in v["nodes"]),
        )
        for v in found
        if v["impact"] in BLOCKING_IMPACTS
    ]


def describe(violations: list[Violation]) -> str:
    """A readable assertion message listing every violation."""
    count = len(violations)
    header = f"{count} serious or critical WCAG 2.1 A/AA violation{'s' if count != 1 else ''}:"
    return "\n".join([header, *(str(v) for v in violations)])
