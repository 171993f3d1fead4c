"""The verdict logic of benchmarks/targets.py (issue #16) and the pages.* keys of
benchmarks/pages.py: pure functions on result dicts, no database."""

from __future__ import annotations

from benchmarks.pages import pages_summary
from benchmarks.targets import (
    Target,
    doc_table,
    format_line,
    judge,
    print_verdicts,
    target_list,
    verdicts,
    write_targets_doc,
)

RATIO = Target(
    "CPU, liste", "max", "pages.x.cpu_ratio", 2.0, floor="pages.trivial.cpu_ms", shown="pages.x.cpu_ms"
)
ABSOLUTE = Target("BPF ≤ 100 ms", "max", "bpf.page_cpu_ms", 100, unit="ms")
MINIMUM = Target("import", "min", "import.interchange_rows_s", 100_000, dbs=("postgres",))
GAIN = Target("débit", "gain", "pages.action_list.rps_50", 2.5, baseline_page="action_list")


def result(**parts) -> dict:
    return {"size": "of", "db": "postgres", **parts}


def test_a_ratio_at_the_limit_passes_and_above_fails():
    ok = judge(RATIO, result(pages={"x": {"cpu_ratio": 2.0, "cpu_ms": 20.0}, "trivial": {"cpu_ms": 10.0}}))
    assert (ok.verdict, ok.floor, ok.measured, ok.ratio) == ("PASS", 10.0, 20.0, 2.0)
    bad = judge(RATIO, result(pages={"x": {"cpu_ratio": 2.01, "cpu_ms": 20.1}, "trivial": {"cpu_ms": 10.0}}))
    assert bad.verdict == "FAIL"


def test_a_missing_key_is_not_measured_never_a_pass():
    for target in (RATIO, ABSOLUTE, MINIMUM, GAIN):
        assert judge(target, result()).verdict == "non mesuré", target.label
    # a key present but not a number (None, a string) is not a measure either
    assert judge(ABSOLUTE, result(bpf={"page_cpu_ms": None})).verdict == "non mesuré"
    assert judge(ABSOLUTE, result(bpf={"page_cpu_ms": "80"})).verdict == "non mesuré"


def test_absolute_and_minimum_targets():
    fast = judge(ABSOLUTE, result(bpf={"page_cpu_ms": 80.0}))
    assert (fast.verdict, fast.ratio) == ("PASS", 0.8)
    assert judge(ABSOLUTE, result(bpf={"page_cpu_ms": 100.5})).verdict == "FAIL"
    assert judge(MINIMUM, result(**{"import": {"interchange_rows_s": 120_000}})).verdict == "PASS"
    assert judge(MINIMUM, result(**{"import": {"interchange_rows_s": 99_999}})).verdict == "FAIL"


def test_a_target_of_another_database_is_out_of_scope():
    v = judge(MINIMUM, {"size": "of", "db": "sqlite", "import": {"interchange_rows_s": 10}})
    assert v.verdict == "sans objet"


def test_throughput_gain_against_the_documented_baseline():
    # docs/performance.md, of:postgres: 28.8 pages/s for the Région's action list
    v = judge(GAIN, result(pages={"action_list": {"rps_50": 72.0}}))
    assert (v.verdict, v.floor) == ("PASS", 28.8)
    assert round(v.ratio, 2) == 2.5
    assert judge(GAIN, result(pages={"action_list": {"rps_50": 71.9}})).verdict == "FAIL"


def test_throughput_gain_against_the_before_run_when_the_doc_has_none():
    target = Target("débit", "gain", "pages.closure.rps_50", 2.5, baseline_page="closure")
    before = {"pages": {"closure": {"rps_50": 10.0}}}
    assert judge(target, result(pages={"closure": {"rps_50": 30.0}}), before=before).verdict == "PASS"
    assert judge(target, result(pages={"closure": {"rps_50": 30.0}})).verdict == "non mesuré"


def test_every_target_prints_one_line_with_its_columns(capsys):
    r = result(pages={"trivial": {"cpu_ms": 12.0}, "followup": {"cpu_ms": 30.0, "cpu_ratio": 2.5}})
    fails = print_verdicts(r, before={})
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 + len(target_list())
    followup = next(line for line in lines if "suivi des réalisations ≤ 2" in line)
    assert followup.startswith("FAIL")
    assert "plancher 12.0 ms" in followup and "mesuré 30.0 ms" in followup and "rapport 2.50" in followup
    assert fails == 1
    assert sum(line.startswith("PASS") for line in lines) == 0


def test_the_doc_table_is_written_between_its_markers(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Perf\n\n<!-- targets:end -->\n", encoding="utf-8")
    r = result(started="2026-12-03T17:00:00", git="abc", load_at_start="1 2 3", load_at_end="4 5 6")
    found = verdicts(r, before={})
    write_targets_doc(r, found, None, doc=doc)
    write_targets_doc(r, found, None, doc=doc)  # replaced, not added twice
    text = doc.read_text(encoding="utf-8")
    assert text.count("<!-- targets:of:postgres -->") == 1
    assert "| cible | plancher | avant | après | ratio | verdict |" in text
    assert "charge 1 2 3 au début, 4 5 6 à la fin" in text
    assert doc_table(r, found, None) in text
    assert format_line(found[0]).startswith("non mesuré")


def test_pages_summary_takes_the_server_cpu_and_the_50_client_run():
    r = {
        "queries": {
            "bpf_index": {"queries": 4, "in_process_cpu_ms": 5.0},
            "followup": {"queries": 7, "in_process_cpu_ms": 20.0},
            "closure": {"queries": 9, "in_process_cpu_ms": 12.0},
        },
        "load": {
            "runs": [
                {"page": "static", "clients": 50, "p95_ms": 80.0, "throughput_rps": 900.0},
                {"page": "bpf_index", "clients": 10, "cpu_ms_per_request": 16.0, "throughput_rps": 100.0},
                {"page": "bpf_index", "clients": 50, "cpu_ms_per_request": 15.0, "throughput_rps": 120.0},
                {"page": "followup", "clients": 10, "cpu_ms_per_request": 40.0, "throughput_rps": 30.0},
                {
                    "page": "followup",
                    "clients": 50,
                    "cpu_ms_per_request": 45.0,
                    "throughput_rps": 33.0,
                    "p95_ms": 2000.0,
                },
            ]
        },
    }
    pages = pages_summary(r)
    assert pages["trivial"]["cpu_ms"] == 15.0
    assert pages["followup"]["cpu_ms"] == 40.0
    assert pages["followup"]["cpu_ratio"] == round(40 / 15, 2)
    assert (pages["followup"]["rps_50"], pages["followup"]["p95_50_ms"]) == (33.0, 2000.0)
    assert pages["static"]["p95_50_ms"] == 80.0
    # not under load: its in-process CPU, which is not divided by the trivial page's server CPU
    assert pages["closure"]["cpu_source"] == "in_process"
    assert "cpu_ratio" not in pages["closure"]


def test_a_baseline_keeps_the_sections_the_targets_read():
    from benchmarks.targets import baseline_extract

    r = result(pages={"x": {"rps_50": 3.0}}, queries={"x": {}}, load={"runs": []}, bpf={"page_cpu_ms": 1.0})
    kept = baseline_extract(r, "of-postgres-1.json")
    assert kept["pages"] == {"x": {"rps_50": 3.0}} and kept["bpf"] == {"page_cpu_ms": 1.0}
    assert "load" not in kept and "queries" not in kept and kept["source"] == "of-postgres-1.json"


def test_a_warm_target_is_judged_on_the_warm_figure_with_the_cold_one_as_before():
    warm = Target(
        "BPF chaud", "max", "bpf.page_warm_cpu_ms", 100, unit="ms", same_run_before="bpf.page_cpu_ms"
    )
    got = judge(warm, result(bpf={"page_cpu_ms": 160.0, "page_warm_cpu_ms": 14.0}))
    assert (got.verdict, got.measured, got.before) == ("PASS", 14.0, 160.0)
    assert judge(warm, result(bpf={"page_cpu_ms": 160.0})).verdict == "non mesuré"
    labels = [t.label for t in target_list() if t.value.startswith("bpf.")]
    assert any("à froid" in label for label in labels) and any("cache chaud" in label for label in labels)
