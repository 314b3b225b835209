"""Helpers and reference data shared by the European fixture generators."""

from __future__ import annotations

import gzip
import random
from collections.abc import Sequence
from datetime import date
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
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    if name.endswith(".gz"):
        # mtime=0 keeps the gzip bytes identical between runs.
        data = gzip.compress(data, mtime=0)
    (HERE / name).write_bytes(data)


def fr_number(x: float, decimals: int = 1, thousands: str = "") -> str:
    """1234.5 -> '1 234,5' (thousands=' ') or '1.234,5' (thousands='.')."""
    whole, frac = f"{x:,.{decimals}f}".split(".") if decimals else (f"{x:,.0f}", "")
    whole = whole.replace(",", thousands)
    return f"{whole},{frac}" if decimals else whole


def dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def sentence(rng: random.Random, words: Sequence[str], n: int) -> str:
    s = " ".join(rng.choice(words) for _ in range(n))
    return s[0].upper() + s[1:] + "."


FR_WORDS = (
    "le",
    "logement",
    "est",
    "bruyant",
    "mais",
    "bien",
    "situé",
    "près",
    "de",
    "la",
    "gare",
    "chauffage",
    "ancien",
    "voisins",
    "agréables",
    "loyer",
    "trop",
    "élevé",
    "pour",
    "le",
    "quartier",
    "fenêtres",
    "à",
    "changer",
    "accès",
    "au",
    "bus",
    "facile",
)
DE_WORDS = (
    "die",
    "Wohnung",
    "ist",
    "hell",
    "aber",
    "laut",
    "Nachbarn",
    "freundlich",
    "Miete",
    "zu",
    "hoch",
    "Heizung",
    "alt",
    "gute",
    "Anbindung",
    "an",
    "den",
    "Bahnhof",
    "Fenster",
    "undicht",
    "Garten",
    "schön",
)

TOWNS = [
    ("01053", "01000", "Bourg-en-Bresse", 46.2052, 5.2255),
    ("25056", "25000", "Besançon", 47.2378, 6.0241),
    ("75101", "75001", "Paris 1er Arrondissement", 48.8625, 2.3364),
    ("13055", "13001", "Marseille", 43.2965, 5.3698),
    ("2A004", "20000", "Ajaccio", 41.9192, 8.7386),
    ("2B033", "20200", "Bastia", 42.6973, 9.4509),
    ("59350", "59000", "Lille", 50.6292, 3.0573),
    ("67482", "67000", "Strasbourg", 48.5734, 7.7521),
    ("69123", "69001", "Lyon", 45.7640, 4.8357),
    ("06088", "06000", "Nice", 43.7102, 7.2620),
    ("08105", "08000", "Charleville-Mézières", 49.7621, 4.7262),
    ("09122", "09000", "Foix", 42.9653, 1.6079),
    ("31555", "31000", "Toulouse", 43.6047, 1.4442),
    ("33063", "33000", "Bordeaux", 44.8378, -0.5792),
    ("29019", "29200", "Brest", 48.3904, -4.4861),
    ("04070", "04000", "Digne-les-Bains", 44.0925, 6.2356),
    ("05061", "05000", "Gap", 44.5594, 6.0786),
    ("07186", "07000", "Privas", 44.7353, 4.5992),
    ("44109", "44000", "Nantes", 47.2184, -1.5536),
    ("35238", "35000", "Rennes", 48.1173, -1.6778),
]
EU_CITIES = [
    ("Zürich", "CH", 47.3769, 8.5417),
    ("Genève", "CH", 46.2044, 6.1432),
    ("Besançon", "FR", 47.2378, 6.0241),
    ("Ærø", "DK", 54.8833, 10.4167),
    ("Ålborg", "DK", 57.0488, 9.9217),
    ("München", "DE", 48.1351, 11.5820),
    ("Köln", "DE", 50.9375, 6.9603),
    ("Düsseldorf", "DE", 51.2277, 6.7735),
    ("Saint-Étienne", "FR", 45.4397, 4.3872),
    ("Orléans", "FR", 47.9030, 1.9093),
    ("Brønderslev", "DK", 57.2702, 9.9410),
    ("Göteborg", "SE", 57.7089, 11.9746),
    ("Málaga", "ES", 36.7213, -4.4214),
    ("A Coruña", "ES", 43.3623, -8.4115),
    ("Liège", "BE", 50.6326, 5.5797),
    ("Łódź", "PL", 51.7592, 19.4560),
]
