"""Locust users for the HTTP scenarios; the task is chosen by BENCH_TASK (trivial, get or post).

Each user logs in once as its own supplier (BENCH_EMAILS), then repeats one request with no wait.
Only requests that start after every user has logged in are recorded (to BENCH_OUT, as JSON), so the
log-ins (argon2 hashing) never count towards a figure.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from urllib.parse import urlencode

from locust import FastHttpUser, constant, events, task

from bench.htmlform import field, form_fields

TASK = os.environ.get("BENCH_TASK", "trivial")
EMAILS = [e for e in os.environ.get("BENCH_EMAILS", "").split(",") if e]
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
SECTION_URL = os.environ.get("BENCH_SECTION_URL", "/healthz")
TRIVIAL_URL = os.environ.get("BENCH_TRIVIAL_URL", "/healthz")
USERS = int(os.environ.get("BENCH_USERS", "1"))
OUT = os.environ.get("BENCH_OUT", "")

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_numbers = itertools.count()
_state: dict[str, float] = {"ready": 0, "t0": 0.0}
_records: list[tuple[str, float, float, bool]] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kwargs):
    if name not in ("trivial", "get", "post") or not _state["t0"]:
        return
    end = time.time()
    start = end - response_time / 1000
    if start >= _state["t0"]:
        _records.append((name, start, response_time, exception is None))


@events.quitting.add_listener
def _write(**_kwargs):
    if OUT:
        with open(OUT, "w", encoding="utf-8") as handle:
            json.dump({"t0": _state["t0"], "end": time.time(), "users_ready": _state["ready"],
                       "records": _records}, handle)


class Supplier(FastHttpUser):
    """A supplier with an open draft response."""

    wait_time = constant(0)

    def on_start(self) -> None:
        """Log in through the form (CSRF token scraped), then fetch the section form once."""
        number = next(_numbers)
        if TASK != "trivial":
            email = EMAILS[number % len(EMAILS)]
            page = self.client.get("/login", name="login form")
            token = field(form_fields(page.text, "login"), "csrf_token") or ""
            body = urlencode({"csrf_token": token, "email": email, "password": PASSWORD, "next": ""})
            self.client.post("/login", data=body, headers=FORM, name="login", allow_redirects=False)
            self.fields: list[tuple[str, str]] = []
            self.refresh()
        _state["ready"] += 1
        if _state["ready"] >= USERS and not _state["t0"]:
            _state["t0"] = time.time()

    def refresh(self) -> None:
        """Read the section's form as the browser would post it back."""
        page = self.client.get(SECTION_URL, name="section form")
        self.fields = [kv for kv in form_fields(page.text, "answer-form") if kv[0] != "action"]

    @task
    def request_under_test(self) -> None:
        """The request under test."""
        if not _state["t0"]:
            time.sleep(0.01)
            return
        if TASK == "trivial":
            self.client.get(TRIVIAL_URL, name="trivial")
        elif TASK == "get":
            with self.client.get(SECTION_URL, name="get", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
        else:
            body = urlencode([*self.fields, ("action", "save")])
            with self.client.post(SECTION_URL, data=body, headers=FORM, name="post",
                                  allow_redirects=False, catch_response=True) as response:
                ok = response.status_code == 302
                if not ok:
                    response.failure(f"status {response.status_code}")
            if ok:
                # The save advanced the response's version by one: post the next one on top of it.
                self.fields = [(k, str(int(v) + 1) if k == "based_on_version" else v) for k, v in self.fields]
            else:
                self.refresh()
