"""The cells of 10443*16 and 10443*17 (keys, labels as printed, cadres): what `_current` fills."""

from __future__ import annotations

from formarche.bpf.cerfa.spec import CellSpec, Kind

F4_MAX = 5
A, H, N = Kind.AMOUNT, Kind.HOURS, Kind.COUNT


def _b_specs(*, edition17: bool) -> list[CellSpec]:
    """Cadre B: the fiscal year (and, from 10443*17, the distance question)."""
    specs: list[CellSpec] = [
        CellSpec("B.from", "Exercice comptable du", "B", Kind.DATE),
        CellSpec("B.to", "au", "B", Kind.DATE),
    ]
    if edition17:
        specs.append(
            CellSpec(
                "B.distance",
                "Avez-vous mis en œuvre, durant cette période, une (des) action(s) de formation en tout "
                "ou partie à distance (classes virtuelles, Elearning, etc.)",
                "B",
                Kind.BOOL,
            )
        )
    return specs


def _c_specs(*, edition17: bool) -> list[CellSpec]:
    """Cadre C: products by payer line, their total, the share of turnover."""
    specs: list[CellSpec] = []
    c = [
        ("1", "Produits provenant des entreprises pour la formation de leurs salariés"),
        ("a", "des contrats d'apprentissage"),
        ("b", "des contrats de professionnalisation"),
        ("c", "de la promotion ou de la reconversion par alternance"),
        (
            "d",
            "des projets de transition professionnelle"
            if edition17
            else "des congés individuels de formation et des projets de transition professionnelle",
        ),
        ("e", "du compte personnel de formation"),
        ("f", "des dispositifs spécifiques pour les personnes en recherche d'emploi"),
        ("g", "des dispositifs spécifiques pour les travailleurs non-salariés"),
        ("h", "du plan de développement des compétences ou d'autres dispositifs"),
        (
            "2",
            "Total des produits provenant des organismes gestionnaires des fonds de la formation "
            "(total des lignes a à h)",
        ),
        (
            "3",
            "des pouvoirs publics pour la formation de leurs agents (Etat, collectivités territoriales, "
            "établissements publics à caractère administratif)",
        ),
        ("4", "Instances européennes"),
        ("5", "État"),
        ("6", "Conseils régionaux"),
        ("7", "France Travail (ex Pôle emploi)" if edition17 else "Pôle emploi"),
        ("8", "Autres ressources publiques"),
        ("9", "de contrats conclus avec des personnes à titre individuel et à leurs frais"),
        ("10", "de contrats conclus avec d'autres organismes de formation (y compris CFA)"),
        ("11", "Autres produits au titre de la formation professionnelle"),
        (
            "total",
            "TOTAL DES PRODUITS RÉALISÉS AU TITRE DE LA FORMATION PROFESSIONNELLE (total des lignes 1 à 11)",
        ),
    ]
    specs += [CellSpec(f"C.{k}", label, "C", A) for k, label in c]
    specs.append(
        CellSpec(
            "C.pct",
            "Part du chiffre d'affaires global réalisée dans le domaine de la formation professionnelle (en %)",
            "C",
            Kind.PERCENT,
        )
    )
    return specs


def _d_e_specs(*, edition17: bool) -> list[CellSpec]:
    """Cadres D (charges) and E (people giving training hours)."""
    specs: list[CellSpec] = []
    specs += [
        CellSpec("D.total", "Total des charges de l'organisme liées à l'activité de formation", "D", A),
        CellSpec("D.salaries", "dont Salaires des formateurs", "D", A),
        CellSpec("D.purchases", "dont Achats de prestation de formation et honoraires de formation", "D", A),
    ]
    e = [
        ("1", "Personnes de votre organisme dispensant des heures de formation"),
        (
            "2",
            "Personnes extérieures à votre organisme dispensant des heures de formation dans le cadre de "
            "contrats de sous-traitance",
        ),
    ]
    for k, label in e:
        specs += [
            CellSpec(f"E.{k}.n", f"{label} — Nombre", "E", N),
            CellSpec(f"E.{k}.h", f"{label} — Nombre d'heures de formation dispensées", "E", H),
        ]
    return specs


def _f_g_specs(*, edition17: bool) -> list[CellSpec]:
    """Cadres F-1 to F-4 (trainees and hours) and G (trained for another organisation)."""
    specs: list[CellSpec] = []
    f1 = [
        ("a", "Salariés d'employeurs privés hors apprentis"),
        ("b", "Apprentis"),
        ("c", "Personnes en recherche d'emploi formées par votre organisme de formation"),
        ("d", "Particuliers à leurs propres frais formés par votre organisme de formation"),
        ("e", "Autres stagiaires"),
        ("total", "TOTAL (a + b + c + d + e) (1)"),
    ]
    specs += _pairs("F1", "F-1", f1)
    if not edition17:
        specs.append(
            CellSpec(
                "F1.distance.n",
                "dont stagiaires et apprentis ayant suivi une action en tout ou partie à distance",
                "F-1",
                N,
            )
        )
    specs += [
        CellSpec(
            "F2.n",
            "Stagiaires ou apprentis dont l'action a été confiée par votre organisme à un autre organisme (2) "
            "— Nombre de stagiaires et d'apprentis",
            "F-2",
            N,
        ),
        CellSpec(
            "F2.h",
            "Stagiaires ou apprentis dont l'action a été confiée par votre organisme à un autre organisme (2) "
            "— Nombre total d'heures de formation suivies",
            "F-2",
            H,
        ),
    ]
    f3 = [
        (
            "a",
            "Formations visant un diplôme, un titre à finalité professionnelle ou un certificat de "
            "qualification professionnelle enregistré au Répertoire national des certifications "
            "professionnelles (RNCP)",
        ),
        ("a6_8", "dont de niveau 6 à 8 (Licence, Master, diplôme d'ingénieur, Doctorat…)"),
        ("a5", "dont de niveau 5 (BTS, DUT, écoles de formation sanitaire et sociale …)"),
        ("a4", "dont de niveau 4 (BAC professionnel, BT, BP, BM…)"),
        ("a3", "dont de niveau 3 (BEP, CAP…)"),
        ("a2", "dont de niveau 2"),
        ("acqp", "dont certificat de qualification professionnelle (CQP) sans niveau de qualification"),
        (
            "b",
            "Formations visant une certification (dont CQP) ou une habilitation enregistrée au répertoire "
            "spécifique (RS)",
        ),
        ("c", "Formations visant un CQP non enregistré au RNCP ou au RS"),
        ("d", "Autres formations professionnelles"),
        ("e", "Bilans de compétence"),
        ("f", "Actions d'accompagnement à la validation des acquis de l'expérience"),
        ("total", "TOTAL (a + b + c + d + e + f) (3)"),
    ]
    specs += _pairs("F3", "F-3", f3)
    for i in range(1, F4_MAX + 1):
        label = f"Spécialité de formation n° {i}"
        specs += [
            CellSpec(f"F4.{i}.code", f"{label} — Code", "F-4", Kind.CODE),
            CellSpec(f"F4.{i}.n", f"{label} — Nombre de stagiaires et d'apprentis", "F-4", N),
            CellSpec(f"F4.{i}.h", f"{label} — Nombre total d'heures de formation suivies", "F-4", H),
        ]
    specs += _pairs("F4", "F-4", [("other", "Autres spécialités"), ("total", "TOTAL (4)")])
    specs += _pairs(
        "G",
        "G",
        [(None, "Formations confiées à votre organisme par un autre organisme de formation (5)")],
    )
    return specs


def cell_specs(*, edition17: bool) -> tuple[CellSpec, ...]:
    """Every cell of 10443*16 (``edition17=False``) or 10443*17, cadre by cadre, in the form's order."""
    return tuple(
        _b_specs(edition17=edition17)
        + _c_specs(edition17=edition17)
        + _d_e_specs(edition17=edition17)
        + _f_g_specs(edition17=edition17)
    )


def _pairs(prefix: str, cadre: str, lines) -> list[CellSpec]:
    out = []
    for key, label in lines:
        base = prefix if key is None else f"{prefix}.{key}"
        out.append(CellSpec(f"{base}.n", f"{label} — Nombre de stagiaires et d'apprentis", cadre, Kind.COUNT))
        out.append(
            CellSpec(
                f"{base}.h",
                f"{label} — Nombre total d'heures de formation suivies par les stagiaires et les apprentis",
                cadre,
                Kind.HOURS,
            )
        )
    return out
