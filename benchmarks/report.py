"""The French summary of one run, written into docs/performance.md between markers
``<!-- bench:<size>:<db> -->`` … ``<!-- /bench:<size>:<db> -->`` (the rest of the file is prose
kept by hand). A run replaces only its own (size, db) section."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"

PAGES = {
    "static": "fichier statique (plancher)",
    "action_list": "liste des actions (Région)",
    "action_list_of": "liste des actions (OF)",
    "trainee_list": "liste des stagiaires (OF)",
    "validations": "onglet Validation (une action)",
    "closure": "page de fermeture (une action)",
    "followup": "suivi des réalisations (une action)",
    "grid_month": "grille du mois (une action)",
    "region_invoices": "factures de la Région (à valider)",
    "region_invoices_all": "factures de la Région (toutes)",
    "bpf_index": "BPF : liste des exercices",
    "bpf_report": "BPF : état calculé de l'exercice",
}
SIZE_NAMES = {"of": "OF", "region": "Région", "small": "petite (1/20 de la Région)"}
TOOLS = {
    "wrk": "`wrk` (C, {threads} fil, boucle d'événements, script `benchmarks/wrk_report.lua`, {connection})",
    "python": "`benchmarks/load.py` (Python, un fil par client, connexions gardées)",
}
PDF_KINDS = {
    "floor": "plancher : page HTML triviale d'une page (WeasyPrint)",
    "invoices": "factures Factur-X (`invoice_document` + `build_facturx_pdf`)",
    "sheets": "feuilles d'émargement du mois (`attendance_sheet_pdf`)",
}
DB_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def fr(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _loads(value) -> list[float]:
    """Every 1-minute load average recorded in a result (any ``load*`` field, at any depth)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("load") and isinstance(item, str):
                try:
                    found.append(float(item.split()[0]))
                except (ValueError, IndexError):
                    pass
            else:
                found += _loads(item)
    elif isinstance(value, list):
        for item in value:
            found += _loads(item)
    return found


def tool_label(load: dict) -> str:
    tool = load.get("tool", "python")
    connection = (
        "connexions gardées" if load.get("connection") == "keep-alive" else "une connexion par requête"
    )
    return TOOLS.get(tool, tool).format(threads=load.get("wrk_threads") or 1, connection=connection)


def pdf_lines(pdf: dict) -> list[str]:
    floor = pdf.get("floor") or {}
    lines = [
        f"PDF en masse ({fr(pdf['count'])} actions du premier OF ; un processus par sorte, le premier PDF "
        "de chaque processus compté à part : chargement des polices et des feuilles de style) ; le rapport "
        "est le temps par page / celui du plancher :",
        "",
        "| PDF | nombre | pages par PDF | par PDF (médiane, max) | PDF/s | par page | rapport | premier | "
        "CPU | pic mémoire (début → fin) | charge |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in ("floor", "invoices", "sheets"):
        x = pdf.get(kind)
        if not x:
            continue
        ratio = (
            x["ms_per_page"] / floor["ms_per_page"] if floor.get("ms_per_page") and kind != "floor" else None
        )
        lines.append(
            f"| {PDF_KINDS[kind]} | {fr(x['count'])} | {fr(x['pages_mean'], 1)} | {fr(x['mean_s'] * 1000, 0)} ms "
            f"({fr(x['median_s'] * 1000, 0)}, {fr(x['max_s'] * 1000, 0)}) | {fr(x['pdf_per_s'], 1)} | "
            f"{fr(x['ms_per_page'], 0)} ms | {fr(ratio, 1) if ratio else '—'} | {fr(x['first_s'] * 1000, 0)} ms | "
            f"{fr(x['cpu_s'], 1)} s pour {fr(x['wall_s'], 1)} s | {fr(x['peak_rss_mb'])} Mio "
            f"({fr(x['rss_start_mb'])} → {fr(x['rss_end_mb'])}) | {x['load']} |"
        )
    inv = pdf.get("invoices") or {}
    if inv.get("weasyprint_share"):
        lines += [
            "",
            f"Facture : WeasyPrint seul (`render_invoice_pdf`, PDF/A-3b), mesuré aussitôt après chaque facture "
            f"sur la même facture : {fr(inv['weasyprint_mean_s'] * 1000, 0)} ms en moyenne pour "
            f"{fr(inv['mean_s'] * 1000, 0)} ms la facture entière (rapport {fr(inv['weasyprint_share'], 2)}) ; "
            "le reste (lecture en base, XML CII, contrôle par le XSD, intégration Factur-X) est de l'ordre du "
            "bruit de la machine.",
        ]
    return lines


def section(r: dict, json_path: Path) -> str:
    d = r["dataset"]
    title = f"### Taille {SIZE_NAMES.get(r['size'], r['size'])}, {DB_NAMES[r['db']]}"
    if r.get("only") == "pdf":
        title += " — PDF en masse"
    loads = _loads(r)
    lines = [
        title + (f" — {r['label']}" if r.get("label") else ""),
        "",
        f"Relevé du {r['started'][:16].replace('T', ' à ')} UTC (commit {r['git']}), charge de la machine "
        f"{r['load_at_start']} au début, {r['load_at_end']} à la fin (2 cœurs partagés avec d'autres "
        f"travaux). Jeu : {fr(d['ofs'])} OF, {fr(d['actions'])} actions, {fr(d['trainees'])} stagiaires, "
        f"{fr(d['attendance_rows'])} lignes d'heures, {fr(d['invoices'])} factures. "
        f"Fichier : `{json_path.relative_to(DOC.parent.parent) if json_path.is_relative_to(DOC.parent.parent) else json_path}`."
        + (
            f" Charge (1 min) relevée pendant les mesures : de {fr(min(loads), 1)} à {fr(max(loads), 1)} ; "
            "les temps écoulés en sont gonflés d'autant, pas les temps CPU."
            if loads
            else ""
        ),
        "",
    ]
    if r.get("only") == "pdf":
        lines += pdf_lines(r["pdf"])
        lines += ["", f"Mémoire : pic du processus de mesure {fr(r['peak_rss_mb'])} Mio."]
        return "\n".join(lines) + "\n"
    lines += [
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
    if imp and imp.get("cpu_s") is not None:
        db_cpu = f" + {fr(imp['db_cpu_s'], 1)} s de PostgreSQL" if imp.get("db_cpu_s") is not None else ""
        lines.append(
            f"| ↳ CPU de l'import | {fr(imp['cpu_s'], 1)} s du processus{db_cpu} "
            f"({fr(imp['import_s'], 1)} s écoulées) | | | {imp['load']} |"
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
    sizes = r.get("index_sizes")
    if sizes:
        lines += ["", "Taille des tables d'heures et de leurs index (PostgreSQL, `pg_relation_size`) :", ""]
        lines += ["| table | index | taille |", "|---|---|---|"]
        for table, t in sizes.items():
            lines.append(f"| `{table}` | (table) | {fr(t['table_bytes'] / 2**20, 1)} Mio |")
            for name, ix in t["indexes"].items():
                lines.append(f"| `{table}` | `{name}` | {fr(ix['bytes'] / 2**20, 1)} Mio |")
    lines += ["", "Requêtes SQL par page (client de test, en processus) :", ""]
    lines += ["| page | requêtes | temps en processus | taille |", "|---|---|---|---|"]
    for key, q in r["queries"].items():
        lines.append(
            f"| {PAGES.get(key, key)} | {q['queries']} | {fr(q['in_process_ms'], 0)} ms | {fr(q['bytes'] // 1024)} Ko |"
        )
    load = r.get("load")
    if load:
        with_cpu = any("cpu_ms_per_request" in run for run in load["runs"])
        lines += [
            "",
            f"Pages sous charge ({load['server']}, {fr(load['duration_s'], 0)} s par palier au moins, outil "
            f"{tool_label(load)} sur 127.0.0.1) ; le rapport est p95 de la page / p95 du fichier statique "
            "au même palier"
            + (
                " ; « CPU par requête » : temps processeur de gunicorn et de ses connexions PostgreSQL "
                "(lu dans /proc) divisé par les requêtes servies, peu sensible à la charge des autres ; "
                "« CPU de l'outil » : celui du générateur de charge pendant le palier :"
                if with_cpu
                else " :"
            ),
            "",
        ]
        if with_cpu:
            lines += [
                "| page | clients | durée | p50 | p95 | débit | rapport p95 | CPU par requête | CPU de l'outil "
                "| statuts | charge |",
                "|---|---|---|---|---|---|---|---|---|---|---|",
            ]
        else:
            lines += [
                "| page | clients | p50 | p95 | débit | rapport p95 | statuts | charge |",
                "|---|---|---|---|---|---|---|---|",
            ]
        floors = {run["clients"]: run["p95_ms"] for run in load["runs"] if run["page"] == "static"}
        for run in load["runs"]:
            floor = floors.get(run["clients"]) or 0
            ratio = run["p95_ms"] / floor if floor and run["p95_ms"] is not None else None
            statuses = ", ".join(
                f"{k} : {v}" for k, v in run["statuses"].items() if not k.startswith("warmup")
            )
            p50 = f"{fr(run['p50_ms'], 0)} ms" if run["p50_ms"] is not None else "—"
            p95 = f"{fr(run['p95_ms'], 0)} ms" if run["p95_ms"] is not None else "—"
            shown_ratio = fr(ratio, 1) if run["page"] != "static" else "—"
            if with_cpu:
                cpu = run.get("cpu_ms_per_request")
                lines.append(
                    f"| {PAGES.get(run['page'], run['page'])} | {run['clients']} | {fr(run['seconds'], 0)} s | {p50} | "
                    f"{p95} | {fr(run['throughput_rps'], 1)} req/s | {shown_ratio} | "
                    f"{fr(cpu, 1) + ' ms' if cpu is not None else '—'} | {fr(run.get('client_cpu_s'), 1)} s | "
                    f"{statuses} | {run['load']} |"
                )
            else:
                lines.append(
                    f"| {PAGES.get(run['page'], run['page'])} | {run['clients']} | {p50} | {p95} | "
                    f"{fr(run['throughput_rps'], 1)} req/s | {shown_ratio} | {statuses} | {run['load']} |"
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
    if r.get("pdf"):
        lines += [""] + pdf_lines(r["pdf"])
    return "\n".join(lines) + "\n"


def update_performance_doc(result: dict, json_path: Path) -> None:
    key = (
        f"{result['size']}:{result['db']}"
        + (f":{result['only']}" if result.get("only") else "")
        + (f":{result['label']}" if result.get("label") else "")
    )
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
