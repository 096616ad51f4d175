"""CSV and XLSX exports of a round's submitted responses: one row per supplier, one column per question.

- Multiple choice: one column per option ("1" when chosen, "" when not; "n/a: ..." for N/A).
- Tables: XLSX puts each table question on its own sheet (one row per table row, with the supplier);
  CSV cannot hold several sheets, so the main CSV has one column per table question with its row
  count, and `export_tables_csv` writes the table rows as a second CSV (long format: supplier,
  question key, row, then one column per distinct column key). The CLI writes it next to the main
  file as `<name>-tables.csv`; the results page offers it as its own download.
- Header rows: question keys, then question texts (first language), then (multiple choice) options.
- Audiences: `secretariat` everything; `buyers` confidential answers replaced by "[confidential]";
  `participants` refused (`ExportRefused`): a row per supplier is named microdata, and anonymising
  rows of competitors under k-suppression is not something a spreadsheet can guarantee.
- Spreadsheet formula injection: every text cell starting with = + - @ or a control character
  (tab, CR, ...) gets a leading apostrophe.
"""

from __future__ import annotations

from reports.disclosure import Audience, DisclosureRefused


class ExportRefused(DisclosureRefused):
    """Exports are named data: participants get the anonymised summary instead."""


def export_csv(round_: object, audience: Audience | str, *, country: str | None = None) -> bytes:
    """The main CSV (UTF-8 with BOM so spreadsheet programs detect the encoding)."""
    raise NotImplementedError


def export_tables_csv(round_: object, audience: Audience | str, *, country: str | None = None) -> bytes | None:
    """The rows of the table questions as a second CSV; None when the questionnaire has no table."""
    raise NotImplementedError


def export_xlsx(round_: object, audience: Audience | str, *, country: str | None = None) -> bytes:
    """The workbook: sheet "Responses" plus one sheet per table question."""
    raise NotImplementedError
