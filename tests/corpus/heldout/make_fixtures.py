"""Writes the European fixtures of the held-out stat-type corpus (run once; output committed).

Held out on purpose: written after the profiler's rules were tuned, with vocabulary and layouts
that tests/corpus/european/ does not use (Spanish, Dutch, Italian, Swiss and Belgian files; Sí/No,
ja/nee, sì/no; dd-mm-yyyy and dd.mm.yyyy HH:MM; Swiss 1'234.5 thousands; "1.234,56" amounts;
other names for coordinates). Deterministic (fixed seed), so re-running it rewrites identical files.

    uv run python -m tests.corpus.heldout.make_fixtures
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
Row = Sequence[object]


def write(
    name: str,
    header: Row,
    rows: Sequence[Row],
    *,
    sep: str = ";",
    encoding: str = "utf-8",
    title: str | None = None,
) -> None:
    lines = [] if title is None else [title]
    lines += [sep.join(str(v) for v in r) for r in [header, *rows]]
    (HERE / name).write_bytes(("\n".join(lines) + "\n").encode(encoding))


def comma(x: float, decimals: int, thousands: str = "") -> str:
    """1234.5 -> '1.234,50' (thousands='.') or '1234,50'."""
    whole, frac = f"{x:,.{decimals}f}".split(".")
    return f"{whole.replace(',', thousands)},{frac}"


def swiss(x: float, decimals: int) -> str:
    """1234.5 -> "1'234.5" (Swiss thousands apostrophe, decimal point)."""
    return f"{x:,.{decimals}f}".replace(",", "'")


def remark(rng: random.Random, words: Sequence[str]) -> str:
    s = " ".join(rng.choice(words) for _ in range(rng.randint(4, 11)))
    return s[0].upper() + s[1:] + "."


PROVINCIAS = {
    "Barcelona": ("08", 41.39, 2.17),
    "Girona": ("17", 41.98, 2.82),
    "Alicante": ("03", 38.35, -0.48),
    "Almería": ("04", 36.84, -2.46),
    "Ávila": ("05", 40.66, -4.70),
    "Madrid": ("28", 40.42, -3.70),
    "Sevilla": ("41", 37.39, -5.98),
    "Cáceres": ("10", 39.47, -6.37),
    "Málaga": ("29", 36.72, -4.42),
    "Badajoz": ("06", 38.88, -6.97),
}


def es_centros_salud(rng: random.Random) -> None:
    rows = []
    names = ("Centro de Salud", "Consultorio", "CAP", "Ambulatorio")
    barrios = ("Norte", "Sur", "Centro", "La Estación", "El Carmen", "San Andrés", "Las Flores")
    for i in range(1, 181):
        prov = rng.choice(list(PROVINCIAS))
        code, lat, lon = PROVINCIAS[prov]
        opened = date(1975, 1, 1) + timedelta(days=rng.randrange(17000))
        rows.append(
            (
                f"CS{i:05d}",
                f"{rng.choice(names)} {rng.choice(barrios)} {i}",
                prov,
                f"{code}{rng.randrange(1, 40):03d}",
                comma(lat + rng.uniform(-0.4, 0.4), 6),
                comma(lon + rng.uniform(-0.4, 0.4), 6),
                rng.choice(("Sí", "No", "No")),
                opened.strftime("%d/%m/%Y"),
                rng.choice(("07:30", "08:00", "08:00", "08:30", "09:00", "15:00")),
                rng.choice((0, 0, 4, 8, 12, 16, 20, 24, 30, 36, 48, 60, 75)),
                comma(rng.uniform(80_000, 4_500_000), 2, thousands="."),
            )
        )
    header = (
        "código_centro",
        "nombre_centro",
        "provincia",
        "código_postal",
        "latitud",
        "longitud",
        "urgencias_24h",
        "fecha_apertura",
        "hora_apertura",
        "camas",
        "presupuesto_eur",
    )
    write("es_centros_salud_cp1252.csv", header, rows, encoding="cp1252")


NL_WORDS = (
    "teller",
    "stond",
    "uit",
    "door",
    "werkzaamheden",
    "aan",
    "het",
    "fietspad",
    "veel",
    "drukte",
    "rond",
    "de",
    "markt",
    "omleiding",
    "via",
    "kade",
    "storing",
    "hersteld",
    "na",
    "controle",
)


def nl_fietstellingen(rng: random.Random) -> None:
    meetpunten = (
        "Coolsingel",
        "Erasmusbrug",
        "Maasboulevard",
        "Blaak",
        "Kralingseweg",
        "Schiekade",
    )
    rows = []
    day = date(2023, 3, 1)
    for _ in range(70):
        for hour in (7, 12, 17):
            point = rng.choice(meetpunten)
            note = remark(rng, NL_WORDS) if rng.random() < 0.25 else ""
            rows.append(
                (
                    point,
                    day.strftime("%d-%m-%Y"),
                    f"{hour:02d}:{rng.choice((0, 15, 30, 45)):02d}",
                    rng.randrange(40, 2400),
                    rng.choice(("ja", "nee", "nee")),
                    comma(rng.uniform(-3, 24), 1),
                    note,
                )
            )
        day += timedelta(days=1)
    header = (
        "meetpunt",
        "datum",
        "tijdstip",
        "aantal_fietsers",
        "regen",
        "temperatuur_c",
        "opmerking",
    )
    write("nl_fietstellingen.csv", header, rows)


PLZ_ORTE = (
    ("01067", "Dresden", 51.05, 13.74),
    ("04109", "Leipzig", 51.34, 12.37),
    ("06108", "Halle (Saale)", 51.48, 11.97),
    ("07743", "Jena", 50.93, 11.59),
    ("09111", "Chemnitz", 50.83, 12.92),
    ("80331", "München", 48.14, 11.58),
    ("50667", "Köln", 50.94, 6.96),
    ("20095", "Hamburg", 53.55, 9.99),
)
BEWERTUNGEN = ("sehr gut", "gut", "befriedigend", "ausreichend", "mangelhaft")


def de_apotheken_notdienst(rng: random.Random) -> None:
    rows = []
    start = datetime(2024, 1, 1, 8, 0)
    for i in range(1, 161):
        plz, ort, lat, lon = rng.choice(PLZ_ORTE)
        begin = start + timedelta(hours=12 * rng.randrange(700))
        rows.append(
            (
                f"APO-{i:05d}",
                f"{rng.choice(('Löwen', 'Stern', 'Rathaus', 'Markt', 'Brücken'))}-Apotheke {i}",
                plz,
                ort,
                comma(lat + rng.uniform(-0.05, 0.05), 5),
                comma(lon + rng.uniform(-0.05, 0.05), 5),
                begin.strftime("%d.%m.%Y %H:%M"),
                rng.choice(("ja", "nein")),
                rng.choices(BEWERTUNGEN, weights=(3, 5, 3, 2, 1))[0],
            )
        )
    header = (
        "apotheke_id",
        "name",
        "plz",
        "ort",
        "breitengrad",
        "längengrad",
        "notdienst_beginn",
        "barrierefrei",
        "bewertung",
    )
    write("de_apotheken_notdienst_cp1252.csv", header, rows, encoding="cp1252")


FR_WORDS = (
    "absence",
    "de",
    "traçabilité",
    "des",
    "produits",
    "frais",
    "chambre",
    "froide",
    "à",
    "nettoyer",
    "personnel",
    "bien",
    "formé",
    "locaux",
    "vétustes",
    "étiquetage",
    "incomplet",
    "température",
    "conforme",
    "rappel",
)
NIVEAUX = ("Très satisfaisant", "Satisfaisant", "A améliorer", "A corriger de manière urgente")
DEPARTEMENTS = ("01", "05", "07", "09", "2A", "2B", "13", "33", "69", "75", "974")


def fr_controles_sanitaires(rng: random.Random) -> None:
    rows = []
    for i in range(1, 221):
        level = rng.choices(NIVEAUX, weights=(4, 6, 2, 1))[0]
        inspected = date(2022, 1, 3) + timedelta(days=rng.randrange(700))
        rows.append(
            (
                f"{rng.randrange(10**8):09d}{rng.randrange(10**4):05d}",
                f"{rng.choice(('Boulangerie', 'Restaurant', 'Boucherie', 'Traiteur'))} n°{i}",
                rng.choice(DEPARTEMENTS),
                inspected.strftime("%d/%m/%Y"),
                level,
                "non" if level.startswith("A ") else "oui",
                rng.randrange(0, 45),
                comma(rng.uniform(40_000, 2_000_000), 2),
                remark(rng, FR_WORDS),
            )
        )
    header = (
        "siret",
        "raison_sociale",
        "département",
        "date_inspection",
        "niveau_hygiène",
        "conforme",
        "nb_salariés",
        "chiffre_affaires",
        "observations",
    )
    write("fr_controles_sanitaires.csv", header, rows)


COMUNI = (
    ("001272", "Torino", 45.07, 7.69),
    ("003106", "Novara", 45.45, 8.62),
    ("008031", "Imperia", 43.89, 8.03),
    ("010025", "Genova", 44.41, 8.93),
    ("058091", "Roma", 41.90, 12.50),
    ("063049", "Napoli", 40.85, 14.27),
    ("082053", "Palermo", 38.12, 13.36),
    ("092009", "Cagliari", 39.22, 9.12),
)


def it_acque_balneazione(rng: random.Random) -> None:
    rows = []
    for i in range(1, 201):
        istat, comune, lat, lon = rng.choice(COMUNI)
        sampled = date(2023, 5, 1) + timedelta(days=rng.randrange(150))
        ecoli = round(rng.lognormvariate(3.5, 1.2), 1)
        rows.append(
            (
                f"IT{istat}{i:04d}",
                comune,
                istat,
                sampled.strftime("%d/%m/%Y"),
                f"{rng.randrange(7, 19):02d}:{rng.randrange(60):02d}",
                comma(ecoli, 1),
                "sì" if ecoli < 200 else "no",
                comma(lat + rng.uniform(-0.1, 0.1), 5),
                comma(lon + rng.uniform(-0.1, 0.1), 5),
            )
        )
    header = (
        "id_punto",
        "comune",
        "codice_istat",
        "data_prelievo",
        "ora_prelievo",
        "escherichia_coli",
        "balneabile",
        "latitudine",
        "longitudine",
    )
    write("it_acque_balneazione.csv", header, rows)


PROVINCIES = ("Antwerpen", "Limburg", "Oost-Vlaanderen", "West-Vlaanderen", "Vlaams-Brabant")


def be_gemeenten(rng: random.Random) -> None:
    rows = []
    for i in range(1, 121):
        prov = rng.choice(PROVINCIES)
        rows.append(
            (
                f"{rng.choice((11, 23, 31, 41, 71))}{i:03d}",
                f"Gemeente{i:03d}",
                prov,
                "België",
                rng.randrange(2_000, 90_000),
                comma(rng.uniform(8, 180), 2),
                "ja" if prov == "West-Vlaanderen" and rng.random() < 0.4 else "nee",
                "",
            )
        )
    header = (
        "nis_code",
        "gemeente",
        "provincie",
        "land",
        "inwoners",
        "oppervlakte_km2",
        "kustgemeente",
        "fusie_opmerking",
    )
    write("be_gemeenten.csv", header, rows)


KANTONE = ("ZH", "BE", "LU", "UR", "SZ", "GR", "TI", "VD", "GE")


def ch_stromverbrauch(rng: random.Random) -> None:
    rows = []
    bfs_numbers = rng.sample(range(1, 6800), 150)
    for i in range(1, 151):
        day = date(2022, 1, 31) + timedelta(days=rng.randrange(365))
        rows.append(
            (
                rng.choice(KANTONE),
                f"Gemeinde {i}",
                bfs_numbers[i - 1],
                swiss(rng.uniform(200, 250_000), 1),
                f"{rng.uniform(20, 95):.1f}",
                day.strftime("%d.%m.%Y"),
                "MWh",
                "",
            )
        )
    header = (
        "Kanton",
        "Gemeinde",
        "BFS_Nr",
        "Verbrauch_MWh",
        "Anteil_Erneuerbar_Prozent",
        "Stichtag",
        "Einheit",
        "Bemerkungen",
    )
    title = "Stromverbrauch der Gemeinden 2022 (Quelle: fiktiv, Testdaten)"
    write("ch_stromverbrauch.csv", header, rows, title=title)


def main() -> None:
    rng = random.Random(20240229)
    for make in (
        es_centros_salud,
        nl_fietstellingen,
        de_apotheken_notdienst,
        fr_controles_sanitaires,
        it_acque_balneazione,
        be_gemeenten,
        ch_stromverbrauch,
    ):
        make(rng)


if __name__ == "__main__":
    main()
