"""The targets of issue #16, checked against one result of benchmarks/run.py.

    .venv/bin/python benchmarks/targets.py var/bench/<file>.json [--before <file>.json] [--write-doc]

Prints one line per target: ``PASS`` / ``FAIL`` / ``non mesuré`` / ``INFO`` (reported, no
threshold) / ``sans objet`` (the target is for another database), the target, its floor, the
measured value and the ratio. A key missing from the result is « non mesuré », never a pass.
``--write-doc`` writes the table « cible | plancher | avant | après | ratio | verdict » of this
(size, database) into docs/performance.md between ``<!-- targets:<size>:<db> -->`` markers, with
the load average of the run. run.py calls :func:`print_verdicts` at its end.

The keys read (nested dicts of the result): ``pages.<page>.cpu_ms`` / ``cpu_ratio`` / ``rps_50`` /
``p95_50_ms``, ``pages.trivial.cpu_ms``, ``pages.static.p95_50_ms`` (benchmarks/pages.py);
``bpf.page_cpu_ms``, ``bpf.json_cpu_ms``, ``bpf.drill_cpu_ms`` (cold) and their ``_warm_`` twins; ``pdf.invoice_ms``,
``pdf.floor_ms``, ``pdf.invoice_ratio``, ``pdf.sheet_page_ms``, ``pdf.sheet_page_ratio``,
``pdf.rss_mb``; ``import.interchange_rows_s``, ``import.csv_rows_s``, ``import.xlsx_rows_s``,
``import.peak_mb``; ``statements.ms``, ``statements.floor_ms``, ``statements.ratio``.

The throughput target (≥ 2.5 × today's at 50 clients, same wrk settings) compares with
:data:`BASELINE_RPS_50`: the figures of docs/performance.md on the day issue #16 was opened, and,
for the pages those sections did not measure, the « before » run of issue #16 (named there).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BASELINES = Path(__file__).resolve().parent / "baselines"

PAGE_NAMES = {
    "action_list": "liste des actions (Région)",
    "action_list_of": "liste des actions (OF)",
    "followup": "suivi des réalisations",
    "grid_month": "grille du mois",
    "region_invoices": "factures de la Région (à valider)",
    "region_invoices_all": "factures de la Région (toutes)",
    "trainee_list": "liste des stagiaires",
    "validations": "onglet Validation",
    "closure": "page de fermeture",
}

# Throughput at 50 clients (pages/s) before issue #16, same wrk settings (one connection per
# request, gunicorn gthread 4 × 4). "doc": docs/performance.md as it stood (PostgreSQL: section
# « of:postgres:machine calme, après correctifs », commit d14dbe8; SQLite: « of:sqlite:wrk »,
# commit 363c719); the other pages: the « before » run of issue #16 (benchmarks/baselines/).
BASELINE_RPS_50 = {
    "of:postgres": {
        "action_list": 28.8,
        "followup": 31.1,
        "grid_month": 33.4,
        "region_invoices": 33.8,
        "region_invoices_all": 27.9,
    },
    "of:sqlite": {
        "action_list": 21.7,
        "followup": 20.5,
        "grid_month": 18.4,
        "region_invoices": 24.5,
        "region_invoices_all": 25.1,
    },
}


@dataclass(frozen=True)
class Target:
    """One line. ``kind``: ``max`` (value ≤ limit), ``min`` (value ≥ limit), ``gain`` (value ≥
    limit × baseline), ``info`` (reported only). ``value`` is the dotted key the verdict reads;
    ``shown`` the measured figure printed beside it (default: ``value``); ``floor`` the floor's key."""

    label: str
    kind: str
    value: str
    limit: float | None = None
    floor: str | None = None
    shown: str | None = None
    unit: str = ""
    dbs: tuple[str, ...] = ("postgres", "sqlite")
    baseline_page: str | None = None
    # the « before » column read from the same run (the cold figure beside a warm one, ADR 0025)
    same_run_before: str | None = None


def target_list() -> list[Target]:
    out = []
    for page, name in PAGE_NAMES.items():
        out.append(
            Target(
                f"CPU serveur par requête, {name} ≤ 2 × page triviale",
                "max",
                f"pages.{page}.cpu_ratio",
                2.0,
                floor="pages.trivial.cpu_ms",
                shown=f"pages.{page}.cpu_ms",
                unit="ms",
            )
        )
    out += [
        Target(
            "BPF calculé (OF 5 000 stagiaires), CPU ≤ 100 ms, à froid (1re requête après une écriture)",
            "max",
            "bpf.page_cpu_ms",
            100,
            unit="ms",
        ),
        Target(
            "BPF calculé, CPU ≤ 100 ms, cache chaud (ADR 0025 ; avant : à froid, même relevé)",
            "max",
            "bpf.page_warm_cpu_ms",
            100,
            unit="ms",
            same_run_before="bpf.page_cpu_ms",
        ),
        Target("BPF export JSON, CPU ≤ 100 ms, à froid", "max", "bpf.json_cpu_ms", 100, unit="ms"),
        Target(
            "BPF export JSON, CPU ≤ 100 ms, cache chaud",
            "max",
            "bpf.json_warm_cpu_ms",
            100,
            unit="ms",
            same_run_before="bpf.json_cpu_ms",
        ),
        Target("BPF détail d'une case, CPU ≤ 50 ms, à froid", "max", "bpf.drill_cpu_ms", 50, unit="ms"),
        Target(
            "BPF détail d'une case, CPU ≤ 50 ms, cache chaud",
            "max",
            "bpf.drill_warm_cpu_ms",
            50,
            unit="ms",
            same_run_before="bpf.drill_cpu_ms",
        ),
        Target(
            "relevés de la Région ≤ 1,5 × plancher SQL",
            "max",
            "statements.ratio",
            1.5,
            floor="statements.floor_ms",
            shown="statements.ms",
            unit="ms",
        ),
        Target(
            "facture Factur-X ≤ 3 × PDF d'une page",
            "max",
            "pdf.invoice_ratio",
            3.0,
            floor="pdf.floor_ms",
            shown="pdf.invoice_ms",
            unit="ms",
        ),
        Target(
            "feuille d'émargement par page ≤ 2 × PDF d'une page",
            "max",
            "pdf.sheet_page_ratio",
            2.0,
            floor="pdf.floor_ms",
            shown="pdf.sheet_page_ms",
            unit="ms",
        ),
        Target("mémoire par processus PDF", "info", "pdf.rss_mb", unit="Mio"),
        Target(
            "import, document d'échange ≥ 100 000 lignes/s",
            "min",
            "import.interchange_rows_s",
            100_000,
            unit="lignes/s",
            dbs=("postgres",),
        ),
        Target("import CSV ≥ 50 000 lignes/s", "min", "import.csv_rows_s", 50_000, unit="lignes/s"),
        Target("import XLSX ≥ 50 000 lignes/s", "min", "import.xlsx_rows_s", 50_000, unit="lignes/s"),
        Target("import, pic de mémoire", "info", "import.peak_mb", unit="Mio"),
    ]
    for page, name in PAGE_NAMES.items():
        out.append(
            Target(
                f"débit à 50 clients, {name} ≥ 2,5 × avant",
                "gain",
                f"pages.{page}.rps_50",
                2.5,
                unit="pages/s",
                baseline_page=page,
            )
        )
    out.append(
        Target("p95 à 50 clients, fichier statique (plancher)", "info", "pages.static.p95_50_ms", unit="ms")
    )
    return out


def lookup(result: dict, dotted: str | None):
    """The value at ``a.b.c`` of nested dicts, or None."""
    if not dotted:
        return None
    node = result
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def baseline_rps(key: str, page: str, before: dict | None) -> float | None:
    """Throughput before issue #16: docs/performance.md's figure, else the « before » run's."""
    known = BASELINE_RPS_50.get(key, {}).get(page)
    if known is not None:
        return known
    return lookup(before or {}, f"pages.{page}.rps_50")


@dataclass(frozen=True)
class Verdict:
    target: Target
    verdict: str  # PASS, FAIL, non mesuré, INFO, sans objet
    floor: float | None
    measured: float | None
    ratio: float | None
    before: float | None = None


def judge(target: Target, result: dict, *, before: dict | None = None, db: str | None = None) -> Verdict:
    """The verdict of one target on one result (pure)."""
    db = db or result.get("db")
    key = f"{result.get('size')}:{db}"
    value = lookup(result, target.value)
    shown = lookup(result, target.shown or target.value)
    floor = lookup(result, target.floor)
    previous = lookup(before or {}, target.shown or target.value)
    if target.same_run_before:
        previous = lookup(result, target.same_run_before)
    if db not in target.dbs:
        return Verdict(target, "sans objet", floor, shown, None, previous)
    if target.kind == "gain":
        base = baseline_rps(key, target.baseline_page, before)
        floor, previous = base, base
        if value is None or base is None or base <= 0:
            return Verdict(target, "non mesuré", base, value, None, previous)
        ratio = value / base
        return Verdict(target, "PASS" if ratio >= target.limit else "FAIL", base, value, ratio, previous)
    if value is None:
        return Verdict(target, "non mesuré", floor, shown, None, previous)
    if target.kind == "info":
        return Verdict(target, "INFO", floor, value, None, previous)
    if target.kind == "max":
        # a ratio target reads the ratio; an absolute one is shown as value / limit
        ratio = value if target.floor or target.shown else value / target.limit
        ok = value <= target.limit
    elif target.kind == "min":
        ratio = value / target.limit
        ok = value >= target.limit
    else:
        raise ValueError(target.kind)
    return Verdict(target, "PASS" if ok else "FAIL", floor, shown, ratio, previous)


def _num(value, unit: str = "", *, french: bool = False) -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    text = text.replace(",", "\u202f")
    if french:
        text = text.replace(".", ",")
    return f"{text} {unit}".strip()


def format_line(v: Verdict) -> str:
    unit = v.target.unit
    return (
        f"{v.verdict:<10} | {v.target.label} | plancher {_num(v.floor, unit)} | "
        f"mesuré {_num(v.measured, unit)} | rapport {_num(v.ratio)}"
    )


def verdicts(result: dict, before: dict | None = None) -> list[Verdict]:
    return [judge(t, result, before=before) for t in target_list()]


def load_before(result: dict) -> dict | None:
    """The « before » run of issue #16 for this (size, db), if recorded under benchmarks/baselines/."""
    path = BASELINES / f"{result.get('size')}-{result.get('db')}.json"
    return json.loads(path.read_text()) if path.exists() else None


def doc_table(result: dict, found: list[Verdict], json_path: Path | None) -> str:
    where = f" ; fichier `{json_path.name}`" if json_path else ""
    lines = [
        f"Relevé du {str(result.get('started', ''))[:16].replace('T', ' à ')} UTC (commit {result.get('git')}), "
        f"charge {result.get('load_at_start')} au début, {result.get('load_at_end')} à la fin{where}. "
        "« avant » : le relevé d'avant l'issue #16 (`benchmarks/baselines/`) ou, pour le débit, "
        "docs/performance.md ce jour-là.",
        "",
        "| cible | plancher | avant | après | ratio | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for v in found:
        u = v.target.unit
        lines.append(
            f"| {v.target.label} | {_num(v.floor, u, french=True)} | {_num(v.before, u, french=True)} | "
            f"{_num(v.measured, u, french=True)} | {_num(v.ratio, french=True)} | {v.verdict} |"
        )
    return "\n".join(lines) + "\n"


def write_targets_doc(result: dict, found: list[Verdict], json_path: Path | None, doc: Path = DOC) -> None:
    key = f"{result.get('size')}:{result.get('db')}"
    begin, end = f"<!-- targets:{key} -->", f"<!-- /targets:{key} -->"
    text = doc.read_text(encoding="utf-8")
    block = f"{begin}\n{doc_table(result, found, json_path)}{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        marker = "<!-- targets:end -->"
        text = text.replace(marker, block + "\n\n" + marker) if marker in text else text + "\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def print_verdicts(
    result: dict, json_path: Path | None = None, *, before=None, write_doc: bool = False
) -> int:
    """Print one line per target; returns the number of FAIL lines."""
    before = before if before is not None else load_before(result)
    found = verdicts(result, before)
    print(
        f"Cibles de l'issue #16 — {result.get('size')}, {result.get('db')}, charge {result.get('load_at_end')}"
    )
    for v in found:
        print(format_line(v))
    if write_doc:
        write_targets_doc(result, found, json_path)
    return sum(v.verdict == "FAIL" for v in found)


def baseline_extract(result: dict, source: str) -> dict:
    """What benchmarks/baselines/<size>-<db>.json keeps of a « before » run: the keys the targets
    read (``pages``, ``statements``, ``bpf``, ``pdf``, ``import`` as they were), and where from."""
    keep = {
        k: result.get(k) for k in ("size", "db", "git", "label", "started", "load_at_start", "load_at_end")
    }
    keep["source"] = source
    for section in ("pages", "statements", "bpf", "pdf", "import"):
        if isinstance(result.get(section), dict):
            keep[section] = result[section]
    return keep


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/targets.py")
    parser.add_argument("result", help="JSON écrit par benchmarks/run.py")
    parser.add_argument("--before", help="JSON du relevé « avant » (défaut : benchmarks/baselines/)")
    parser.add_argument("--write-doc", action="store_true", help="écrire le tableau dans docs/performance.md")
    parser.add_argument(
        "--save-baseline",
        action="store_true",
        help="garder ce relevé comme « avant » (benchmarks/baselines/)",
    )
    args = parser.parse_args(argv)
    path = Path(args.result)
    result = json.loads(path.read_text())
    if args.save_baseline:
        BASELINES.mkdir(exist_ok=True)
        out = BASELINES / f"{result.get('size')}-{result.get('db')}.json"
        out.write_text(json.dumps(baseline_extract(result, path.name), indent=1, ensure_ascii=False) + "\n")
        print(f"relevé « avant » gardé : {out}")
        return 0
    before = json.loads(Path(args.before).read_text()) if args.before else None
    print_verdicts(result, path, before=before, write_doc=args.write_doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
