"""Words the statistical-type rules look for: in column names (lower-cased tokens, accents
removed) and in values (yes/no pairs, ordered scales). English, French, German, Dutch, Spanish,
Italian, because the platform serves European open data."""

from __future__ import annotations

import re
import unicodedata

ID_NAMES = frozenset(
    [
        "id",
        "ids",
        "code",
        "codes",
        "key",
        "uuid",
        "guid",
        "identifier",
        "ref",
        "siren",
        "siret",
        "insee",
        "pk",
        "sku",
        "iso",
        "nr",
        "nummer",
    ]
)
LAT_NAMES = frozenset({"lat", "latitude", "breite", "breitengrad"})
LON_NAMES = frozenset({"lon", "lng", "long", "longitude", "laenge", "lange", "laengengrad"})
# Bare x / y are axes of anything: accepted as coordinates only with less confidence.
LAT_AXIS, LON_AXIS = frozenset({"y"}), frozenset({"x"})
YEAR_NAMES = frozenset({"year", "years", "yr", "annee", "an", "jahr", "jaar", "anno", "ano"})
# Calendar parts stored as integers, with the range their values must fall in.
CALENDAR_PARTS: dict[str, tuple[str, int, int]] = {
    **dict.fromkeys(("month", "mois", "monat", "maand", "mes", "mese"), ("month", 1, 12)),
    **dict.fromkeys(("day", "jour", "tag", "dag", "dia", "giorno"), ("day", 1, 31)),
    **dict.fromkeys(("hour", "heure", "stunde", "uur", "hora", "ora"), ("hour", 0, 23)),
    **dict.fromkeys(("weekday", "dow", "wochentag", "jour_semaine"), ("weekday", 0, 7)),
}
COUNT_NAMES = frozenset(
    [
        "n",
        "nb",
        "nbr",
        "num",
        "number",
        "count",
        "cnt",
        "total",
        "nombre",
        "anzahl",
        "aantal",
        "numero",
        "qty",
        "quantity",
    ]
)
SCALE_NAMES = frozenset(
    [
        "rating",
        "score",
        "level",
        "grade",
        "rank",
        "ranking",
        "likert",
        "satisfaction",
        "class",
        "niveau",
        "note",
        "stufe",
    ]
)

# Each pair: (yes-like, no-like). Compared lower-cased.
YES_NO = (
    ("yes", "no"),
    ("y", "n"),
    ("true", "false"),
    ("t", "f"),
    ("oui", "non"),
    ("o", "n"),
    ("vrai", "faux"),
    ("ja", "nein"),
    ("ja", "nee"),
    ("j", "n"),
    ("si", "no"),
    ("sí", "no"),
    ("wahr", "falsch"),
    ("waar", "onwaar"),
)

# Ordered level sets, lowest first. A column is ordinal when its levels are >= 3 of one scale.
SCALES: tuple[tuple[str, ...], ...] = (
    ("very low", "low", "medium", "high", "very high"),
    ("tres faible", "faible", "moyen", "eleve", "tres eleve"),
    ("faible", "moyen", "fort"),
    ("sehr niedrig", "niedrig", "mittel", "hoch", "sehr hoch"),
    ("zeer laag", "laag", "gemiddeld", "hoog", "zeer hoog"),
    ("laag", "midden", "hoog"),
    ("bajo", "medio", "alto"),
    ("basso", "medio", "alto"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    ("pas du tout d'accord", "plutot pas d'accord", "plutot d'accord", "tout a fait d'accord"),
    ("never", "rarely", "sometimes", "often", "always"),
    ("jamais", "rarement", "parfois", "souvent", "toujours"),
    ("nie", "selten", "manchmal", "oft", "immer"),
    ("very poor", "poor", "fair", "good", "very good", "excellent"),
    ("bad", "average", "good"),
    ("small", "medium", "large"),
    ("xs", "s", "m", "l", "xl", "xxl"),
)
_RANK = re.compile(r"^(\d+)\s*(st|nd|rd|th|er|re|e|eme|de|ste|te|o|a)$")


def fold(text: str) -> str:
    """Lower case without accents: 'Année' -> 'annee', 'Élevé' -> 'eleve'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_tokens(name: str) -> set[str]:
    """'geoLatitude', 'code_postal', 'ID' -> {'geo', 'latitude'}, {'code', 'postal'}, {'id'}."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {t for t in re.split(r"[^a-z0-9]+", fold(spaced)) if t}


def yes_no(levels: list[str]) -> tuple[str, str] | None:
    """The two levels ordered yes-first, when they are a known yes/no pair."""
    if len(levels) != 2:
        return None
    folded = {fold(v): v for v in levels}
    for yes, no in YES_NO:
        if set(folded) == {yes, no}:
            return folded[yes], folded[no]
    return None


def ordered_levels(levels: list[str]) -> list[str] | None:
    """The levels in their natural order when they are >= 3 levels of a known ordered scale,
    or ranks like 1st/2nd/3rd or 1er/2e/3e; None otherwise."""
    if len(levels) < 3:
        return None
    folded = {fold(v): v for v in levels}
    if len(folded) != len(levels):
        return None
    for scale in SCALES:
        if set(folded) <= set(scale):
            return [folded[w] for w in scale if w in folded]
    ranks = {k: _RANK.match(k) for k in folded}
    if all(ranks.values()):
        return [folded[k] for k in sorted(folded, key=lambda k: int(ranks[k].group(1)))]  # type: ignore[union-attr]
    return None
