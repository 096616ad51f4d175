"""Reports: aggregation, disclosure control, charts, exports and PDF rendering (no request access here).

Public API of the results side (stable; the PDF, chart and publication code builds on it):

- `reports.aggregation.aggregate_round(round_, *, country=None, include_confidential=True) -> RoundResults`
- `reports.aggregation.supplier_answers(round_, response_id) -> SupplierAnswers | None`
- `reports.disclosure.Audience` (`secretariat`, `buyers`, `participants`)
- `reports.disclosure.results_for(round_, audience, *, country=None) -> DisclosedResults` (aggregates
  with the right inputs for the audience: buyers' figures leave confidential answers out)
- `reports.disclosure.disclose(results, audience) -> DisclosedResults`
- `reports.disclosure.disclose_supplier(answers, audience) -> SupplierAnswers`
- `reports.disclosure.supplier_feedback(results, response_id) -> list[FeedbackRow]`
- `reports.disclosure.suppress_cells(counts, k) -> list[Cell]` and `suppress_each(counts, total, k)`
- `reports.exports.export_csv / export_tables_csv / export_xlsx (round_, audience, *, country=None) -> bytes`

A disclosed cell has a status: `shown` (count given), `small` (1..k-1: print "fewer than k") or
`hidden` (complementary suppression or withheld: print "not shown", never "fewer than k").
"""
