"""Words the statistical-type rules look for: in column names (lower-cased tokens, accents
removed) and in values (yes/no pairs, ordered scales). English, French, German, Dutch, Spanish,
Italian, because the platform serves European open data."""

from __future__ import annotations

import functools
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
# Glued to a short prefix, these still name a key: 'pid', 'uid' (one letter before 'id', since
# 'paid', 'acid' or 'covid' are not keys), 'distcod', 'zipcode'.
ID_SUFFIXES = (("id", 1, 1), ("cod", 2, 6), ("code", 2, 6))  # (suffix, shortest, longest head)
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
# Latitude / longitude in the platform's languages (tokens folded: 'Längengrad' -> 'laengengrad'
# and 'langengrad'). 'lengte' / 'breedte' alone are Dutch length / width: only with 'graad'.
LAT_NAMES = frozenset(
    _words(
        """lat latitude latitud latitudine latitudes breite breitengrad breedtegraad
        breddegrad leveysaste"""
    )
)
LON_NAMES = frozenset(
    _words(
        """lon lng long longitude longitud longitudine longitudes laenge lange laengengrad
        langengrad lengtegraad laengdegrad pituusaste"""
    )
)
# A coordinate name with one of these is a difference or a spread of coordinates, not a place:
# 'delta_lat', 'd_long', 'lat_diff', 'ecart_latitude', 'sd_lon'.
COORD_MODIFIERS = frozenset(
    _words(
        """d delta deltas diff difference dif change chg var variation ecart abweichung verschil
        differenz diferencia differenza offset shift err error sd std se dev deviation"""
    )
)
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
        indbyggere invanare asukkaat innbyggere
        survivors dead killed wounded injured infected recovered hospitalised hospitalized
        enrolment enrollment enrolled enrol enroll enrl applicants applications registrations
        subscribers followers packages parcels shipments reports copies books publications
        citations trees animals firms companies businesses establishments schools hospitals
        teachers nurses workers jobs unemployed voters ballots tourists arrivals departures
        survivants inscrits inscriptions entreprises etablissements ecoles electeurs votants
        malades hospitalisations tues chomeurs nbre
        ueberlebende verletzte tote getoetete anmeldungen studierende lehrer arbeitslose betriebe
        unternehmen waehler stimmen
        overlevenden gewonden inschrijvingen studenten bedrijven werklozen kiezers stemmen
        supervivientes sobrevivientes heridos fallecidos inscritos matriculados empresas
        desempleados votantes votos cantidad
        sopravvissuti feriti deceduti iscritti imprese disoccupati votanti voti"""
    )
)
# Glued to a counted noun, these make a count: 'ncases', 'nbvisites', 'poptotal', 'enrltot'.
COUNT_PREFIXES = ("nbr", "nb", "num", "n", "no", "tot", "total", "cnt")
COUNT_SUFFIXES = ("total", "tot", "totale", "totaal", "gesamt", "count", "cnt", "nb")
# Heads that count only when glued to a total ('poptotal'): alone, 'UrbanPop' is a percentage.
COUNT_HEADS = frozenset({"pop"})
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
        # Stages of a disease or a process: I < II < III < IV.
        "stage",
        "stade",
        "stadium",
        "estadio",
        "stadio",
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
    # Ratings and marks (German school marks 6..1, French inspection and school grades, ...).
    ("ungenügend", "mangelhaft", "ausreichend", "befriedigend", "gut", "sehr gut"),
    ("sehr schlecht", "schlecht", "mittel", "gut", "sehr gut"),
    ("a corriger de manière urgente", "a améliorer", "satisfaisant", "très satisfaisant"),
    ("insuffisant", "passable", "assez bien", "bien", "très bien"),
    ("très mauvais", "mauvais", "moyen", "bon", "très bon"),
    ("onvoldoende", "voldoende", "ruim voldoende", "goed", "zeer goed", "uitstekend"),
    ("slecht", "matig", "voldoende", "goed", "uitstekend"),
    ("muy malo", "malo", "regular", "bueno", "muy bueno", "excelente"),
    ("insuficiente", "suficiente", "bien", "notable", "sobresaliente"),
    ("pessimo", "scarso", "insufficiente", "sufficiente", "discreto", "buono", "ottimo"),
    ("poor", "fair", "good", "very good", "excellent"),
    ("poor", "average", "good", "excellent"),
    # Satisfaction and agreement (Likert) scales.
    ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
    ("very unsatisfied", "unsatisfied", "neutral", "satisfied", "very satisfied"),
    ("très insatisfait", "insatisfait", "neutre", "satisfait", "très satisfait"),
    ("pas du tout satisfait", "peu satisfait", "assez satisfait", "satisfait", "très satisfait"),
    ("sehr unzufrieden", "unzufrieden", "neutral", "zufrieden", "sehr zufrieden"),
    ("zeer ontevreden", "ontevreden", "neutraal", "tevreden", "zeer tevreden"),
    ("muy insatisfecho", "insatisfecho", "neutral", "satisfecho", "muy satisfecho"),
    ("molto insoddisfatto", "insoddisfatto", "neutrale", "soddisfatto", "molto soddisfatto"),
    (
        "strongly disagree",
        "disagree",
        "neither agree nor disagree",
        "agree",
        "strongly agree",
    ),
    ("pas du tout d'accord", "pas d'accord", "neutre", "d'accord", "tout à fait d'accord"),
    ("stimme gar nicht zu", "stimme nicht zu", "neutral", "stimme zu", "stimme voll zu"),
    ("trifft gar nicht zu", "trifft eher nicht zu", "trifft eher zu", "trifft voll zu"),
    ("helemaal oneens", "oneens", "neutraal", "eens", "helemaal eens"),
    ("muy en desacuerdo", "en desacuerdo", "neutral", "de acuerdo", "muy de acuerdo"),
    ("per niente d'accordo", "poco d'accordo", "abbastanza d'accordo", "molto d'accordo"),
    # Frequencies.
    ("never", "seldom", "sometimes", "usually", "always"),
    ("nunca", "casi nunca", "a veces", "casi siempre", "siempre"),
    ("mai", "raramente", "a volte", "spesso", "sempre"),
    # Low / medium / high in more forms and languages.
    ("very low", "low", "moderate", "high", "very high"),
    ("none", "low", "moderate", "high", "very high"),
    ("mild", "moderate", "severe"),
    ("très faible", "faible", "modéré", "fort", "très fort"),
    ("très bas", "bas", "moyen", "haut", "très haut"),
    ("sehr gering", "gering", "mäßig", "hoch", "sehr hoch"),
    ("zeer laag", "laag", "middel", "hoog", "zeer hoog"),
    ("muy baja", "baja", "media", "alta", "muy alta"),
    ("molto bassa", "bassa", "media", "alta", "molto alta"),
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
    """Case-folded without accents: 'Année' -> 'annee', 'Élevé' -> 'eleve', 'ß' -> 'ss'."""
    decomposed = unicodedata.normalize(
        "NFKD", unicodedata.normalize("NFC", text).strip().casefold()
    )
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# German umlauts are also written out: 'Längengrad' is 'Laengengrad' as often as 'Langengrad'.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_CAMEL = re.compile(r"(?<=[a-z0-9\u00df-\u00ff])(?=[A-Z\u00c0-\u00de])")


def name_tokens(name: str) -> set[str]:
    """'geoLatitude', 'code_postal', 'ID' -> {'geo', 'latitude'}, {'code', 'postal'}, {'id'};
    an umlaut gives both spellings: 'Längengrad' -> {'laengengrad', 'langengrad'}."""
    spaced = _CAMEL.sub(" ", unicodedata.normalize("NFC", name))
    # 'count11', 'v2' -> 'count', '11' / 'v', '2': a trailing number is a suffix, not the word.
    spaced = re.sub(r"([^\W\d_])([0-9])", r"\1 \2", spaced)
    forms = {fold(spaced), fold(spaced.translate(_UMLAUTS))}
    return {t for form in forms for t in re.split(r"[^a-z0-9]+", form) if t}


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


def id_hint(tokens: set[str] | frozenset[str]) -> bool:
    """Named like an identifier or a code: 'id', 'code_insee', also glued ('PID', 'distcod')."""
    if tokens & ID_NAMES:
        return True
    for token in tokens:
        for suffix, shortest, longest in ID_SUFFIXES:
            head = token[: -len(suffix)]
            if token.endswith(suffix) and head.isalpha() and shortest <= len(head) <= longest:
                return True
    return False


def count_hint(tokens: set[str]) -> bool:
    """Named like a count: a number word or a counted noun, or a number word glued to a counted
    noun or a plural ('ncases', 'nbvisites', 'poptotal', 'enrltot')."""
    if tokens & COUNT_NAMES:
        return True
    heads = COUNT_NAMES | COUNT_HEADS
    for token in tokens:
        for prefix in COUNT_PREFIXES:
            rest = token[len(prefix) :]
            plural = prefix in ("nb", "num", "n") and len(rest) >= 5 and rest.endswith("s")
            if token.startswith(prefix) and (rest in heads or plural):
                return True
        for suffix in COUNT_SUFFIXES:
            if token.endswith(suffix) and token[: -len(suffix)] in heads:
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


def _spellings(text: str) -> set[str]:
    """A level squashed, with its umlauts dropped and written out: 'mäßig' -> 'massig',
    'maessig'; so a scale matches however the file spells it."""
    return {_squash(fold(text)), _squash(fold(text.translate(_UMLAUTS)))}


@functools.cache
def _scale_spellings() -> tuple[list[set[str]], ...]:
    return tuple([_spellings(w) for w in scale] for scale in SCALES)


def _scale_order(levels: dict[str, str]) -> list[str] | None:
    for words in _scale_spellings():
        position: dict[str, int] = {}
        for key, original in levels.items():
            spelled = _spellings(original) | {_squash(key)}
            hits = [i for i, w in enumerate(words) if w & spelled]
            short = _squash(key)
            if not hits and len(short) >= 4:
                hits = [i for i, w in enumerate(words) if any(x.startswith(short) for x in w)]
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
