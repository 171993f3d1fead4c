"""Cerfa n° 10443*12 / *13: its cells (keys, labels as printed, pages) and the tables that map
the engine's facts to them (payer lines, trainer statuses, accounts). The rules and the build are
in `cerfa_10443_12`.
"""

from __future__ import annotations

from formarche.bpf.cerfa.spec import CellSpec, Kind
from formarche.bpf.inputs import Objective, OtherProductKind, TraineeStatus, TrainerStatus

A, H, N = Kind.AMOUNT, Kind.HOURS, Kind.COUNT
D_MAX = 10

TRAINER_LINES = {
    "a": ("Travailleur indépendant, gérants non salariés", (TrainerStatus.OWNER,)),
    "b": ("Salariés sous contrat de travail à durée indéterminée", (TrainerStatus.CDI,)),
    "c": ("Salariés sous contrat de travail à durée déterminée", (TrainerStatus.CDD, TrainerStatus.LENT)),
    "d": (
        "Formateurs occasionnels salariés dont l'activité de formation est inférieure à 30 jours par an",
        (TrainerStatus.OCCASIONAL,),
    ),
    "e": ("Bénévoles", (TrainerStatus.VOLUNTEER,)),
}

LINE_MAP = {  # today's payer line → 10443*12 product key
    "1": "A1.a",
    "h": "A2.a",
    "b": "A2.b",
    "c": "A2.b",
    "e": "A2.b",
    "f": "A2.b",
    "d": "A2.c",
    "g": "A2.d",
    "3": "A3.a",
    "4": "A3.b",
    "5": "A3.c",
    "6": "A3.d",
    "7": "A3.e",
    "8": "A3.f",
    "9": "A4",
    "10": "A5",
}
A6_MAP = {
    OtherProductKind.ABROAD.value: "A6.a",
    OtherProductKind.TEACHING_TOOLS.value: "A6.b",
    OtherProductKind.ROYALTIES.value: "A6.c",
    OtherProductKind.FINANCIAL.value: "A6.d",
    OtherProductKind.EXCEPTIONAL.value: "A6.e",
    OtherProductKind.BOARD_LODGING_TRANSPORT.value: "A6.f",
    None: "A6.f",
}

ACCOUNTS = (
    ("60", "60 Achats"),
    ("604", "dont 604 Achats de prestations de formation"),
    ("61", "61 Services extérieurs"),
    ("6132", "dont 6132 Locations immobilières liées à la formation"),
    ("6135", "dont 6135 Locations de matériel pédagogique liées à la formation"),
    ("62", "62 Autres services extérieurs"),
    ("621", "dont 621 Personnel extérieur à l'entreprise"),
    ("622", "dont 622 Rémunérations d'intermédiaires et honoraires"),
    ("6226", "dont 6226 Honoraires de formation"),
    ("623", "dont 623 Publicité, publications, relations publiques"),
    ("63", "63 Impôts, taxes et versements assimilés"),
    ("64", "64 Charges de personnel"),
    ("641", "dont 641 Rémunérations du personnel"),
    ("6411", "dont 6411 Salaires des formateurs"),
    ("644", "dont 644 Rémunération du travail de l'exploitant"),
    ("65", "65 Autres charges de gestion courante"),
    ("66", "66 Charges financières"),
    ("67", "67 Charges exceptionnelles"),
    ("68", "68 Dotations aux amortissements et aux provisions"),
    ("69", "69 Participation des salariés, impôts sur les bénéfices et assimilés"),
)
MAIN_ACCOUNTS = tuple(k for k, _ in ACCOUNTS if len(k) == 2)
SUB_ACCOUNTS = (
    ("604", "60"),
    ("6132", "61"),
    ("6135", "61"),
    ("621", "62"),
    ("622", "62"),
    ("6226", "622"),
    ("623", "62"),
    ("641", "64"),
    ("644", "64"),
    ("6411", "641"),
)

A_LINES = {
    "1": (TraineeStatus.EMPLOYEE, TraineeStatus.APPRENTICE),
    "2": (TraineeStatus.JOB_SEEKER,),
    "3": (TraineeStatus.INDIVIDUAL,),
    "4": (TraineeStatus.OTHER,),
}
C_LINES = {
    "1": (Objective.RNCP, Objective.RNCP_CQP),
    "2": (Objective.RS, Objective.CQP, Objective.OTHER),
    "3": (Objective.BILAN, Objective.VAE),
}
C_DONT = {"1_I_II": (6, 7, 8), "1_III": (5,), "1_IV": (4,), "1_V": (3,)}


def _pair(key: str, label: str, cadre: str) -> list[CellSpec]:
    return [
        CellSpec(f"{key}.n", f"{label} — Nombre de stagiaires", cadre, N),
        CellSpec(f"{key}.h", f"{label} — Nombre d'heures stagiaires", cadre, H),
    ]


#: page 2 cells: (key, label as printed, cadre)
PRODUCTS = [
    ("A1.a", "A1 Produits provenant des entreprises : pour la formation de leurs salariés", "p2 A1"),
    ("A1.a_pro", "dont les salariés sous contrat de professionnalisation", "p2 A1"),
    (
        "A1.b",
        "pour la formation de travailleurs privés d'emploi (L. 6331-19 2° du Code du travail)",
        "p2 A1",
    ),
    ("A2.a", "A2 Organismes collecteurs : au titre du plan de formation", "p2 A2"),
    ("A2.b", "au titre de la professionnalisation et du droit individuel à la formation", "p2 A2"),
    ("A2.c", "au titre du congé individuel de formation", "p2 A2"),
    ("A2.d", "au titre des fonds d'assurance formation de non-salariés", "p2 A2"),
    ("A2.total", "Total A2 (a + b + c + d)", "p2 A2"),
    (
        "A3.a",
        "A3 Pouvoirs publics : pour la formation de leurs agents (État, collectivités territoriales, "
        "établissements publics à caractère administratif)",
        "p2 A3",
    ),
    ("A3.b", "pour la formation de publics spécifiques : Instances européennes", "p2 A3"),
    ("A3.c", "État", "p2 A3"),
    ("A3.d", "Conseils régionaux", "p2 A3"),
    ("A3.e", "Pôle emploi", "p2 A3"),
    ("A3.f", "Autres ressources publiques", "p2 A3"),
    ("A3.total", "Total A3 (a + b + c + d + e + f)", "p2 A3"),
    (
        "A4",
        "A4 Produits provenant de contrats conclus avec des personnes à titre individuel et à leurs frais",
        "p2 A4",
    ),
    ("A5", "A5 Produits provenant de contrats conclus avec d'autres prestataires de formation", "p2 A5"),
    (
        "A6.a",
        "A6 Produits résultant de formations facturées à des entreprises étrangères et se déroulant à "
        "l'étranger (hors TVA)",
        "p2 A6",
    ),
    ("A6.b", "Vente d'outils pédagogiques", "p2 A6"),
    ("A6.c", "Redevances pour concessions et brevets liés à la formation", "p2 A6"),
    (
        "A6.d",
        "Produits financiers résultant de placements des fonds perçus au titre de la formation "
        "professionnelle",
        "p2 A6",
    ),
    ("A6.e", "Produits exceptionnels", "p2 A6"),
    ("A6.f", "Autres produits au titre de la formation professionnelle continue", "p2 A6"),
    ("A6.total", "Total A6 (a + b + c + d + e + f)", "p2 A6"),
    ("total", "TOTAL GÉNÉRAL DES PRODUITS RÉALISÉS AU TITRE DE LA FORMATION PROFESSIONNELLE", "p2"),
]


def _page1_specs() -> list[CellSpec]:
    s: list[CellSpec] = [
        CellSpec("p1.B.from", "Exercice comptable du", "p1", Kind.DATE),
        CellSpec("p1.B.to", "au", "p1", Kind.DATE),
        CellSpec(
            "p1.C.start_year",
            "Année de début de l'activité de formation professionnelle continue",
            "p1 C",
            Kind.YEAR,
        ),
        CellSpec(
            "p1.C.pct",
            "Part du chiffre d'affaires global réalisée dans le domaine de la formation "
            "professionnelle continue (en %)",
            "p1 C",
            Kind.PERCENT,
        ),
        CellSpec(
            "p1.C.other_activities",
            "Quelles sont les autres activités de votre organisme ?",
            "p1 C",
            Kind.TEXT,
        ),
    ]
    people = [(k, label) for k, (label, _) in TRAINER_LINES.items()]
    for k, label in people + [("total", "Total (a + b + c + d + e)")]:
        s += [
            CellSpec(f"p1.D.1.{k}.n", f"{label} — Nombre", "p1 D", N),
            CellSpec(f"p1.D.1.{k}.h", f"{label} — Nombre d'heures de formation dispensées", "p1 D", H),
        ]
    for k, label in (
        (
            "2",
            "Personnes extérieures à votre organisme dispensant des heures de formation dans le cadre de "
            "contrats de sous-traitance",
        ),
        ("total", "Total général relatif aux personnes dispensant des heures de formation"),
        ("lt30", "Dont personnes dont l'activité de formation est inférieure à 30 jours par an"),
    ):
        s += [
            CellSpec(f"p1.D.{k}.n", f"{label} — Nombre", "p1 D", N),
            CellSpec(f"p1.D.{k}.h", f"{label} — Nombre d'heures de formation dispensées", "p1 D", H),
        ]
    return s


def _page2_specs() -> list[CellSpec]:
    return [CellSpec(f"p2.{k}", label, cadre, A) for k, label, cadre in PRODUCTS]


def _page3_specs() -> list[CellSpec]:
    s = [CellSpec(f"p3.{k}", label, "p3", A) for k, label in ACCOUNTS]
    s.append(CellSpec("p3.total", "TOTAL GÉNÉRAL DES CHARGES DE L'ORGANISME", "p3", A))
    return s


def _page4_specs() -> list[CellSpec]:
    s: list[CellSpec] = []
    for k, label in (
        ("1", "Salariés bénéficiant d'un financement par l'employeur"),
        ("1pro", "dont salariés sous contrat de professionnalisation"),
        ("2", "Demandeurs d'emploi bénéficiant d'un financement public"),
        ("3", "Particuliers à leurs propres frais"),
        ("4", "Autres stagiaires"),
        ("total", "TOTAL (1 + 2 + 3 + 4)"),
    ):
        s += _pair(f"p4.A.{k}", label, "p4 A")
    for k, label in (
        ("1", "Formés par votre organisme pour son propre compte"),
        ("2", "Formés par votre organisme pour le compte d'un autre organisme"),
        ("total", "TOTAL (1 + 2)"),
        ("3", "Formés par un autre organisme pour le compte de votre organisme"),
    ):
        s += _pair(f"p4.B.{k}", label, "p4 B")
    for k, label in (
        (
            "1",
            "Formations visant une certification enregistrée au Répertoire national des certifications "
            "professionnelles (RNCP)",
        ),
        ("1_I_II", "dont de niveau I et II (licence, maîtrise, master, DEA, DESS, diplôme d'ingénieur)"),
        ("1_III", "dont de niveau III (BTS, DUT ou DEUG)"),
        ("1_IV", "dont de niveau IV (BAC professionnel, BT, BP ou BM)"),
        ("1_V", "dont de niveau V (BEP, CAP ou CFPA 1er degré)"),
        ("2", "Autres formations professionnelles continues"),
        ("3", "Prestations d'orientation et d'accompagnement"),
        ("3_bilan", "dont bilans de compétences"),
        ("total", "TOTAL (1 + 2 + 3)"),
    ):
        s += _pair(f"p4.C.{k}", label, "p4 C")
    for i in range(1, D_MAX + 1):
        s.append(CellSpec(f"p4.D.{i}.code", f"Spécialité de formation n° {i} — Code", "p4 D", Kind.CODE))
        s += _pair(f"p4.D.{i}", f"Spécialité de formation n° {i}", "p4 D")
    s += _pair("p4.D.other", "Autres", "p4 D")
    s += _pair("p4.D.total", "TOTAL", "p4 D")
    return s


def cell_specs() -> tuple[CellSpec, ...]:
    """Every cell of the form, page by page, in the form's order."""
    return tuple(_page1_specs() + _page2_specs() + _page3_specs() + _page4_specs())


SPECS = cell_specs()
