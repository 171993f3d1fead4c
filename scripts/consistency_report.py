#!/usr/bin/env python
"""The figures of issue #14, before → after: one line a measure, then the offenders per app.

    python scripts/consistency_report.py            # counts
    python scripts/consistency_report.py --details  # counts, then every offender per check and app

Plain Python (no Django, no database): it reads the tree with the checks of
tests/test_consistency.py, and asks the `duplicates` command (when on PATH) for the pairs in
formarche/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import test_consistency as tc  # noqa: E402


def duplicates_pairs() -> str:
    if not shutil.which("duplicates"):
        return "n/a (duplicates absent)"
    out = subprocess.run(
        ["duplicates", "--repo", "formarche", "--most", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    first = out.splitlines()[0] if out else ""
    if first.startswith("no duplicates"):
        return "0"
    match = re.match(r"(\d+) pairs?", first)
    return match.group(1) if match else f"? ({first!r})"


def app_of_where(where: str) -> str:
    parts = where.split(":")[0].split("/")
    return parts[1] if parts[0] == "formarche" and len(parts) > 2 else parts[0]


def measures() -> tuple[list[tuple[str, object]], dict[str, list[str]]]:
    """(label, value) lines and, per check, the offender lines."""
    details: dict[str, list[str]] = {}

    modules = tc.long_modules()
    details["modules > 500 lignes"] = [f"{p}: {n}" for p, n in modules]
    functions = tc.long_functions()
    details["fonctions > 80 lignes"] = [f"{p}:{line}: {name} ({n})" for p, name, line, n in functions]

    violations = tc.layer_violations()
    details["imports hors graphe"] = [str(v) for v in violations]
    pairs = sorted({(v.source_node, v.target_node or v.imp.target) for v in violations})

    cycles = tc.import_cycles()
    details["cycles d'imports"] = [f"cycle {i}: " + " | ".join(c) for i, c in enumerate(cycles, 1)]
    cycle_modules = {line.split(": ", 1)[1].split(" → ")[0] for c in cycles for line in c}

    function_level = {imp.where: imp for imp in tc.function_level_imports()}
    ours = {w: i for w, i in function_level.items() if i.target.startswith("formarche")}
    cross = {
        w: i
        for w, i in ours.items()
        if tc.app_of(i.target) and tc.app_of(i.source) and tc.app_of(i.target) != tc.app_of(i.source)
    }
    details["imports dans une fonction, entre apps"] = [
        f"{w}: {i.source} → {i.target}" for w, i in sorted(cross.items(), key=lambda x: tc._sort_key(x[0]))
    ]

    objects = tc.objects_in_views()
    details[".objects dans les vues"] = objects
    templates = tc.template_status_literals()
    details["statuts comparés à une chaîne dans les gabarits"] = templates
    services = tc.positional_services()
    details["fonctions de services positionnelles"] = services
    money = tc.money_offenders()
    for kind, wheres in money.items():
        details[f"{kind} hors utils/money.py"] = wheres
    readmes = tc.apps_without_readme()
    details["apps sans README"] = readmes
    engines = tc.impure_engine_imports()
    details["imports interdits dans les moteurs purs"] = engines

    lines = [
        ("modules > 500 lignes", len(modules)),
        ("fonctions > 80 lignes", len(functions)),
        ("paires d'apps importées hors graphe", len(pairs)),
        ("  imports hors graphe (instructions)", len(violations)),
        ("cycles d'imports (groupes de modules)", len(cycles)),
        ("  modules dans un cycle", len(cycle_modules)),
        ("imports dans une fonction, entre apps", len(cross)),
        ("imports dans une fonction, de formarche", len(ours)),
        ("imports dans une fonction, total", len(function_level)),
        (".objects dans les vues", len(objects)),
        ("statuts comparés à une chaîne (gabarits)", len(templates)),
        ("fonctions publiques de services positionnelles", len(services)),
        ("quantize hors utils/money.py", len(money["quantize"])),
        ("ROUND_* hors utils/money.py", len(money["ROUND_"])),
        ('Decimal("0.01") hors utils/money.py', len(money['Decimal("0.01")'])),
        ("apps sans README.md", len(readmes)),
        ("imports interdits dans les moteurs purs", len(engines)),
        ("paires duplicates dans formarche/", duplicates_pairs()),
    ]
    details["paires d'apps hors graphe"] = [f"{a} → {b}" for a, b in pairs]
    return lines, details


def main(argv: list[str]) -> int:
    lines, details = measures()
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label:<{width}}  {value}")
    if "--details" in argv:
        for check, offenders in details.items():
            if not offenders:
                continue
            print(f"\n## {check} ({len(offenders)})")
            per_app: dict[str, list[str]] = defaultdict(list)
            for offender in offenders:
                per_app[app_of_where(offender) if "/" in offender.split(":")[0] else "-"].append(offender)
            counts = Counter({app: len(items) for app, items in per_app.items()})
            print("par app : " + ", ".join(f"{app} {n}" for app, n in sorted(counts.items())))
            for app in sorted(per_app):
                for offender in per_app[app]:
                    print(f"  {offender}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
