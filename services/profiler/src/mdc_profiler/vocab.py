"""Words the statistical-type rules look for: in column names (lower-cased tokens, accents
removed) and in values (yes/no pairs, ordered scales). English, French, German, Dutch, Spanish,
Italian, because the platform serves European open data."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def _words(text: str) -> list[str]:
    return text.split()


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
# Free text: remarks written by people.
TEXT_NAMES = frozenset(
    _words(
        """comment comments commentaire commentaires remark remarks remarque remarques
        observation observations bemerkung bemerkungen kommentar anmerkung opmerking opmerkingen
        toelichting commento commenti osservazioni comentario comentarios observaciones"""
    )
)
# Administrative and survey units: a unique number named so codes the unit (dept 1..95).
UNIT_NAMES = frozenset(
    _words(
        """dept dep departement department county municipality commune gemeinde gemeente kommune
        comune municipio district region canton kreis landkreis province provincia state"""
    )
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
# A count names what it counts: the number words, and nouns of counted events, items or people
# (English, French, German, Dutch, Spanish, Italian, Nordic), plural because a count is "how many".
COUNT_NAMES = frozenset(
    _words(
        """n nb nbr num number count counts cnt total totals nombre anzahl aantal numero qty
        quantity freq frequency frequencies tally effectif effectifs
        cases deaths births visits visitors claims holders accidents crashes votes seats passengers
        employees staff students pupils children members patients households dwellings vehicles cars
        engines lanes tracks flights trips calls events incidents infections admissions arrests
        offences offenses respondents participants customers users downloads views clicks orders
        items stations breaks parity goals wins victims injuries casualties beds rooms units
        population inhabitants residents
        cas deces naissances visites visiteurs habitants menages logements eleves etudiants lits
        places sieges passagers voyageurs vehicules victimes morts blesses emplois enfants
        einwohner faelle todesfaelle geburten besucher schueler betten sitze plaetze fahrgaeste
        fahrzeuge unfaelle gleise haushalte wohnungen kinder beschaeftigte
        inwoners gevallen doden bezoekers leerlingen woningen huishoudens voertuigen kinderen
        habitantes casos muertes nacimientos visitas alumnos viviendas vehiculos ninos hijos
        abitanti casi morti nascite visite alunni abitazioni veicoli figli
        indbyggere invanare asukkaat innbyggere"""
    )
)
# Measurements recorded as whole numbers still measure: units, and quantities with a unit.
MEASURE_NAMES = frozenset(
    _words(
        """mm cm dm m km mi ft inch inches g gr kg mg lb lbs oz t ton tons ml cl l dl ha m2 km2 sqft
        s sec secs seconds mins minutes h hr hrs hours yr yrs years ms kwh mwh gwh kw mw
        w hz db pct percent percentage eur euro euros usd dollars gbp chf pts deg
        age alter edad eta leeftijd size length longueur laenge lengte width largeur breite height
        hauteur hoehe hoogte depth profondeur tiefe diepte weight poids gewicht mass masse area
        surface superficie flaeche oppervlakte volume distance dist entfernung afstand altitude alt
        elevation elev hoehenlage duration duree dauer time temps tijd temperature temp
        temperatur speed vitesse geschwindigkeit snelheid pressure pression druck rate ratio
        price prix preis prijs precio prezzo cost costs cout kosten amount montant betrag bedrag
        income revenu einkommen inkomen salary salaire gehalt loon wage wages gdp pib bip
        revenue revenues turnover budget spending expenses depenses ausgaben value valeur wert
        score index indice density densite dichte concentration level consumption consommation
        verbrauch power puissance leistung energy energie horsepower hp bmi pulse mortality
        mortalite sterblichkeit"""
    )
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
# Words are compared without accents, case, spaces or punctuation ("Very Good" = "very-good"),
# and a level of >= 4 letters may abbreviate a word ("Occas" for "occasional").
SCALES: tuple[tuple[str, ...], ...] = (
    ("very low", "low", "medium", "high", "very high"),
    ("very low", "low", "fairly low", "average", "fairly high", "high", "very high"),
    ("much worse", "worse", "average", "better", "much better"),
    ("much worse", "worse", "same", "better", "much better"),
    ("l", "m", "h"),
    ("low", "mid", "high"),
    ("tres faible", "faible", "moyen", "eleve", "tres eleve"),
    ("faible", "moyen", "fort"),
    ("sehr niedrig", "niedrig", "mittel", "hoch", "sehr hoch"),
    ("sehr gering", "gering", "mittel", "hoch", "sehr hoch"),
    ("zeer laag", "laag", "gemiddeld", "hoog", "zeer hoog"),
    ("laag", "midden", "hoog"),
    ("muy bajo", "bajo", "medio", "alto", "muy alto"),
    ("molto basso", "basso", "medio", "alto", "molto alto"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    ("pas du tout d'accord", "plutot pas d'accord", "plutot d'accord", "tout a fait d'accord"),
    ("never", "rarely", "sometimes", "often", "always"),
    ("never", "occasional", "regular", "heavy"),
    ("jamais", "rarement", "parfois", "souvent", "toujours"),
    ("nie", "selten", "manchmal", "oft", "immer"),
    ("nooit", "zelden", "soms", "vaak", "altijd"),
    ("none", "little", "some", "moderate", "marked", "frequent", "severe"),
    ("aucun", "peu", "moyen", "beaucoup"),
    ("very poor", "poor", "fair", "good", "very good", "excellent"),
    ("fair", "good", "very good", "premium", "ideal"),
    ("bad", "average", "good"),
    ("mauvais", "moyen", "bon", "tres bon", "excellent"),
    ("schlecht", "mittel", "gut", "sehr gut"),
    ("slecht", "matig", "redelijk", "goed", "zeer goed"),
    ("small", "medium", "large"),
    ("sm", "med", "lg"),
    ("petit", "moyen", "grand"),
    ("klein", "mittel", "gross"),
    ("klein", "middel", "groot"),
    ("xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"),
    ("not working", "not work", "part time", "full time"),
    ("none", "primary", "secondary", "tertiary"),
    ("primary", "secondary", "post secondary"),
    ("hauptschule", "realschule", "abitur", "hochschule"),
    ("sans diplome", "brevet", "cap", "bac", "licence", "master", "doctorat"),
    ("instructor", "assistant professor", "associate professor", "professor"),
    ("lecturer", "asst prof", "assoc prof", "prof"),
    # Gemmology's clarity grades (GIA), worst to best.
    ("i3", "i2", "i1", "si2", "si1", "vs2", "vs1", "vvs2", "vvs1", "if", "fl"),
)
_RANK = re.compile(r"^(\d+)\s*(st|nd|rd|th|er|re|e|eme|de|ste|te|o|a)$")
_NUM = r"(\d+(?:[.,]\d+)?)"
# Numeric bands: "25-34", "<25", ">= 65", "65+", "0-39g/day", "1-1.5l", "12+ yrs", "0.2cwt".
_BAND = re.compile(
    rf"^(?P<cmp>[<>\u2264\u2265]=?)?\s*{_NUM}\s*(?:(?:-|\u2013|to|a|bis|tot)\s*{_NUM})?"
    r"\s*(?P<plus>\+)?\s*(?P<unit>[a-z%/. ]*)$"
)
_NUMBERED = re.compile(r"^\d+\s*[:.)]\s*(.+)$")  # "1:Sm", "2) medium"


def fold(text: str) -> str:
    """Lower case without accents: 'Année' -> 'annee', 'Élevé' -> 'eleve'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_tokens(name: str) -> set[str]:
    """'geoLatitude', 'code_postal', 'ID' -> {'geo', 'latitude'}, {'code', 'postal'}, {'id'}."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    # 'count11', 'v2' -> 'count', '11' / 'v', '2': a trailing number is a suffix, not the word.
    spaced = re.sub(r"([A-Za-z])([0-9])", r"\1 \2", spaced)
    return {t for t in re.split(r"[^a-z0-9]+", fold(spaced)) if t}


@dataclass(frozen=True)
class NameHints:
    """What a column's name says about a whole number: it counts, or it measures."""

    tokens: frozenset[str]
    count: bool
    measure: bool


def name_hints(name: str) -> NameHints:
    tokens = name_tokens(name)
    words = re.findall(r"[a-z0-9]+", fold(re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)))
    # A one-letter unit only as the last word: 'altitude_m', 'Body Mass (g)', not 'L_dose'.
    last = words[-1] if len(words) > 1 and len(words[-1]) == 1 else ""
    return NameHints(
        frozenset(tokens), count_hint(tokens), measure_hint(tokens) or last in MEASURE_NAMES
    )


def count_hint(tokens: set[str]) -> bool:
    """Named like a count: a number word or a counted noun, or 'n'/'nb'/'num' glued to a plural
    ('ncases', 'nbvisites')."""
    if tokens & COUNT_NAMES:
        return True
    for token in tokens:
        for prefix in ("nb", "num", "n"):
            rest = token[len(prefix) :]
            if token.startswith(prefix) and (
                rest in COUNT_NAMES or (len(rest) >= 5 and rest.endswith("s"))
            ):
                return True
    return False


def measure_hint(tokens: set[str]) -> bool:
    """Named like a measurement: a unit ('mm', 'kg') or a measured quantity ('age', 'height'),
    also glued to a letter ('hoursw', 'hincome'). One-letter units: see `name_hints`."""
    if any(len(t) > 1 for t in tokens & MEASURE_NAMES):
        return True
    long_words = [w for w in MEASURE_NAMES if len(w) >= 5]
    return any(t.startswith(w) or t.endswith(w) for t in tokens for w in long_words)


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
    ranks (1st/2nd/3rd, 1er/2e) or numeric bands (25-34, <25, 65+); None otherwise."""
    if len(levels) < 3:
        return None
    folded = {fold(v): v for v in levels}
    if len(folded) != len(levels):
        return None
    for keyed in (folded, _without_numbering(folded)):
        order = _scale_order(keyed) if keyed else None
        if order is not None:
            return [keyed[k] for k in order]
    for ranker in (_rank_key, _band_key):
        keys = {k: key for k in folded if (key := ranker(k, list(folded))) is not None}
        if len(keys) == len(folded):
            return [folded[k] for k in sorted(keys, key=keys.__getitem__)]
    return None


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text)


def _scale_order(levels: dict[str, str]) -> list[str] | None:
    for scale in SCALES:
        words = [_squash(w) for w in scale]
        position: dict[str, int] = {}
        for key in levels:
            short = _squash(key)
            hits = [i for i, w in enumerate(words) if w == short]
            if not hits and len(short) >= 4:
                hits = [i for i, w in enumerate(words) if w.startswith(short)]
            if not hits:
                break
            position[key] = hits[0]
        else:
            if len(set(position.values())) == len(levels):
                return sorted(levels, key=lambda k: position[k])
    return None


def _without_numbering(levels: dict[str, str]) -> dict[str, str]:
    """'1:Sm' -> 'sm' when every level is numbered so; the scale, not the number, orders them."""
    stripped = {}
    for key, original in levels.items():
        match = _NUMBERED.match(key)
        if match is None:
            return {}
        stripped[match.group(1).strip()] = original
    return stripped if len(stripped) == len(levels) else {}


def _rank_key(level: str, _: list[str]) -> tuple[float, ...] | None:
    match = _RANK.match(level)
    return (float(match.group(1)),) if match else None


def _band_key(level: str, levels: list[str]) -> tuple[float, ...] | None:
    """A band sorts by its lower bound; '<25' before '25-29', '65+' and '>65' after '60-65'.
    Plain numbers count as bands only with a shared unit ('0.2cwt'), since numeric text alone
    is more often a code ('01', '75'); levels in different units do not compare."""
    match = _BAND.match(level)
    if match is None:
        return None
    marked = [m for m in (_BAND.match(v) for v in levels) if m]
    is_band = any(m.group(3) or m.group("cmp") or m.group("plus") for m in marked)
    units = {m.group("unit").strip() for m in marked}
    named = units - {""}
    if len(named) > 1 or (not is_band and (len(units) != 1 or not named)):
        return None  # '<1Mo' and '1-2Yr' are not comparable by their numbers
    low = float(match.group(2).replace(",", "."))
    cmp = match.group("cmp") or ""
    side = -1.0 if cmp.startswith(("<", "\u2264")) else 0.0
    if cmp.startswith((">", "\u2265")) or match.group("plus"):
        side = 1.0
    return (low, side)
