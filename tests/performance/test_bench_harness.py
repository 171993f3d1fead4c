"""The benchmark harness's pure parts (benchmarks/, issue #8): wrk's output turned into the
result dict of the Python load tool, the length of a run, and the French summary naming the tool
that measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.report import section
from benchmarks.wrk_load import parse_wrk_output, wrk_command

WRK_STDOUT = """Running 8s test @ http://127.0.0.1:40123/actions/
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.33ms  120.50ms   1.20s    70.00%
  190 requests in 8.01s, 3.80MB read
Requests/sec:     23.72
Transfer/sec:    485.86KB
FORMARCHE_WRK {"duration_us":8010000,"requests":190,"bytes":3984500,"latency_us":{"min":95000,\
"mean":412330,"max":1200400,"percentiles":{"50":398000,"90":560000,"95":640250,"99":910000}},\
"errors":{"connect":0,"read":1,"write":0,"status":2,"timeout":0},"statuses":{"302":3,"200":185,"500":2}}
"""


def test_wrk_output_becomes_the_result_dict():
    r = parse_wrk_output(WRK_STDOUT, path="/actions/", clients=10)
    assert r == {
        "tool": "wrk",
        "path": "/actions/",
        "clients": 10,
        "requests": 190,
        "seconds": 8.01,
        "throughput_rps": 23.7,
        "p50_ms": 398.0,
        "p95_ms": 640.2,
        "p99_ms": 910.0,
        "mean_ms": 412.3,
        "max_ms": 1200.4,
        # HTTP statuses sorted, then the socket errors: a redirect (login) or an error page is
        # never counted as a served page
        "statuses": {"200": 185, "302": 3, "500": 2, "error": 1},
        "errors": {"connect": 0, "read": 1, "write": 0, "status": 2, "timeout": 0},
        "bytes_received": 3984500,
    }


def test_wrk_run_without_any_answer_has_no_percentiles():
    stdout = (
        'FORMARCHE_WRK {"duration_us":10000000,"requests":0,"bytes":0,"latency_us":{"min":0,"mean":0,'
        '"max":0,"percentiles":{"50":0,"90":0,"95":0,"99":0}},"errors":{"connect":0,"read":0,'
        '"write":0,"status":0,"timeout":50},"statuses":{}}'
    )
    r = parse_wrk_output(stdout, path="/bpf/1/", clients=50)
    assert r["requests"] == 0 and r["throughput_rps"] == 0.0
    assert r["p50_ms"] is None and r["p95_ms"] is None
    assert r["statuses"] == {"timeout": 50}


def test_wrk_output_without_the_script_line_is_refused():
    with pytest.raises(ValueError, match="FORMARCHE_WRK"):
        parse_wrk_output("Running 8s test @ http://127.0.0.1:1/\n", path="/", clients=1)


def test_wrk_command_never_carries_the_cookie_and_waits_for_slow_pages():
    cmd = wrk_command("http://127.0.0.1:1/x", clients=10, duration=7.2, threads=4)
    assert cmd[cmd.index("--duration") + 1] == "8s"
    assert cmd[cmd.index("--threads") + 1] == "4"
    assert cmd[cmd.index("--timeout") + 1] == "120s"  # wrk's default (2 s) would drop slow pages
    assert not any("sessionid" in part for part in cmd)
    one = wrk_command("http://127.0.0.1:1/x", clients=1, duration=1, threads=4)
    assert one[one.index("--threads") + 1] == "1"  # never more threads than connections


def _result(tool: str) -> dict:
    run = {
        "page": "action_list",
        "clients": 10,
        "seconds": 8.0,
        "p50_ms": 398.0,
        "p95_ms": 640.2,
        "throughput_rps": 23.7,
        "statuses": {"warmup_200": 2, "200": 190},
        "load": "6.10 5.00 4.00",
        "cpu_ms_per_request": 61.5,
        "client_cpu_s": 0.1,
    }
    static = {**run, "page": "static", "p95_ms": 10.0, "cpu_ms_per_request": 0.4}
    return {
        "size": "of",
        "db": "postgres",
        "label": "",
        "started": "2026-11-23T02:30:00",
        "git": "abc1234",
        "load_at_start": "5.00 4.00 3.00",
        "load_at_end": "7.00 5.00 4.00",
        "dataset": {"ofs": 1, "actions": 300, "trainees": 5000, "attendance_rows": 500000, "invoices": 3000},
        "statements": {
            "month": "2023-11-01",
            "actions": 300,
            "queries": 3,
            "seconds": 0.3,
            "floor_sql_s": 0.1,
            "ratio": 3.0,
            "load": "5.00 4.00 3.00",
            "frozen_month": "2023-10-01",
            "frozen_s": 0.01,
            "frozen_count": 300,
        },
        "bpf": {
            "organisation": "BENCH000",
            "trainees": "5000",
            "hours": "1.00",
            "seconds": 0.3,
            "floor_sql_s": 0.1,
            "ratio": 3.0,
            "load": "5.00 4.00 3.00",
        },
        "queries": {"action_list": {"queries": 8, "in_process_ms": 40.0, "bytes": 20480}},
        "load": {
            "tool": tool,
            "wrk_threads": 1 if tool == "wrk" else None,
            "server": "gunicorn gthread 4 workers × 4 threads",
            "duration_s": 8,
            "runs": [static, run],
            "worker_peak_rss_mb": [120],
        },
        "peak_rss_mb": 200,
    }


@pytest.mark.parametrize(("tool", "named"), [("wrk", "`wrk` (C, 1 fil"), ("python", "`benchmarks/load.py`")])
def test_summary_says_which_tool_measured(tool, named):
    text = section(_result(tool), Path("/tmp/x.json"))
    assert f"outil {named}" in text
    assert (
        "| liste des actions (Région) | 10 | 8 s | 398 ms | 640 ms | 23,7 req/s | 64,0 | 61,5 ms | 0,1 s |"
        in text
    )
    assert "de 5,0 à 7,0" in text  # the load seen during the run, said plainly
