"""Lists exported in the user's language: each language's CRM headers import names, emails,
phones and companies; the mapping is visible; no nameless prospect slips in; family names first
where the country writes them first."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from dialer_tui.services.importer import CsvInputError, import_csv
from dialer_tui.store.models import PhoneNumber, Prospect

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)

# (language, region, CSV as a CRM in that language exports it, expected people)
EXPORTS = [
    ("de", "DE",
     "Anrede;Vorname;Nachname;Firma;Position;E-Mail-Adresse;Telefon;Handy;Ort;Bundesland\n"
     "Herr;Jonas;Becker;Becker Logistik GmbH;Geschäftsführer;j.becker@becker.example;"
     "030 1234567;0151 23456789;Berlin;Berlin\n"
     "Frau;Lena;Schmidt;Schmidt & Co. KG;Einkauf;lena@schmidt.example;089 1234567;;München;"
     "Bayern\n",
     [("Jonas", "Becker", "Becker Logistik GmbH", "j.becker@becker.example",
       {"+49301234567": "office", "+4915123456789": "mobile"}),
      ("Lena", "Schmidt", "Schmidt & Co. KG", "lena@schmidt.example",
       {"+49891234567": "office"})]),
    ("fr", "FR",
     "Civilité;Prénom;Nom;Société;Fonction;Courriel;Téléphone fixe;Téléphone portable;Ville\n"
     "M.;Luc;Martin;Martin Transports SARL;Directeur;luc@martin.example;01 42 68 53 00;"
     "06 12 34 56 78;Lyon\n"
     "Mme;Chloé;Bernard;Bernard Industrie;Acheteuse;chloe@bernard.example;04 72 00 00 00;;"
     "Lyon\n",
     [("Luc", "Martin", "Martin Transports SARL", "luc@martin.example",
       {"+33142685300": "office", "+33612345678": "mobile"}),
      ("Chloé", "Bernard", "Bernard Industrie", "chloe@bernard.example",
       {"+33472000000": "office"})]),
    ("es", "ES",
     "Nombre,Apellidos,Correo electrónico,Teléfono,Móvil,Empresa,Cargo,Ciudad\n"
     "Lucía,Fernández Ruiz,lucia@fr.example,912 345 678,612 345 678,Fernández SL,Gerente,"
     "Madrid\n"
     "Pablo,Gómez,pablo@gomez.example,934 567 890,,Gómez Hermanos,Director,Barcelona\n",
     [("Lucía", "Fernández Ruiz", "Fernández SL", "lucia@fr.example",
       {"+34912345678": "office", "+34612345678": "mobile"}),
      ("Pablo", "Gómez", "Gómez Hermanos", "pablo@gomez.example", {"+34934567890": "office"})]),
    ("it", "IT",
     "Nome,Cognome,Azienda,Ruolo,Posta elettronica,Telefono,Cellulare,Città\n"
     "Marco,Rossi,Rossi Spedizioni Srl,Titolare,marco@rossi.example,02 1234 5678,"
     "347 123 4567,Milano\n",
     [("Marco", "Rossi", "Rossi Spedizioni Srl", "marco@rossi.example",
       {"+390212345678": "office", "+393471234567": "mobile"})]),
    ("pt", "PT",
     "Primeiro nome,Sobrenome,Empresa,Cargo,E-mail,Telefone,Telemóvel,Cidade\n"
     "João,Silva,Silva & Filhos Lda,Diretor,joao@silva.example,213 456 789,912 345 678,"
     "Lisboa\n",
     [("João", "Silva", "Silva & Filhos Lda", "joao@silva.example",
       {"+351213456789": "office", "+351912345678": "mobile"})]),
    ("nl", "NL",
     "Voornaam;Achternaam;Bedrijfsnaam;Functie;E-mailadres;Telefoonnummer;Mobiel;Plaats\n"
     "Daan;de Vries;De Vries Transport BV;Eigenaar;daan@devries.example;020 123 4567;"
     "06 12345678;Amsterdam\n",
     [("Daan", "de Vries", "De Vries Transport BV", "daan@devries.example",
       {"+31201234567": "office", "+31612345678": "mobile"})]),
]


def people(engine) -> dict[str, tuple]:
    with Session(engine) as s:
        phones: dict[int, dict[str, str]] = {}
        for ph in s.exec(select(PhoneNumber)):
            phones.setdefault(ph.prospect_id, {})[ph.e164] = ph.kind
        return {p.email: (p.first_name, p.last_name, p.company, p.email, phones.get(p.id, {}))
                for p in s.exec(select(Prospect))}


@pytest.mark.parametrize("lang,region,text,expected", EXPORTS, ids=[e[0] for e in EXPORTS])
def test_each_languages_export_imports_names_emails_phones_and_companies(
        engine, tmp_path, lang, region, text, expected):
    src = tmp_path / f"{lang}.csv"
    src.write_text(text, encoding="utf-8")
    result = import_csv(engine, src, region=region, now=NOW)
    assert result.summary() == {"imported": len(expected), "merged": 0, "rejected": 0}
    got = people(engine)
    for person in expected:
        assert got[person[3]] == person
    assert None not in [result.columns[h] for h in ("Firma", "Société", "Empresa", "Azienda",
                                                    "Bedrijfsnaam") if h in result.columns]


def test_the_spanish_list_imports_three_named_prospects(engine, tmp_path):
    """The review's file: `Nombre` holds full names (no `Apellidos` beside it), `Correo` is the
    email; Marie's French mobile does not parse as Spanish, her email still reaches her."""
    src = tmp_path / "es.csv"
    src.write_text("Nombre,Correo,Telefono,Empresa,Notas\n"
                   "Juan García,juan@garcia.example,+34 612 345 678,García SL,Por la tarde\n"
                   "Ana López,ana@lopez.example,612 345 679,López SA,\n"
                   "Marie Dubois,marie@email.fr,06 12 34 56 78,,\n", encoding="utf-8")
    result = import_csv(engine, src, region="ES", now=NOW)
    assert result.summary() == {"imported": 3, "merged": 0, "rejected": 0}
    assert result.columns == {"Nombre": "full_name", "Correo": "email",
                              "Telefono": "phone (office)", "Empresa": "company",
                              "Notas": "research_notes"}
    got = people(engine)
    assert got["juan@garcia.example"][:3] == ("Juan", "García", "García SL")
    assert got["ana@lopez.example"][:2] == ("Ana", "López")
    assert got["marie@email.fr"] == ("Marie", "Dubois", "", "marie@email.fr", {})
    assert result.number_problems == [{"row": 4, "phone": "06 12 34 56 78",
                                       "reason": "not a possible number for ES"}]


def test_near_miss_headers_are_named_and_map_by_hand_wins(engine, tmp_path):
    src = tmp_path / "typos.csv"
    src.write_text("Nmae,Emial,Phne\nAna Ruiz,ana@ruiz.example,212 555 0100\n",
                   encoding="utf-8")
    with pytest.raises(CsvInputError) as err:
        import_csv(engine, src, now=NOW)
    assert "'Emial' looks like email" in str(err.value) and "--map" in str(err.value)
    result = import_csv(engine, src, now=NOW,
                        column_map={"Nmae": "full_name", "Emial": "email", "Phne": "mobile"})
    assert result.imported == 1
    assert people(engine)["ana@ruiz.example"] == ("Ana", "Ruiz", "", "ana@ruiz.example",
                                                  {"+12125550100": "mobile"})


def test_no_nameless_prospect_slips_into_a_file_with_names(engine, tmp_path):
    src = tmp_path / "gaps.csv"
    src.write_text("First Name,Last Name,Email,Phone\n"
                   "Ana,Ruiz,ana@ruiz.example,\n"
                   ",,ANA@ruiz.example,212 555 0100\n"  # no name, but it is Ana: merged
                   ",,ghost@nowhere.example,212 555 0101\n", encoding="utf-8")
    result = import_csv(engine, src, now=NOW, rejects_path=tmp_path / "rejects.csv")
    assert result.summary() == {"imported": 1, "merged": 1, "rejected": 1}
    assert [(r.row, r.reason.split(":")[0]) for r in result.rejects] == [(4, "no name")]
    assert "ghost@nowhere.example" in (tmp_path / "rejects.csv").read_text(encoding="utf-8")
    assert set(people(engine)) == {"ana@ruiz.example"}

    phones_only = tmp_path / "numbers.csv"  # no name column at all: kept, and counted
    phones_only.write_text("Phone,Company\n212 555 0102,Acme\n", encoding="utf-8")
    kept = import_csv(engine, phones_only, now=NOW)
    assert kept.imported == 1 and kept.nameless == 1
    assert any("1 rows have no name" in w for w in kept.warnings)


@pytest.mark.parametrize("country,full,first,last", [
    ("VN", "Nguyen Van An", "An", "Nguyen Van"), ("CN", "Wang Wei", "Wei", "Wang"),
    ("JP", "Tanaka Hiroshi", "Hiroshi", "Tanaka"), ("KR", "Kim Min-jun", "Min-jun", "Kim"),
    ("HU", "Nagy István", "István", "Nagy"), ("US", "Jane Smith", "Jane", "Smith"),
    ("VN", "Nguyen, An", "An", "Nguyen"),
])
def test_family_name_first_countries_greet_by_the_given_name(engine, tmp_path, country, full,
                                                             first, last):
    src = tmp_path / "names.csv"
    src.write_text(f'Name,Country,Email\n"{full}",{country},x@y.example\n', encoding="utf-8")
    import_csv(engine, src, now=NOW)
    assert people(engine)["x@y.example"][:2] == (first, last)


def test_a_users_header_synonyms_file_is_checked(tmp_path):
    from dialer_tui.errors import ConfigError
    from dialer_tui.services.header_map import vocabulary

    cfg = tmp_path / "cfg"
    cfg.mkdir()
    shipped = Path(__file__).resolve().parents[2] / "dialer_tui" / "data" / "header_synonyms.yaml"
    (cfg / "header_synonyms.yaml").write_text(
        shipped.read_text(encoding="utf-8").replace("    de: [vorname, rufname]",
                                                    "    de: [vorname, firma]"),
        encoding="utf-8")
    with pytest.raises(ConfigError, match="'firma' is listed under both") as err:
        vocabulary(cfg)
    assert str(err.value).startswith(f"{cfg / 'header_synonyms.yaml'}: fields.company.de:")
