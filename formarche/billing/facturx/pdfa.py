"""A structural PDF/A-3b check of a Factur-X PDF, with pypdf and lxml. **Not veraPDF.**

veraPDF (the PDF Association's reference validator) is a Java program distributed outside the
registries this project installs from (PyPI, Debian, npm), so it cannot run in CI here; Debian's
PDFBox « preflight » only knows PDF/A-1b. This module checks, on the file's objects, the
ISO 19005-3 (level B) clauses that a PDF generator can get wrong and that can be read without
rendering the page — and the Factur-X attachment rules:

* file: ``%PDF-`` header followed by a binary comment (6.1.2); a trailer ``/ID`` and no
  ``/Encrypt`` (6.1.3); no LZW (6.1.7); no stream stored in an external file (``/F``, 6.1.7);
* metadata: a catalog ``/Metadata`` XMP packet, well-formed, with ``pdfaid:part`` 3 and
  ``pdfaid:conformance`` B (or U / A, stricter) (6.6.4); the document information entries
  (Title, Author, Subject, Producer, Creator) equal to their XMP counterparts (6.6.3); the
  Factur-X extension schema declared (``pdfaExtension``) with ``fx:DocumentFileName``
  factur-x.xml, ``fx:DocumentType`` INVOICE, ``fx:ConformanceLevel`` EN 16931;
* colour: an ``/OutputIntents`` entry ``/GTS_PDFA1`` whose ``/DestOutputProfile`` is an ICC
  profile (signature ``acsp``) with as many components (``/N``) as its colour space says (6.2.3);
* fonts: every font used by a page, a form XObject or an annotation's appearance is embedded
  (``/FontFile``, ``/FontFile2`` or ``/FontFile3``; Type 3 fonts carry their glyphs) (6.2.11.4);
* no JavaScript, no Launch / Sound / Movie / ImportData / ResetForm actions, no additional
  actions (``/AA``) on the catalog, pages or fields (6.5, 6.6.1); annotations printable and not
  hidden (6.3.2); no PostScript XObject, no ``/Alternates`` / ``/OPI`` on images (6.2.9–6.2.10);
* attachment: ``factur-x.xml`` in ``/Names /EmbeddedFiles``, its file specification with
  ``/F`` and ``/UF``, an ``/AFRelationship`` (Data, Source or Alternative), listed in the
  catalog's ``/AF``; its stream of subtype ``text/xml`` with a ``/Params /ModDate`` (6.8).

What it does not check (veraPDF would): the rendering-level clauses — glyph widths consistent
with the embedded font programs, every used glyph present in the font subset, transparency and
blend modes against the output intent, the colour spaces of every content-stream operator.
"""

from __future__ import annotations

import io
import re

from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

FACTURX_FILENAME = "factur-x.xml"
_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
}
_FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/Sound", "/Movie", "/ImportData", "/ResetForm"}
_COMPONENTS = {b"RGB ": 3, b"GRAY": 1, b"CMYK": 4}


def _resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _walk(root):
    """Every dictionary (streams included) reachable from ``root``, each once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        value = stack.pop()
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key in seen:
                continue
            seen.add(key)
            value = value.get_object()
        if isinstance(value, DictionaryObject):
            yield value
            stack.extend(value.values())
        elif isinstance(value, ArrayObject):
            stack.extend(value)


def _xmp_value(xmp, prefix: str, name: str) -> str | None:
    """A simple XMP property, as an attribute or an element (rdf:Alt / rdf:Seq: the first item)."""
    namespace = _NS[prefix]
    for description in xmp.iterfind(".//rdf:Description", _NS):
        if f"{{{namespace}}}{name}" in description.attrib:
            return description.get(f"{{{namespace}}}{name}").strip()
        element = description.find(f"{prefix}:{name}", _NS)
        if element is not None:
            item = element.find(".//rdf:li", _NS)
            return ((item if item is not None else element).text or "").strip()
    return None


def _check_file(data: bytes, reader: PdfReader, problems: list[str]) -> None:
    if not re.match(rb"%PDF-1\.[0-7]", data[:8]):
        problems.append("6.1.2 : l'en-tête du fichier n'est pas « %PDF-1.n ».")
    second = data.split(b"\n", 2)[1] if data.count(b"\n") >= 2 else b""
    if not (second.startswith(b"%") and sum(1 for b in second[1:5] if b > 127) == 4):
        problems.append("6.1.2 : pas de commentaire binaire (4 octets > 127) après l'en-tête.")
    trailer = reader.trailer
    if "/Encrypt" in trailer:
        problems.append("6.1.3 : le fichier est chiffré.")
    if "/ID" not in trailer:
        problems.append("6.1.3 : le trailer n'a pas d'identifiant /ID.")


def _check_streams_and_actions(reader: PdfReader, problems: list[str]) -> None:
    catalog = reader.trailer["/Root"].get_object()
    if "/AA" in catalog:  # an /OpenAction of JavaScript is caught below with every action
        problems.append("6.6.2 : le catalogue a des actions supplémentaires (/AA).")
    names = _resolve(catalog.get("/Names"))
    if isinstance(names, DictionaryObject) and "/JavaScript" in names:
        problems.append("6.6.1 : le document contient du JavaScript (/Names /JavaScript).")
    for obj in _walk(reader.trailer["/Root"]):
        kind = obj.get("/S")
        if kind in _FORBIDDEN_ACTIONS:
            problems.append(f"6.6.1 : action interdite {kind}.")
        if "/JS" in obj:
            problems.append("6.6.1 : le document contient du JavaScript (/JS).")
        if obj.get("/Type") in ("/Page", "/Annot") and "/AA" in obj:
            problems.append(f"6.6.2 : actions supplémentaires (/AA) sur {obj.get('/Type')}.")
        if isinstance(obj, StreamObject):
            filters = _resolve(obj.get("/Filter"))
            filters = list(filters) if isinstance(filters, ArrayObject) else [filters]
            if "/LZWDecode" in filters:
                problems.append("6.1.7 : un flux est compressé en LZW.")
            if "/F" in obj and obj.get("/Type") != "/EmbeddedFile":
                problems.append("6.1.7 : un flux est stocké dans un fichier externe (/F).")
        if obj.get("/Subtype") == "/PS" or (obj.get("/Subtype") == "/Form" and "/PS" in obj):
            problems.append("6.2.9 : XObject PostScript.")
        if obj.get("/Subtype") == "/Image" and ("/Alternates" in obj or "/OPI" in obj):
            problems.append("6.2.8 : image avec /Alternates ou /OPI.")
        if obj.get("/Type") == "/Annot" or (obj.get("/Subtype") and "/Rect" in obj and "/P" in obj):
            subtype = obj.get("/Subtype")
            if subtype in ("/Sound", "/Movie", "/Screen", "/3D", "/RichMedia", "/FileAttachment"):
                problems.append(f"6.3.1 : annotation interdite {subtype}.")
            flags = int(obj.get("/F", 0))
            if subtype != "/Popup" and (not flags & 4 or flags & 0b100011):
                problems.append(f"6.3.2 : annotation {subtype} non imprimable ou masquée (/F {flags}).")


def _check_metadata(reader: PdfReader, problems: list[str]) -> None:
    catalog = reader.trailer["/Root"].get_object()
    stream = _resolve(catalog.get("/Metadata"))
    if not isinstance(stream, StreamObject):
        problems.append("6.6.2 : pas de métadonnées XMP dans le catalogue.")
        return
    try:
        xmp = etree.fromstring(stream.get_data())
    except etree.XMLSyntaxError as exc:
        problems.append(f"6.6.2 : XMP mal formé ({exc}).")
        return
    part, conformance = _xmp_value(xmp, "pdfaid", "part"), _xmp_value(xmp, "pdfaid", "conformance")
    if part != "3":
        problems.append(f"6.6.4 : pdfaid:part vaut « {part} » au lieu de 3.")
    if conformance not in ("B", "U", "A"):
        problems.append(f"6.6.4 : pdfaid:conformance vaut « {conformance} » (B attendu).")
    info = _resolve(reader.trailer.get("/Info"))
    if isinstance(info, DictionaryObject):
        for key, prefix, name in (
            ("/Title", "dc", "title"),
            ("/Author", "dc", "creator"),
            ("/Subject", "dc", "description"),
            ("/Producer", "pdf", "Producer"),
            ("/Creator", "xmp", "CreatorTool"),
            ("/Keywords", "pdf", "Keywords"),
        ):
            if key in info and str(info[key]).strip() != (_xmp_value(xmp, prefix, name) or ""):
                problems.append(f"6.6.3 : {key} du dictionnaire d'information ≠ {prefix}:{name} du XMP.")
    schemas = {(node.text or "").strip() for node in xmp.iterfind(".//pdfaSchema:namespaceURI", _NS)} | set(
        xmp.xpath(".//@pdfaSchema:namespaceURI", namespaces=_NS)
    )
    if _NS["fx"] not in schemas:
        problems.append("6.6.2.3 : le schéma d'extension Factur-X (fx) n'est pas déclaré dans le XMP.")
    for name, expected in (
        ("DocumentFileName", FACTURX_FILENAME),
        ("DocumentType", "INVOICE"),
        ("ConformanceLevel", "EN 16931"),
    ):
        value = _xmp_value(xmp, "fx", name)
        if value != expected:
            problems.append(f"Factur-X : fx:{name} vaut « {value} » au lieu de « {expected} ».")


def _check_output_intent(reader: PdfReader, problems: list[str]) -> None:
    catalog = reader.trailer["/Root"].get_object()
    intents = [_resolve(i) for i in _resolve(catalog.get("/OutputIntents")) or []]
    pdfa = [i for i in intents if i.get("/S") == "/GTS_PDFA1"]
    if not pdfa:
        problems.append("6.2.3 : pas d'intention de sortie /GTS_PDFA1.")
        return
    profile = _resolve(pdfa[0].get("/DestOutputProfile"))
    if not isinstance(profile, StreamObject):
        problems.append("6.2.3 : l'intention de sortie n'a pas de profil ICC (/DestOutputProfile).")
        return
    icc = profile.get_data()
    if icc[36:40] != b"acsp":
        problems.append("6.2.3 : le profil de l'intention de sortie n'est pas un profil ICC.")
        return
    components = _COMPONENTS.get(icc[16:20])
    if components is None or int(profile.get("/N", 0)) != components:
        problems.append(
            f"6.2.3 : /N {profile.get('/N')} ne correspond pas à l'espace du profil ICC {icc[16:20]!r}."
        )


def _font_embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        return all(_font_embedded(_resolve(d)) for d in _resolve(font["/DescendantFonts"]))
    descriptor = _resolve(font.get("/FontDescriptor"))
    return isinstance(descriptor, DictionaryObject) and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def _check_fonts(reader: PdfReader, problems: list[str]) -> int:
    fonts = 0
    for obj in _walk(reader.trailer["/Root"]):
        if obj.get("/Type") == "/Font" and obj.get("/Subtype") != "/CIDFontType2" and "/BaseFont" in obj:
            if obj.get("/Subtype") in ("/CIDFontType0",):
                continue  # descendant fonts: checked through their Type 0 parent
            fonts += 1
            if not _font_embedded(obj):
                problems.append(f"6.2.11.4 : la police {obj.get('/BaseFont')} n'est pas incorporée.")
    if not fonts:
        problems.append("6.2.11 : aucune police trouvée (la facture a du texte).")
    return fonts


def _check_attachment(reader: PdfReader, problems: list[str]) -> None:
    catalog = reader.trailer["/Root"].get_object()
    names = _resolve(catalog.get("/Names")) or {}
    tree = _resolve(names.get("/EmbeddedFiles")) if names else None
    specs = {}
    stack = [tree] if tree is not None else []
    while stack:
        node = _resolve(stack.pop())
        listed = _resolve(node.get("/Names")) or []
        for index in range(0, len(listed), 2):
            specs[str(listed[index])] = listed[index + 1]
        stack.extend(_resolve(node.get("/Kids")) or [])
    if FACTURX_FILENAME not in specs:
        problems.append("6.8 : factur-x.xml n'est pas dans /Names /EmbeddedFiles.")
        return
    reference = specs[FACTURX_FILENAME]
    spec = _resolve(reference)
    for key in ("/F", "/UF"):
        if str(spec.get(key, "")) != FACTURX_FILENAME:
            problems.append(f"6.8 : la spécification de fichier n'a pas {key} = factur-x.xml.")
    if spec.get("/AFRelationship") not in ("/Data", "/Source", "/Alternative"):
        problems.append(
            f"6.8 : /AFRelationship vaut {spec.get('/AFRelationship')} (Data, Source ou Alternative)."
        )
    associated = [_resolve(item) for item in _resolve(catalog.get("/AF")) or []]
    if not any(item is spec or item == spec for item in associated):
        problems.append("6.8 : factur-x.xml n'est pas dans le tableau /AF du catalogue.")
    embedded = _resolve(_resolve(spec.get("/EF", DictionaryObject())).get("/F"))
    if not isinstance(embedded, StreamObject):
        problems.append("6.8 : factur-x.xml n'a pas de flux de fichier incorporé.")
        return
    if embedded.get("/Subtype") != NameObject("/text#2Fxml") and str(embedded.get("/Subtype")) not in (
        "/text/xml",
        "/text#2Fxml",
    ):
        problems.append(f"6.8 : le sous-type du fichier incorporé est {embedded.get('/Subtype')} (text/xml).")
    params = _resolve(embedded.get("/Params"))
    if not isinstance(params, DictionaryObject) or "/ModDate" not in params:
        problems.append("6.8 : le fichier incorporé n'a pas de date de modification (/Params /ModDate).")


def pdfa3_check(data: bytes) -> list[str]:
    """Every PDF/A-3b / Factur-X rule of this module that ``data`` breaks (French), [] if none."""
    reader = PdfReader(io.BytesIO(data))
    problems: list[str] = []
    _check_file(data, reader, problems)
    if problems and "chiffré" in " ".join(problems):
        return problems
    _check_metadata(reader, problems)
    _check_output_intent(reader, problems)
    _check_fonts(reader, problems)
    _check_streams_and_actions(reader, problems)
    _check_attachment(reader, problems)
    return problems


def pdfa3_fonts(data: bytes) -> int:
    """How many fonts the check looked at (for the tests: the check did see the fonts)."""
    reader = PdfReader(io.BytesIO(data))
    return _check_fonts(reader, [])
