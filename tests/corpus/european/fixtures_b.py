"""European fixtures, part 2: NUTS, German and Danish files, codes, tokens, BOM."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from tests.corpus.european.fixture_kit import (
    DE_WORDS,
    HERE,
    TOWNS,
    dmy,
    fr_number,
    sentence,
    write,
)


def nuts_regions(rng: random.Random) -> None:
    regions = [
        ("FR101", "Paris", "FR"),
        ("FR105", "Hauts-de-Seine", "FR"),
        ("FRC11", "Côte-d'Or", "FR"),
        ("FRC21", "Doubs", "FR"),
        ("DE212", "München", "DE"),
        ("DEA23", "Köln", "DE"),
        ("DE300", "Berlin", "DE"),
        ("DK014", "Bornholm", "DK"),
        ("DK032", "Sydjylland", "DK"),
        ("AT130", "Wien", "AT"),
        ("BE100", "Bruxelles", "BE"),
        ("ES300", "Madrid", "ES"),
        ("ITC4C", "Milano", "IT"),
        ("NL329", "Groot-Amsterdam", "NL"),
    ]
    rows = [
        [
            code,
            name,
            country,
            fr_number(rng.uniform(900, 250_000), 1, "."),
            fr_number(rng.uniform(18_000, 120_000), 0, "."),
        ]
        for code, name, country in regions
    ]
    write("nuts3_pib.csv", ["code_nuts3", "libelle", "pays", "pib_meur", "pib_par_habitant"], rows)


def umfrage(rng: random.Random) -> None:
    levels = ["Hauptschule", "Realschule", "Abitur", "Hochschule"]
    cities = ["Zürich", "München", "Köln", "Düsseldorf", "Würzburg"]
    rows = [
        [
            i,
            rng.choice(["m", "w"]),
            rng.randint(18, 85),
            rng.choice(["ja", "nein"]),
            rng.choice(levels),
            rng.choice(cities),
            sentence(rng, DE_WORDS, rng.randint(3, 12)),
        ]
        for i in range(1, 301)
    ]
    write(
        "umfrage_wohnen_cp1252.csv",
        [
            "Befragte_Nr",
            "Geschlecht",
            "Alter",
            "Raucher",
            "Bildungsabschluss",
            "Wohnort",
            "Anmerkung",
        ],
        rows,
        encoding="cp1252",
    )


def kommuner(rng: random.Random) -> None:
    names = [
        "Ærø",
        "Aalborg",
        "Århus",
        "Brønderslev",
        "Fanø",
        "Læsø",
        "Nørre Alslev",
        "Sorø",
        "Tønder",
        "Vesthimmerland",
        "Ringkøbing-Skjern",
        "Høje-Taastrup",
        "Hørsholm",
    ]
    rows = [
        [f"{i:03d}", n, rng.randint(1_700, 350_000), fr_number(rng.uniform(12, 1_500), 2)]
        for i, n in enumerate(names, 101)
    ]
    write(
        "kommuner_cp1252.csv",
        ["kommunekode", "kommune", "indbyggere", "areal_km2"],
        rows,
        encoding="cp1252",
    )


def constante_vide(rng: random.Random) -> None:
    rows = [
        [f"E{i:04d}", "FR", "", rng.choice(["A", "B", "C", "D"]), f"{rng.uniform(0, 1):.4f}"]
        for i in range(120)
    ]
    write(
        "constante_et_vide.csv", ["code_etab", "pays", "observations", "categorie", "score"], rows
    )


def horaires_trains(rng: random.Random) -> None:
    rows = []
    for i in range(150):
        dep = rng.randint(5 * 60, 22 * 60)
        arr = dep + rng.randint(20, 180)
        rows.append(
            [
                f"TER{870000 + i * 7}",
                f"{dep // 60:02d}:{dep % 60:02d}",
                f"{arr // 60 % 24:02d}:{arr % 60:02d}:00",
                rng.choice(["A", "B", "C", "1"]),
                f"{rng.expovariate(0.3):.1f}".replace(".", ","),
                "",
            ]
        )
    write(
        "horaires_trains.csv",
        ["numero_train", "heure_depart", "heure_arrivee", "quai", "retard_minutes", "remarques"],
        rows,
    )


def depenses(rng: random.Random) -> None:
    rows = [
        [
            name,
            fr_number(rng.uniform(500, 900_000), 1, "."),
            fr_number(rng.uniform(100, 90_000), 1, "."),
            "",
        ]
        for _i, _c, name, *_ in TOWNS
    ]
    header = ["commune", "depenses_keur", "investissement_keur", "commentaire"]
    write("depenses_communes.csv", header, rows)


def bom_utf8(rng: random.Random) -> None:
    start = date(2022, 1, 1)
    rows = [
        [
            (start + timedelta(days=7 * i)).isoformat(),
            rng.choice(["faible", "moyen", "élevé"]),
            rng.choice(["Besançon", "Zürich", "Ærø", "Łódź", "Saint-Étienne"]),
            fr_number(rng.uniform(0, 500), 2),
        ]
        for i in range(104)
    ]
    data = (
        "\ufeff"
        + "\r\n".join(";".join(r) for r in [["semaine", "niveau_risque", "ville", "indice"], *rows])
        + "\r\n"
    )
    (HERE / "risque_bom_utf8.csv").write_text(data, encoding="utf-8", newline="")


def siren(rng: random.Random) -> None:
    cats = ["fournitures", "travaux", "services", "subventions"]
    start = date(2023, 1, 1)
    rows = []
    for _ in range(250):
        s = f"{rng.randint(5_000_000, 999_999_999):09d}"
        d = start + timedelta(days=rng.randint(0, 364))
        rows.append(
            [
                s,
                s + f"{rng.randint(1, 99999):05d}",
                dmy(d),
                rng.choice(cats),
                fr_number(rng.uniform(50, 250_000), 2, " "),
            ]
        )
    rows[0][2], rows[1][2] = "31/12/2023", "01/02/2023"
    write(
        "marches_publics_siren.csv",
        ["siren", "siret", "date_notification", "categorie", "montant_eur"],
        rows,
    )
    # Make every SIREN unique (a key) while keeping some with leading zeros.
    assert len({r[0] for r in rows}) == len(rows)


def horodatage_fr(rng: random.Random) -> None:
    t0 = datetime(2023, 12, 1)
    rows = [
        [
            (t0 + timedelta(minutes=rng.randint(0, 60 * 24 * 60))).strftime("%d/%m/%Y %H:%M"),
            rng.choice(["entrée", "sortie"]),
            rng.randint(1, 12),
        ]
        for _ in range(300)
    ]
    write("passages_parking.csv", ["horodatage", "sens", "nb_vehicules"], rows)


def jetons_manquants(rng: random.Random) -> None:
    tokens = ["n/a", "-", "..", "", "NA"]
    rows = []
    for i in range(400):
        v = rng.choice(tokens) if rng.random() < 0.1 else fr_number(rng.uniform(0, 40), 1)
        rows.append(
            [
                f"P{i:04d}",
                v,
                rng.choice(["Oui", "Non"]),
                rng.choice(["très faible", "faible", "moyen", "élevé", "très élevé"]),
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            ]
        )
    header = ["point", "pluie_mm", "alerte", "niveau_vigilance", "heure_releve"]
    write("releves_pluie.csv", header, rows)


def codes_postaux(rng: random.Random) -> None:
    cps = ["01000", "01100", "75001", "75002", "06000", "09000", "20000", "25000", "04000"]
    rows = [
        [
            i,
            rng.choice(cps),
            rng.choice(["01", "2A", "2B", "75", "06", "09", "25"]),
            f"{rng.uniform(1, 100):.1f}",
        ]
        for i in range(1, 501)
    ]
    write(
        "adresses_codes.csv",
        ["ligne", "code_postal", "code_departement", "surface_m2"],
        rows,
        sep=",",
    )
