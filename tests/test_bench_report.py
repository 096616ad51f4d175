"""The benchmark report's HTTP figures: medians over interleaved rounds, ratios within a round."""

from __future__ import annotations

from bench.__main__ import merge_rounds


def _run(task: str, round_: int, rps: float, p95: float, users: int = 8) -> dict:
    return {"task": task, "users": users, "round": round_, "rps": rps, "p50": p95 / 2, "p95": p95, "p99": p95 * 1.2,
            "requests": int(rps * 8), "failures": 0}


def test_each_figure_is_the_median_of_the_rounds_and_the_share_is_taken_within_each_round():
    runs = [
        # Round 1: the machine is busy, everything is slow; round 2 fast; round 3 in between.
        _run("trivial", 0, 800, 12), _run("get", 0, 200, 60),
        _run("trivial", 1, 1600, 6), _run("get", 1, 320, 40),
        _run("trivial", 2, 1200, 9), _run("get", 2, 270, 50),
        _run("trivial", 0, 700, 2, users=1), _run("get", 0, 90, 15, users=1),
    ]
    merged = merge_rounds(runs)
    get = merged[("get", 8)]
    assert (get["rps"], get["p95"], get["rounds"]) == (270, 50, 3)
    # Per round 0.25, 0.2, 0.225: the median is 0.225, not 270 / 1200.
    assert abs(get["share"] - 0.225) < 1e-9
    assert merged[("trivial", 8)]["share"] == 1.0
    assert abs(merged[("get", 1)]["share"] - 90 / 700) < 1e-9


def test_a_failed_run_is_reported_as_such():
    merged = merge_rounds([{"task": "get", "users": 32, "round": 0, "error": "locust wrote no records"}])
    assert merged[("get", 32)]["error"] == "locust wrote no records"
