"""`python -m bench` (`make bench`): generate a large round, run every scenario, write results/latest.md.

Every figure is a median of several runs and stands beside a baseline measured in the same run, so
the ratio survives a noisy machine. The in-process scenarios run in their own processes (their peak
memory is their own); the HTTP scenarios run against gunicorn with 2 workers, driven by locust from
a separate process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.generate import PASSWORD, Generated, database_url, generate
from bench.htmlform import field, form_fields

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
BIN = Path(sys.executable).parent
CONCURRENCY = (1, 8, 32)
# The concurrency the HTTP targets are stated at.
TARGET_USERS = 8

# The targets (N = 1,000 suppliers, Q = 100 questions, a 2-core machine).
TARGETS = {
    "aggregation_seconds": 0.5, "aggregation_ratio": 3.0, "pdf_seconds": 6.0, "pdf_ratio": 1.3,
    "get_rate_share": 0.25, "get_p95_ms": 50.0, "post_p95_ms": 100.0, "walk_seconds": 0.3,
    "export_seconds": 5.0, "peak_rss_mb": 400.0,
}


def log(message: str) -> None:
    """Progress on stderr (the table goes to the file)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- in-process scenarios ------------------------------------------------------------------------


def run_scenario(name: str, made: Generated, repeat: int) -> dict[str, Any]:
    """One scenario in its own process (peak RSS is that process's)."""
    command = [sys.executable, "-m", "bench.scenarios", name, "--database", made.database,
               "--round", str(made.round_id), "--repeat", str(repeat)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        log(f"{name} failed:\n{done.stderr[-3000:]}")
        return {"name": name, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- HTTP ----------------------------------------------------------------------------------------


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(made: Generated, data_dir: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn with 2 workers on a free port, serving the generated database."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": made.database, "SECRET_KEY": "bench-not-secret",
           "INSTANCE_PATH": str(data_dir / "instance")}
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:  # noqa: S310 - our own server
                if reply.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def merge_rounds(runs: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """One figure per request and concurrency: medians over the rounds; the rate vs trivial within each round."""
    trivial = {(run["users"], run.get("round", 0)): run.get("rps") for run in runs if run["task"] == "trivial"}
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for run in runs:
        grouped.setdefault((run["task"], run["users"]), []).append(run)
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    for key, group in grouped.items():
        done = [run for run in group if "rps" in run]
        if not done:
            merged[key] = group[0]
            continue
        shares = [run["rps"] / trivial[(run["users"], run.get("round", 0))] for run in done
                  if trivial.get((run["users"], run.get("round", 0)))]
        merged[key] = {"task": key[0], "users": key[1], "rounds": len(done),
                       "requests": sum(run["requests"] for run in done),
                       "failures": sum(run["failures"] for run in done),
                       **{name: statistics.median(run[name] for run in done) for name in ("rps", "p50", "p95", "p99")},
                       "share": statistics.median(shares) if shares else None}
    return merged


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def run_locust(task: str, users: int, base: str, made: Generated, section_url: str, seconds: float) -> dict[str, Any]:
    """One headless locust run; figures only from requests started after every user logged in."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.json"
        login_time = 0 if task == "trivial" else 2 + 0.3 * users
        env = {**os.environ, "BENCH_TASK": task, "BENCH_USERS": str(users), "BENCH_OUT": str(out),
               "BENCH_EMAILS": ",".join(made.supplier_emails[:max(CONCURRENCY)]), "BENCH_PASSWORD": PASSWORD,
               "BENCH_SECTION_URL": section_url, "PYTHONPATH": str(ROOT)}
        command = [str(BIN / "locust"), "-f", str(BENCH_DIR / "locustfile.py"), "--headless", "-u", str(users),
                   "-r", str(users), "-t", f"{round(seconds + login_time)}s", "--host", base, "--only-summary",
                   "--loglevel", "ERROR", "--stop-timeout", "5"]
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=seconds + login_time + 60,
                       check=False)
        if not out.exists():
            return {"task": task, "users": users, "error": "locust wrote no records"}
        data = json.loads(out.read_text())
    records = data["records"]
    ok = sorted(ms for _name, _start, ms, good in records if good)
    if not records:
        return {"task": task, "users": users, "error": "no requests after log-in"}
    span = max(start + ms / 1000 for _n, start, ms, _g in records) - data["t0"]
    return {"task": task, "users": users, "requests": len(records), "failures": len(records) - len(ok),
            "rps": len(ok) / span if span > 0 else 0.0, "p50": percentile(ok, 0.50), "p95": percentile(ok, 0.95),
            "p99": percentile(ok, 0.99)}


def walk(base: str, made: Generated, repeat: int) -> dict[str, Any]:
    """One supplier's walk through every section (GET, then Save POST), timed; beside as many trivial GETs."""
    import requests

    session = requests.Session()
    email = made.supplier_emails[-1]  # not one of the load generator's users
    page = session.get(f"{base}/login")
    token = field(form_fields(page.text, "login"), "csrf_token")
    reply = session.post(f"{base}/login", data={"csrf_token": token, "email": email, "password": PASSWORD,
                                                "next": ""}, allow_redirects=False)
    if reply.status_code != 302:
        return {"error": f"log-in refused ({reply.status_code})"}
    samples, baseline, statuses = [], [], {}
    keys = [key for key, _n, _cond in made.sections]
    for _ in range(repeat):
        # Only the requests are timed (sent, answered, body read): reading the form back out of the
        # page is the client's work (about 7 ms per page with html.parser), not the platform's.
        spent = 0.0
        for key in keys:
            url = f"{base}/rounds/{made.round_id}/answer/section/{key}"
            start = time.perf_counter()
            page = session.get(url)
            spent += time.perf_counter() - start
            statuses[page.status_code] = statuses.get(page.status_code, 0) + 1
            fields = [kv for kv in form_fields(page.text, "answer-form") if kv[0] != "action"]
            start = time.perf_counter()
            saved = session.post(url, data=[*fields, ("action", "save")], allow_redirects=False)
            spent += time.perf_counter() - start
            statuses[saved.status_code] = statuses.get(saved.status_code, 0) + 1
        samples.append(spent)
        start = time.perf_counter()
        for _key in keys:
            session.get(f"{base}/healthz")
            session.get(f"{base}/healthz")
        baseline.append(time.perf_counter() - start)
    return {"sections": len(keys), "median": statistics.median(samples), "baseline_median": statistics.median(baseline),
            "samples": samples, "statuses": statuses}


def run_http(made: Generated, data_dir: Path, seconds: float, repeat: int, rounds: int = 3) -> dict[str, Any]:
    """Every HTTP scenario against one gunicorn; at the targets' concurrency, `rounds` interleaved rounds."""
    section_key = max((s for s in made.sections if not s[2]), key=lambda s: s[1])[0]
    section_url = f"/rounds/{made.round_id}/answer/section/{section_key}"
    process, base = start_gunicorn(made, data_dir)
    results: dict[str, Any] = {"section": section_key, "runs": []}
    try:
        for users in CONCURRENCY:
            # The targets read the 8-user figures: trivial, GET and Save side by side, several times,
            # so a burst of other work on the machine moves one round, not the median.
            for number in range(rounds if users == TARGET_USERS else 1):
                for task in ("trivial", "get", "post"):
                    log(f"HTTP {task} at concurrency {users}" + (f", round {number + 1}" if number else ""))
                    run = run_locust(task, users, base, made, section_url, seconds)
                    results["runs"].append(run | {"round": number})
        log("supplier walk")
        results["walk"] = walk(base, made, repeat)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return results


# --- the report ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores, memory and versions."""
    info = {"cpu": platform.processor() or platform.machine(), "cores": str(os.cpu_count())}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    from importlib.metadata import version

    info["python"] = platform.python_version()
    info["sqlite"] = sqlite3.sqlite_version
    for package in ("weasyprint", "sqlalchemy", "flask", "gunicorn", "locust", "openpyxl"):
        try:
            info[package] = version(package)
        except Exception:
            info[package] = "-"
    return info


def postgres_version(url: str) -> str | None:
    """The server version when the database is PostgreSQL."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return str(value)


def _s(value: float | None) -> str:
    return "-" if value is None else (f"{value:.3f} s" if value < 10 else f"{value:.1f} s")


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "-"
    return f"{a / b:.1f}x" if a / b >= 1 else f"{a / b:.3f}x"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**pass**" if ok else "**MISS**")


def report(made: Generated, scenarios: dict[str, dict[str, Any]], http: dict[str, Any] | None,
           info: dict[str, str], elapsed: float) -> str:
    """The Markdown of results/latest.md."""
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} in {elapsed:.0f} s.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info.get('memory', '?')} memory. "
        f"Python {info['python']}, SQLite {info['sqlite']}"
        + (f", PostgreSQL {info['postgresql']}" if info.get("postgresql") else "")
        + f", WeasyPrint {info['weasyprint']}, SQLAlchemy {info['sqlalchemy']}, Flask {info['flask']}, "
        f"gunicorn {info['gunicorn']}, locust {info['locust']}, openpyxl {info['openpyxl']}. "
        f"Load average (1 min) at the start and end of the run: {info['load']} - other work on the machine "
        "inflates the absolute figures; the ratios to the baselines are the comparable ones.",
        "",
        f"Data: {made.suppliers} suppliers ({made.submitted} submitted, {made.suppliers - made.submitted} still "
        f"answering), {made.questions} questions in {len(made.sections)} sections, {made.answers} answers; "
        f"database `{made.database.split('://')[0]}`; generated in {made.seconds:.1f} s.",
        "",
        "| scenario | median | baseline | baseline median | ratio | other |",
        "|---|---|---|---|---|---|",
    ]
    agg, pdf, export = scenarios.get("aggregation", {}), scenarios.get("pdf", {}), scenarios.get("export", {})
    if "median" in agg:
        lines.append(f"| aggregation of the whole round | {_s(agg['median'])} | raw SQL GROUP BY count | "
                     f"{_s(agg['baseline_median'])} | {_ratio(agg['median'], agg['baseline_median'])} | "
                     f"{agg['queries']} queries, peak RSS {agg['peak_rss_mb']:.0f} MB |")
    if "median" in pdf:
        lines.append(f"| summary PDF (participants) | {_s(pdf['median'])} | WeasyPrint alone, same HTML | "
                     f"{_s(pdf['baseline_median'])} | {_ratio(pdf['median'], pdf['baseline_median'])} | "
                     f"{pdf['pages']} pages, {pdf['pages'] / pdf['median']:.1f} pages/s, "
                     f"HTML {pdf['html_bytes'] / 1024:.0f} KiB, peak RSS {pdf['peak_rss_mb']:.0f} MB |")
    if "median" in export:
        lines.append(f"| XLSX export (secretariat) | {_s(export['median'])} | "
                     "openpyxl (write-only) writing raw SQL rows | "
                     f"{_s(export['baseline_median'])} | {_ratio(export['median'], export['baseline_median'])} | "
                     f"{export['bytes'] / 1024:.0f} KiB, peak RSS {export['peak_rss_mb']:.0f} MB |")
    for name, result in scenarios.items():
        if "error" in result:
            lines.append(f"| {name} | failed: {result['error']} | | | | |")
    runs: dict[tuple[str, int], dict[str, Any]] = {}
    if http:
        runs = merge_rounds(http["runs"])
        w = http.get("walk", {})
        if "median" in w:
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(w["statuses"].items()))
            lines.append(f"| supplier walk: {w['sections']} sections, GET + Save each | {_s(w['median'])} | "
                         f"as many trivial GETs | {_s(w['baseline_median'])} | "
                         f"{_ratio(w['median'], w['baseline_median'])} | statuses {statuses} |")
        rounds = max((run.get("round", 0) for run in http["runs"]), default=0) + 1
        lines += ["", f"HTTP under gunicorn (2 sync workers), locust in a separate process, section "
                  f"`{http['section']}`; each run {RUN_SECONDS:.0f} s after every user logged in. At {TARGET_USERS} "
                  f"users, {rounds} rounds of the three requests one after the other: each figure is the median "
                  "of the rounds, and the rate vs trivial the median of each round's own ratio.", "",
                  "| request | users | requests/s | p50 ms | p95 ms | p99 ms | failures | rate vs trivial |",
                  "|---|---|---|---|---|---|---|---|"]
        labels = {"trivial": "trivial `/healthz` (baseline)", "get": "section page GET", "post": "Save POST"}
        for users in CONCURRENCY:
            for task in ("trivial", "get", "post"):
                run = runs.get((task, users), {})
                if "rps" not in run:
                    lines.append(f"| {labels[task]} | {users} | failed: {run.get('error', '?')} | | | | | |")
                    continue
                share = run.get("share")
                lines.append(f"| {labels[task]} | {users} | {run['rps']:.0f} | {run['p50']:.0f} | {run['p95']:.0f} | "
                             f"{run['p99']:.0f} | {run['failures']} | {f'{share:.3f}x' if share else '-'} |")

    def get(task: str, key: str) -> float | None:
        return runs.get((task, TARGET_USERS), {}).get(key)

    get_share = get("get", "share")
    walk_median = (http or {}).get("walk", {}).get("median")
    peak = max((r.get("peak_rss_mb", 0) for r in (pdf, export)), default=0) or None
    agg_ratio = agg["median"] / agg["baseline_median"] if "median" in agg else None
    pdf_ratio = pdf["median"] / pdf["baseline_median"] if "median" in pdf else None

    def check(value: float | None, limit: float, *, at_least: bool = False) -> bool | None:
        if value is None:
            return None
        return value >= limit if at_least else value <= limit

    rows = [
        ("aggregation under 0.5 s", _s(agg.get("median")), check(agg.get("median"), TARGETS["aggregation_seconds"])),
        ("aggregation within 3x the raw GROUP BY", f"{agg_ratio:.0f}x" if agg_ratio else "-",
         check(agg_ratio, TARGETS["aggregation_ratio"])),
        ("summary PDF under 6 s", _s(pdf.get("median")), check(pdf.get("median"), TARGETS["pdf_seconds"])),
        ("summary PDF within 1.3x WeasyPrint alone", f"{pdf_ratio:.2f}x" if pdf_ratio else "-",
         check(pdf_ratio, TARGETS["pdf_ratio"])),
        ("section GET at least 1/4 of the trivial route's rate (8 users)",
         f"{get_share:.2f}" if get_share else "-", check(get_share, TARGETS["get_rate_share"], at_least=True)),
        ("section GET p95 under 50 ms (8 users)", f"{get('get', 'p95'):.0f} ms" if get("get", "p95") else "-",
         check(get("get", "p95"), TARGETS["get_p95_ms"])),
        ("Save POST p95 under 100 ms (8 users)", f"{get('post', 'p95'):.0f} ms" if get("post", "p95") else "-",
         check(get("post", "p95"), TARGETS["post_p95_ms"])),
        ("whole walk (GET + POST of every section) under 0.3 s", _s(walk_median),
         check(walk_median, TARGETS["walk_seconds"])),
        ("XLSX export under 5 s", _s(export.get("median")), check(export.get("median"), TARGETS["export_seconds"])),
        ("peak RSS of PDF and export under 400 MB", f"{peak:.0f} MB" if peak else "-",
         check(peak, TARGETS["peak_rss_mb"])),
        ("section page queries constant in questions and suppliers", "counted by tests/test_query_counts.py", None),
    ]
    lines += ["", "Targets (issue 6):", "", "| target | measured | result |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {_verdict(ok)} |" for name, value, ok in rows]
    lines += ["", "Where the time goes in the misses (profiles, and the fixes): `bench/results/profile.md`."]
    return "\n".join(lines) + "\n"


RUN_SECONDS = 8.0
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def update_readme(text: str) -> None:
    """Put the latest results between the README's bench markers (nothing happens without them)."""
    if not README.exists():
        return
    readme = README.read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        return
    body = text.split("\n", 2)[2].strip()  # without the "# Benchmark results" heading
    body = body.replace("\nTargets (issue 6):", "\n**Targets (issue 6)**:")
    before, rest = readme.split(START, 1)
    _old, after = rest.split(END, 1)
    README.write_text(f"{before}{START}\n{body}\n{END}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    global RUN_SECONDS
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"),
                        help="database URL or SQLite file (default: $DATABASE_URL, else bench/data/bench.sqlite3)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per scenario (the median is reported)")
    parser.add_argument("--pdf-repeat", type=int, default=3, help="runs of the (slow) PDF scenario")
    parser.add_argument("--http-seconds", type=float, default=RUN_SECONDS, help="measured seconds per HTTP run")
    parser.add_argument("--only", nargs="*", default=None,
                        help="scenarios to run: aggregation pdf export http (default: all)")
    parser.add_argument("--output", default=str(BENCH_DIR / "results" / "latest.md"))
    args = parser.parse_args(argv)
    RUN_SECONDS = args.http_seconds
    only = set(args.only or ("aggregation", "pdf", "export", "http"))
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    url = database_url(args.database)
    data_dir = BENCH_DIR / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log(f"generating {args.suppliers} suppliers x {args.questions} questions")
    made = generate(url, suppliers=args.suppliers, questions=args.questions,
                    drafts=min(args.suppliers, max(CONCURRENCY) + 1))
    log(f"generated {made.answers} answers in {made.seconds:.1f} s")
    scenarios: dict[str, dict[str, Any]] = {}
    for name in ("aggregation", "export", "pdf"):
        if name in only:
            log(f"{name}")
            scenarios[name] = run_scenario(name, made, args.pdf_repeat if name == "pdf" else args.repeat)
    http = run_http(made, data_dir, args.http_seconds, args.repeat) if "http" in only else None
    info = machine()
    info["postgresql"] = postgres_version(url) or ""
    info["load"] = f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"
    text = report(made, scenarios, http, info, time.perf_counter() - started)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    (output.with_suffix(".json")).write_text(json.dumps(
        {"generated": made.__dict__, "scenarios": scenarios, "http": http, "machine": info}, indent=1, default=str))
    if Path(args.output).resolve() == (BENCH_DIR / "results" / "latest.md").resolve():
        update_readme(text)
    print(text)
    log(f"done in {time.perf_counter() - started:.0f} s -> {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
