"""Writes the European fixture files of the stat-type corpus (run once; the output is committed).

Synthetic but shaped like real European open data: cp1252 and BOM encodings, `;`/tab/`|`
delimiters, decimal commas and thousands separators, day-first dates, leading-zero codes, a title
line above the header, oui/non and ja/nein answers, NA first appearing after row 1000, gzip.
Deterministic (fixed seed), so re-running it rewrites identical files.

    uv run python -m tests.corpus.european.make_fixtures
"""

from __future__ import annotations

import random

from tests.corpus.european import fixtures_a as a
from tests.corpus.european import fixtures_b as b


def main() -> None:
    rng = random.Random(20231231)
    for make in (
        a.communes,
        a.villes_europe,
        a.qualite_air,
        a.us_sales,
        a.enquete_menages,
        a.population_titre,
        a.stations_meteo,
        a.bahnhoefe,
        a.capteurs,
        a.points_interet,
        b.nuts_regions,
        b.umfrage,
        b.kommuner,
        b.constante_vide,
        b.horaires_trains,
        b.depenses,
        b.bom_utf8,
        b.siren,
        b.horodatage_fr,
        b.jetons_manquants,
        b.codes_postaux,
    ):
        make(rng)


if __name__ == "__main__":
    main()
