"""The in-process scenarios, each run in its own process so its peak memory is its own.

    python -m bench.scenarios aggregation|pdf|export --database URL --round ID --repeat 5

prints one JSON object: the samples (seconds) of the scenario and of its baseline, interleaved so
both see the same machine, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


class QueryCounter:
    """Counts the SQL statements the engine runs while active."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.count = 0

    def _count(self, *_args: Any, **_kwargs: Any) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def run(name: str, database: str, round_id: int, repeat: int, budget: float = 120.0) -> dict[str, Any]:
    """Run one scenario `repeat` times beside its baseline."""
    from questionnaire import create_app
    from questionnaire.extensions import db
    from questionnaire.models import DialogueRound

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench"})
    # As wsgi.py does in the served app: start-up objects stay out of the collector's full passes.
    gc.collect()
    gc.freeze()
    samples: list[float] = []
    baseline: list[float] = []
    extra: dict[str, Any] = {}
    with app.app_context(), app.test_request_context("/"):

        def fresh_round() -> DialogueRound:
            # A new session each time: nothing is served from the previous run's identity map.
            db.session.remove()
            round_ = db.session.get(DialogueRound, round_id)
            assert round_ is not None
            return round_

        scenario, base, extra = SCENARIOS[name](app, db, fresh_round)  # runs the scenario once (warm-up)
        started = time.perf_counter()
        for run in range(repeat):
            if run:
                samples.append(_timed(scenario)[0])
            else:
                with QueryCounter(db.engine) as counter:
                    samples.append(_timed(scenario)[0])
                extra["queries"] = counter.count
            baseline.append(_timed(base)[0])
            # The slow scenarios (a PDF over 1,000 suppliers) stop at two runs once over budget.
            if run >= 1 and time.perf_counter() - started > budget:
                break
    return {"name": name, "samples": samples, "baseline": baseline, "median": statistics.median(samples),
            "baseline_median": statistics.median(baseline),
            "peak_rss_mb": peak_rss_mb(), **extra}


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB.

    Read from /proc (VmHWM, which starts afresh at exec): getrusage's ru_maxrss survives execve, so a
    scenario process would report its parent's peak (the generator's) when that was higher.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the scenarios: (scenario, baseline, extra figures) --------------------------------------------


def aggregation(app: Any, db: Any, fresh_round: Callable[[], Any]) -> tuple[Callable, Callable, dict]:
    """The whole round aggregated vs one GROUP BY count over the answers."""
    from reports.aggregation import aggregate_round

    def scenario() -> Any:
        # Real computation from the database each run: a new session, and aggregate_round has no result
        # cache (it reads the facts stored at submit time; a cache on top of it must not be used here).
        return aggregate_round(fresh_round())

    def base() -> Any:
        db.session.remove()
        return db.session.execute(text("SELECT question_key, count(*) FROM answer GROUP BY question_key")).all()

    results = scenario()
    base()
    return scenario, base, {"questions": sum(len(s.questions) for s in results.sections),
                            "submitted": results.submitted}


def pdf(app: Any, db: Any, fresh_round: Callable[[], Any]) -> tuple[Callable, Callable, dict]:
    """The participants' summary PDF vs WeasyPrint converting the same HTML alone."""
    from weasyprint import HTML

    import reports.pdf
    from reports.summary import summary_pdf

    fetcher = reports.pdf.StaticFilesOnly(app.static_folder)
    captured: dict[str, Any] = {}
    original = reports.pdf.render_pdf

    def capture(html: str, **kwargs: Any) -> bytes:
        captured["html"] = html
        return original(html, **kwargs)

    class RecordingHTML(HTML):
        # The options the app passes (pdf_tags, ...): the baseline converts with the same ones.
        def write_pdf(self, *args: Any, **kwargs: Any) -> Any:
            captured["options"] = kwargs
            return super().write_pdf(*args, **kwargs)

    reports.pdf.render_pdf = capture  # type: ignore[assignment]
    reports.pdf.HTML = RecordingHTML  # type: ignore[misc]

    def scenario() -> bytes:
        return summary_pdf(fresh_round(), "participants", "en", fetcher=fetcher)

    data = scenario()
    html, options = captured["html"], captured.get("options", {})
    extra = {"bytes": len(data), "html_bytes": len(html), "options": sorted(options)}

    def base() -> bytes:
        # What render_pdf does, with the page count kept.
        document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(**options)
        extra["pages"] = len(document.pages)
        return document.write_pdf(**options)

    return scenario, base, extra


def export(app: Any, db: Any, fresh_round: Callable[[], Any]) -> tuple[Callable, Callable, dict]:
    """The round's XLSX export (secretariat) vs openpyxl (write-only) writing the raw answers pivoted by SQL rows."""
    from openpyxl import Workbook

    from reports.exports import export_xlsx

    def scenario() -> bytes:
        return export_xlsx(fresh_round(), "secretariat")

    def base() -> bytes:
        round_ = fresh_round()
        keys = [k for (k,) in db.session.execute(text(
            "SELECT q.key FROM question q JOIN questionnaire_section s ON s.id = q.section_id "
            "WHERE q.version_id = :v ORDER BY s.position, q.position"), {"v": round_.questionnaire_version_id})]
        column = {k: i for i, k in enumerate(keys)}
        rows: dict[int, list[Any]] = {}
        for response_id, key, value in db.session.execute(text(
                "SELECT a.response_id, a.question_key, a.value FROM answer a JOIN response r ON r.id = a.response_id "
                "WHERE r.round_id = :r AND r.status = 'submitted'"), {"r": round_.id}):
            row = rows.setdefault(response_id, [""] * len(keys))
            row[column[key]] = value if isinstance(value, str) else str(value)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Responses")
        sheet.append(keys)
        for row in rows.values():
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    data = scenario()
    base()
    return scenario, base, {"bytes": len(data)}


SCENARIOS: dict[str, Callable[..., tuple[Callable, Callable, dict]]] = {
    "aggregation": aggregation, "pdf": pdf, "export": export}


def main(argv: list[str] | None = None) -> int:
    """Command line: one scenario, JSON on stdout."""
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--database", required=True)
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds after which two runs are enough")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scenario, args.database, args.round, args.repeat, args.budget)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
