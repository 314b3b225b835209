"""European fixtures, part 1: French communes, dates, encodings, geo."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from tests.corpus.european.fixture_kit import (
    EU_CITIES,
    FR_WORDS,
    TOWNS,
    dmy,
    fr_number,
    sentence,
    write,
)


def communes(rng: random.Random) -> None:
    # One row per commune: the INSEE code is the key (leading zeros and Corsican 2A/2B).
    rows = []
    for insee, cp, name, _lat, _lon in TOWNS:
        pop = rng.randint(2_000, 2_200_000)
        area = rng.uniform(10, 3_000)
        rows.append([insee, cp, name, pop, fr_number(area, 1, " "), fr_number(pop / area, 2)])
    write(
        "communes_cp1252.csv",
        ["code_insee", "code_postal", "nom_commune", "population", "superficie_km2", "densité"],
        rows,
        encoding="cp1252",
    )


def villes_europe(rng: random.Random) -> None:
    rows = []
    for name, country, lat, lon in EU_CITIES:
        if name == "Łódź":
            continue  # not representable in cp1252
        rows.append([name, country, fr_number(lat, 4), fr_number(lon, 4), rng.randint(5, 900)])
    write(
        "villes_europe_cp1252.csv",
        ["ville", "pays", "latitude", "longitude", "altitude_m"],
        rows,
        encoding="cp1252",
    )


def qualite_air(rng: random.Random) -> None:
    stations = ["Besançon-Centre", "Montbéliard", "Dole", "Belfort-Octroi"]
    start = date(2023, 1, 1)
    rows = []
    for i in range(365):
        d = start + timedelta(days=i)
        no2 = rng.uniform(3, 80)
        rows.append(
            [
                dmy(d),
                f"{rng.randint(0, 23):02d}:{rng.choice([0, 15, 30, 45]):02d}",
                rng.choice(stations),
                fr_number(no2, 1),
                "oui" if no2 > 60 else "non",
            ]
        )
    write(
        "qualite_air_jour.csv", ["date_mesure", "heure", "station", "no2_ugm3", "depassement"], rows
    )


def us_sales(rng: random.Random) -> None:
    start = date(2023, 1, 1)
    rows = []
    for _ in range(200):
        d = start + timedelta(days=rng.randint(0, 364))
        rows.append(
            [
                d.strftime("%m/%d/%Y"),
                rng.choice(["East", "West", "North", "South"]),
                f"{rng.uniform(10, 5000):.2f}",
                rng.randint(1, 40),
            ]
        )
    rows.append(["12/31/2023", "East", "99.90", 3])
    rows.append(["02/01/2023", "West", "12.50", 1])
    write(
        "us_sales_month_first.csv", ["order_date", "region", "amount_usd", "units"], rows, sep=","
    )


def enquete_menages(rng: random.Random) -> None:
    levels = ["faible", "moyen", "élevé"]
    rows = []
    for i in range(1500):
        revenu = (
            "NA"
            if i > 1000 and rng.random() < 0.05
            else fr_number(max(300.0, rng.gauss(2400, 700)), 2)
        )
        comment = sentence(rng, FR_WORDS, rng.randint(4, 14)) if rng.random() < 0.6 else ""
        rows.append(
            [
                f"M{i + 1:05d}",
                revenu,
                rng.choice(levels),
                rng.choice([0, 0, 1, 1, 2, 3, 4]),
                rng.choice(["oui", "non"]),
                comment,
            ]
        )
    write(
        "enquete_menages.csv",
        [
            "id_menage",
            "revenu_mensuel",
            "satisfaction",
            "nb_enfants",
            "proprietaire",
            "commentaire",
        ],
        rows,
    )


def population_titre(rng: random.Random) -> None:
    rows = [[insee[:2], name, rng.randint(1_000, 900_000)] for insee, _cp, name, *_ in TOWNS]
    write(
        "population_titre.csv",
        ["departement", "commune", "population_municipale"],
        rows,
        title="Populations légales 2021 - source : recensement (fichier de démonstration)",
    )


def stations_meteo(rng: random.Random) -> None:
    rows = [
        [
            f"STA{i:03d}",
            name,
            f"{lat + rng.uniform(-0.05, 0.05):.5f}",
            f"{lon + rng.uniform(-0.05, 0.05):.5f}",
            f"{rng.uniform(0, 1800):.1f}",
        ]
        for i, (_c, _p, name, lat, lon) in enumerate(TOWNS, 1)
    ]
    write("stations_meteo.tsv", ["id_station", "nom", "lat", "lon", "altitude"], rows, sep="\t")


def bahnhoefe(rng: random.Random) -> None:
    names = [
        "München Hbf",
        "Köln Hbf",
        "Düsseldorf Hbf",
        "Nürnberg Hbf",
        "Würzburg Hbf",
        "Lübeck Hbf",
        "Saarbrücken Hbf",
        "Osnabrück Hbf",
        "Göttingen",
        "Fürth (Bay) Hbf",
        "Mönchengladbach Hbf",
        "Zürich HB",
    ]
    länder = ["Bayern", "Nordrhein-Westfalen", "Schleswig-Holstein", "Saarland", "Niedersachsen"]
    rows = [
        [
            n,
            f"{rng.uniform(47.3, 54.9):.6f}",
            f"{rng.uniform(6.0, 14.9):.6f}",
            rng.choice(länder),
            rng.choice(["ja", "nein"]),
            rng.randint(2, 24),
        ]
        for n in names
    ]
    write(
        "bahnhoefe.csv",
        ["Bahnhof", "Breitengrad_lat", "Laengengrad_lon", "Bundesland", "barrierefrei", "Gleise"],
        rows,
        sep="|",
    )


def capteurs(rng: random.Random) -> None:
    t0 = datetime(2023, 3, 1)
    rows = [
        [
            (t0 + timedelta(minutes=15 * i)).strftime("%Y-%m-%d %H:%M:%S"),
            rng.choice(["C-01", "C-02", "C-03"]),
            f"{rng.uniform(-5, 35):.2f}",
        ]
        for i in range(800)
    ]
    write("capteurs_temperature.csv.gz", ["horodatage", "capteur", "temperature_c"], rows)


def points_interet(rng: random.Random) -> None:
    kinds = ["musée", "mairie", "piscine", "bibliothèque", "gare"]
    rows = [
        [
            f"POI-{i:04d}",
            rng.choice(kinds),
            name,
            fr_number(lat + rng.uniform(-0.02, 0.02), 6),
            fr_number(lon + rng.uniform(-0.02, 0.02), 6),
        ]
        for i, (_c, _p, name, lat, lon) in enumerate(TOWNS * 3, 1)
    ]
    write(
        "points_interet.csv",
        [
            "identifiant",
            "type_equipement",
            "commune",
            "Latitude du centroïde",
            "Longitude du centroïde",
        ],
        rows,
    )
