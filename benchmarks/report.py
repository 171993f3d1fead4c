"""The French summary of one run, written into docs/performance.md between markers
``<!-- bench:<size>:<db> -->`` … ``<!-- /bench:<size>:<db> -->`` (the rest of the file is prose
kept by hand). A run replaces only its own (size, db) section."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"

PAGES = {
    "static": "fichier statique (plancher)",
    "action_list": "liste des actions (Région)",
    "followup": "suivi des réalisations (une action)",
    "grid_month": "grille du mois (une action)",
    "region_invoices": "factures de la Région (à valider)",
    "region_invoices_all": "factures de la Région (toutes)",
    "bpf_index": "BPF : liste des exercices",
    "bpf_report": "BPF : état calculé de l'exercice",
}
SIZE_NAMES = {"of": "OF", "region": "Région", "small": "petite (1/20 de la Région)"}
DB_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def fr(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def section(r: dict, json_path: Path) -> str:
    d = r["dataset"]
    lines = [
        f"### Taille {SIZE_NAMES.get(r['size'], r['size'])}, {DB_NAMES[r['db']]}"
        + (f" — {r['label']}" if r.get("label") else ""),
        "",
        f"Relevé du {r['started'][:16].replace('T', ' à ')} UTC (commit {r['git']}), charge de la machine "
        f"{r['load_at_start']} au début, {r['load_at_end']} à la fin (2 cœurs partagés avec d'autres "
        f"travaux). Jeu : {fr(d['ofs'])} OF, {fr(d['actions'])} actions, {fr(d['trainees'])} stagiaires, "
        f"{fr(d['attendance_rows'])} lignes d'heures, {fr(d['invoices'])} factures. "
        f"Fichier : `{json_path.relative_to(DOC.parent.parent) if json_path.is_relative_to(DOC.parent.parent) else json_path}`.",
        "",
        "| mesure | valeur | plancher | rapport | charge |",
        "|---|---|---|---|---|",
    ]
    imp = r.get("import")
    if imp:
        lines.append(
            f"| import ({fr(imp['documents'])} document(s), {fr(imp['rows'])} lignes) | {fr(imp['import_s'], 1)} s, "
            f"{fr(imp['rows_per_s'])} lignes/s | lecture JSON du 1er document : {fr(imp['floor_parse_first_document_s'], 1)} s "
            f"(import de ce document : {fr(imp['first_document_s'], 1)} s) | {fr(imp['ratio'], 1)} | {imp['load']} |"
        )
    if imp and imp.get("note"):
        lines.append(f"| ↳ note | {imp['note']} | | | |")
    st = r["statements"]
    if "loop_s" in st:
        lines.append(
            f"| relevés de toutes les actions de la Région, mois {st['month'][:7]}, action par action "
            f"(`statement_preview`, {fr(st['loop_queries'])} requêtes) | {fr(st['loop_s'], 3)} s | "
            f"agrégat SQL des mêmes heures : {fr(st['floor_sql_s'], 3)} s | {fr(st['loop_ratio'], 1)} | {st['load']} |"
        )
    lines.append(
        (
            f"| mêmes relevés groupés (`billing.batch.month_statements`, {fr(st['actions'])} actions, "
            if "loop_s" in st
            else f"| relevés de toutes les actions de la Région, mois {st['month'][:7]}, action par action "
            f"(avant `billing.batch`, {fr(st['actions'])} actions, "
        )
        + f"{fr(st['queries'])} requêtes) | {fr(st['seconds'], 3)} s | agrégat SQL des mêmes heures : "
        f"{fr(st['floor_sql_s'], 3)} s | {fr(st['ratio'], 1)} | {st['load']} |"
    )
    lines.append(
        f"| relevés figés (mois validé {st['frozen_month'][:7]}, {fr(st['frozen_count'])} relevés lus) | "
        f"{fr(st['frozen_s'], 3)} s | — | — | {st['load']} |"
    )
    b = r["bpf"]
    lines.append(
        f"| BPF de l'OF {b['organisation']} ({b['trainees']} stagiaires, {b['hours']} h) | {fr(b['seconds'], 3)} s | "
        f"agrégat SQL de l'exercice : {fr(b['floor_sql_s'], 3)} s | {fr(b['ratio'], 1)} | {b['load']} |"
    )
    lines += ["", "Requêtes SQL par page (client de test, en processus) :", ""]
    lines += ["| page | requêtes | temps en processus | taille |", "|---|---|---|---|"]
    for key, q in r["queries"].items():
        lines.append(
            f"| {PAGES.get(key, key)} | {q['queries']} | {fr(q['in_process_ms'], 0)} ms | {fr(q['bytes'] // 1024)} Ko |"
        )
    load = r.get("load")
    if load:
        lines += [
            "",
            f"Pages sous charge ({load['server']}, {fr(load['duration_s'], 0)} s par palier, outil "
            "`benchmarks/load.py` sur 127.0.0.1) ; le rapport est p95 de la page / p95 du fichier statique "
            "au même palier :",
            "",
            "| page | clients | p50 | p95 | débit | rapport p95 | statuts | charge |",
            "|---|---|---|---|---|---|---|---|",
        ]
        floors = {run["clients"]: run["p95_ms"] for run in load["runs"] if run["page"] == "static"}
        for run in load["runs"]:
            floor = floors.get(run["clients"]) or 0
            ratio = run["p95_ms"] / floor if floor else None
            statuses = ", ".join(
                f"{k} : {v}" for k, v in run["statuses"].items() if not k.startswith("warmup")
            )
            lines.append(
                f"| {PAGES.get(run['page'], run['page'])} | {run['clients']} | {fr(run['p50_ms'], 0)} ms | "
                f"{fr(run['p95_ms'], 0)} ms | {fr(run['throughput_rps'], 1)} req/s | "
                f"{fr(ratio, 1) if run['page'] != 'static' else '—'} | {statuses} | {run['load']} |"
            )
        if load.get("not_under_load"):
            lines += [
                "",
                "Non mesurées sous charge (plus de 3 s par requête en processus, voir le tableau des requêtes) : "
                + ", ".join(PAGES.get(k, k) for k in load["not_under_load"])
                + ".",
            ]
        lines += [
            "",
            f"Mémoire : pic du processus de mesure {fr(r['peak_rss_mb'])} Mio ; pic par processus gunicorn : "
            + ", ".join(f"{fr(m)} Mio" for m in load["worker_peak_rss_mb"])
            + ".",
        ]
    else:
        lines += ["", f"Mémoire : pic du processus de mesure {fr(r['peak_rss_mb'])} Mio."]
    return "\n".join(lines) + "\n"


def update_performance_doc(result: dict, json_path: Path) -> None:
    key = f"{result['size']}:{result['db']}" + (f":{result['label']}" if result.get("label") else "")
    begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performances\n\n## Relevés\n\n"
    block = f"{begin}\n{section(result, json_path)}{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        marker = "<!-- bench:end -->"
        if marker in text:
            text = text.replace(marker, block + "\n\n" + marker)
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
