"""The shared import helpers: French numbers and dates, CSV/XLSX reading, row-by-row errors."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from formarche.utils.parsing import (
    ParseError,
    Row,
    RowErrors,
    TableError,
    cell_text,
    normalise_header,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    read_csv,
    read_table,
    read_xlsx,
    write_csv_template,
    write_xlsx_template,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("11,80", Decimal("11.80")),
        ("11.80", Decimal("11.80")),
        ("57 820,00", Decimal("57820.00")),
        ("57\u202f820,00", Decimal("57820.00")),
        ("57\u00a0820,00", Decimal("57820.00")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("-6 198,93", Decimal("-6198.93")),
        ("4900", Decimal("4900")),
        (" 7 ", Decimal("7")),
        (12, Decimal("12")),
        (11.8, Decimal("11.8")),
        (Decimal("3.5"), Decimal("3.5")),
    ],
)
def test_parse_decimal_accepts_french_and_english(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["", None, "abc", "1,2,3", "12 €", "--1", ".", "1e5", True])
def test_parse_decimal_refuses_garbage_in_french(text):
    with pytest.raises(ParseError) as exc:
        parse_decimal(text, label="le montant")
    assert str(exc.value).startswith("le montant")


def test_parse_decimal_sign_and_places_rules():
    assert str(
        pytest.raises(ParseError, parse_decimal, "0", label="le prix unitaire", positive=True).value
    ) == ("le prix unitaire « 0 » doit être positif")
    with pytest.raises(ParseError, match="négatif"):
        parse_decimal("-1", non_negative=True)
    assert parse_decimal("0", non_negative=True) == 0
    with pytest.raises(ParseError, match="plus de 2 décimales"):
        parse_decimal("1,234", places=2)
    assert parse_decimal("1,23", places=2) == Decimal("1.23")


def test_parse_int():
    assert parse_int("18") == 18
    assert parse_int(18.0) == 18
    with pytest.raises(ParseError, match="entier"):
        parse_int("1,5", label="la durée")
    with pytest.raises(ParseError, match="au moins 1"):
        parse_int("0", label="la durée", minimum=1)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("13/03/2023", dt.date(2023, 3, 13)),
        ("3/3/2023", dt.date(2023, 3, 3)),
        ("2023-03-13", dt.date(2023, 3, 13)),
        ("2023-03-13 00:00:00", dt.date(2023, 3, 13)),
        (dt.datetime(2023, 3, 13, 0, 0), dt.date(2023, 3, 13)),
        (dt.date(2023, 3, 13), dt.date(2023, 3, 13)),
    ],
)
def test_parse_date_accepts_both_forms(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["", "13/03/23", "2023/03/13", "31/02/2023", "mars 2023", "13-03-2023"])
def test_parse_date_refuses_in_french(value):
    with pytest.raises(ParseError) as exc:
        parse_date(value, label="la date de début")
    assert str(exc.value).startswith("la date de début")


def test_parse_choice_ignores_case_and_accents():
    choices = {"titulaire": "t", "co-traitant": "c"}
    assert parse_choice("Co-Traitant", choices) == "c"
    assert parse_choice("TITULAIRE", choices) == "t"
    with pytest.raises(ParseError, match="valeurs possibles"):
        parse_choice("pilote", choices, label="le statut")


def test_normalise_header_and_cell_text():
    assert normalise_header("Prix unitaire (€)") == "prix_unitaire"
    assert normalise_header("  Famille-Métiers ") == "famille_metiers"
    assert normalise_header("Référent e-mail") == "referent_e_mail"
    assert cell_text(None) == ""
    assert cell_text(12.0) == "12"
    assert cell_text(" x ") == "x"
    assert cell_text(dt.datetime(2023, 3, 13)) == "2023-03-13"


def test_read_csv_semicolon_bom_and_line_numbers():
    raw = "\ufeffNuméro;Prix unitaire\r\n23Q1;11,80\r\n\r\n23Q2;12\r\n".encode()
    table = read_csv(raw)
    assert table.header == ["numero", "prix_unitaire"]
    assert [(r.line, r["numero"], r["prix_unitaire"]) for r in table.rows] == [
        (2, "23Q1", "11,80"),
        (4, "23Q2", "12"),
    ]


def test_read_csv_comma_and_windows_1252():
    raw = "numero,intitule\n23Q1,Électricité\n".encode("cp1252")
    table = read_csv(raw)
    assert table.rows[0]["intitule"] == "Électricité"


def test_read_csv_short_rows_get_none_and_row_helpers():
    table = read_csv(b"a;b;c\n1;2\n")
    row = table.rows[0]
    assert row["c"] is None and row.get("c", "x") == "x" and row.text("a") == "1"


def test_read_xlsx_keeps_numbers_and_dates():
    wb = Workbook()
    ws = wb.active
    ws.append(["Numéro", "Montant HT", "Date début"])
    ws.append(["23Q1", 57820, dt.datetime(2023, 3, 13)])
    buffer = io.BytesIO()
    wb.save(buffer)
    table = read_xlsx(buffer.getvalue())
    row = table.rows[0]
    assert row.line == 2
    assert parse_decimal(row["montant_ht"]) == Decimal("57820")
    assert parse_date(row["date_debut"]) == dt.date(2023, 3, 13)


def test_read_table_checks_type_size_and_columns():
    with pytest.raises(TableError, match="Format non reconnu"):
        read_table(b"x", filename="donnees.pdf")
    with pytest.raises(TableError, match="dépasse"):
        read_table(b"a;b\n" * 10, filename="a.csv", max_size=5)
    with pytest.raises(TableError, match="pas un classeur"):
        read_table(b"numero\n1\n", filename="faux.xlsx")
    with pytest.raises(TableError, match="pas un fichier CSV"):
        read_table(b"PK\x03\x04\x00\x00", filename="faux.csv")
    with pytest.raises(TableError, match="vide"):
        read_table(b"\n\n", filename="vide.csv")
    with pytest.raises(TableError, match="en double"):
        read_table(b"a;A\n1;2\n", filename="double.csv")
    table = read_table(io.BytesIO(b"numero;montant\n1;2\n"), filename="ok.csv")
    with pytest.raises(TableError, match="Colonnes manquantes : prix_unitaire, date_debut"):
        table.require(["numero", "prix_unitaire", "date_debut"])


def test_row_errors_collects_in_line_order():
    errors = RowErrors()
    assert not errors
    with errors.collect(Row(line=5, data={})):
        parse_decimal("x", label="le montant HT")
    errors.add(4, "le prix unitaire « 0 » doit être positif")
    with errors.collect(6):
        pass  # no error
    assert len(errors) == 2 and errors.lines() == {4, 5}
    assert errors.messages() == [
        "Ligne 4 : le prix unitaire « 0 » doit être positif",
        "Ligne 5 : le montant HT « x » n'est pas un nombre (par exemple 11,80)",
    ]


def test_templates_round_trip():
    columns = ["numero", "prix_unitaire"]
    assert read_csv(write_csv_template(columns, ["23Q1", "11,80"])).rows[0]["prix_unitaire"] == "11,80"
    table = read_xlsx(write_xlsx_template(columns, ["23Q1", 11.8]))
    assert table.header == columns and parse_decimal(table.rows[0]["prix_unitaire"]) == Decimal("11.8")


# --- content checks and row limits (one reader for the orders' and the jobs' imports) ----------


def _zip(names):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.xlsx", _zip(["[Content_Types].xml", "word/document.xml"]), "n'est pas un classeur XLSX valide"),
        ("a.xlsx", _zip(["xl/workbook.xml"]), "n'est pas un classeur XLSX valide"),
        ("a.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "est une image PNG, pas un fichier XLSX"),
        ("a.csv", b"%PDF-1.7\n", "est un document PDF, pas un fichier CSV"),
        ("a.csv", b"numero;montant\n1;2\x00\n", "contenu binaire"),
        ("a.csv", _zip(["[Content_Types].xml", "xl/workbook.xml"]), "pas un fichier CSV"),
        ("a.csv", b"", "Le fichier est vide."),
    ],
)
def test_read_table_checks_the_content(name, content, message):
    with pytest.raises(TableError) as refused:
        read_table(content, filename=name)
    assert message in str(refused.value)


def test_read_table_decodes_utf8_with_or_without_bom_and_windows_1252():
    text = "Numéro;Intitulé\n1;Maçon\n"
    for raw in (text.encode("utf-8"), "\ufeff".encode() + text.encode("utf-8"), text.encode("cp1252")):
        table = read_table(raw, filename="a.csv")
        assert table.header == ["numero", "intitule"] and table.rows[0]["intitule"] == "Maçon"


def test_read_table_row_limit_is_a_parameter():
    raw = b"numero\n" + b"1\n" * 5
    assert len(read_table(raw, filename="a.csv", max_rows=5).rows) == 5
    with pytest.raises(TableError, match="Le fichier dépasse 4 lignes"):
        read_table(raw, filename="a.csv", max_rows=4)


def test_orders_file_keeps_20000_rows_and_hours_files_go_further():
    from formarche.imports.order_rows import read_orders_file
    from formarche.imports.readers import read_upload

    raw = b"numero\n" + b"1\n" * 20_001
    with pytest.raises(TableError, match="dépasse 20000 lignes"):
        read_orders_file(raw, filename="commandes.csv")
    fmt, table = read_upload(raw, "heures.csv")
    assert fmt == "csv" and len(table.rows) == 20_001
