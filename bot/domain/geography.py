"""Where things are: French regions, the cities where the ministries have services."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

ILE_DE_FRANCE = "Île-de-France"
AURA = "Auvergne-Rhône-Alpes"
PACA = "Provence-Alpes-Côte d'Azur"
OCCITANIE = "Occitanie"
NOUVELLE_AQUITAINE = "Nouvelle-Aquitaine"
HAUTS_DE_FRANCE = "Hauts-de-France"
GRAND_EST = "Grand Est"
BRETAGNE = "Bretagne"
PAYS_DE_LA_LOIRE = "Pays de la Loire"
NORMANDIE = "Normandie"
CENTRE = "Centre-Val de Loire"
BFC = "Bourgogne-Franche-Comté"
CORSE = "Corse"

REGIONS = (
    ILE_DE_FRANCE,
    AURA,
    PACA,
    OCCITANIE,
    NOUVELLE_AQUITAINE,
    HAUTS_DE_FRANCE,
    GRAND_EST,
    BRETAGNE,
    PAYS_DE_LA_LOIRE,
    NORMANDIE,
    CENTRE,
    BFC,
    CORSE,
    "Guadeloupe",
    "Martinique",
    "Guyane",
    "La Réunion",
    "Mayotte",
)

# The main cities where the ministries have services, by region.
_CITIES_BY_REGION: dict[str, tuple[str, ...]] = {
    ILE_DE_FRANCE: (
        "Paris", "Montreuil", "Noisy-le-Grand", "Marne-la-Vallée", "Champs-sur-Marne",
        "Créteil", "Ivry-sur-Seine", "Vincennes", "Saint-Denis", "Nanterre", "La Défense",
        "Boulogne-Billancourt", "Issy-les-Moulineaux", "Versailles", "Cergy", "Évry",
        "Melun", "Bobigny", "Pantin", "Torcy", "Massy", "Saint-Quentin-en-Yvelines",
        "Saclay", "Palaiseau", "Roissy-en-France", "Orly", "Rungis", "Meaux", "Fontainebleau",
    ),
    AURA: (
        "Lyon", "Villeurbanne", "Grenoble", "Saint-Étienne", "Clermont-Ferrand",
        "Annecy", "Chambéry", "Valence", "Bourg-en-Bresse", "Vichy", "Roanne",
    ),
    PACA: (
        "Marseille", "Nice", "Toulon", "Aix-en-Provence", "Avignon", "Cannes", "Antibes",
        "Gap", "Digne-les-Bains", "Sophia Antipolis",
    ),
    OCCITANIE: (
        "Toulouse", "Montpellier", "Nîmes", "Perpignan", "Béziers", "Narbonne", "Albi",
        "Carcassonne", "Tarbes", "Rodez", "Montauban", "Cahors", "Foix", "Auch", "Mende",
    ),
    NOUVELLE_AQUITAINE: (
        "Bordeaux", "Limoges", "Poitiers", "Pau", "La Rochelle", "Bayonne", "Angoulême",
        "Niort", "Périgueux", "Agen", "Mont-de-Marsan", "Mérignac", "Pessac", "Tulle",
    ),
    HAUTS_DE_FRANCE: (
        "Lille", "Amiens", "Roubaix", "Tourcoing", "Dunkerque", "Calais", "Arras",
        "Valenciennes", "Beauvais", "Compiègne", "Laon", "Douai", "Villeneuve-d'Ascq",
    ),
    GRAND_EST: (
        "Strasbourg", "Reims", "Metz", "Nancy", "Mulhouse", "Colmar", "Troyes",
        "Châlons-en-Champagne", "Charleville-Mézières", "Épinal", "Bar-le-Duc", "Chaumont",
    ),
    BRETAGNE: ("Rennes", "Brest", "Quimper", "Lorient", "Vannes", "Saint-Brieuc", "Saint-Malo"),
    PAYS_DE_LA_LOIRE: (
        "Nantes", "Angers", "Le Mans", "Saint-Nazaire", "Laval", "La Roche-sur-Yon", "Cholet",
    ),
    NORMANDIE: (
        "Rouen", "Caen", "Le Havre", "Évreux", "Cherbourg-en-Cotentin", "Alençon", "Saint-Lô",
    ),
    CENTRE: ("Orléans", "Tours", "Bourges", "Blois", "Chartres", "Châteauroux"),
    BFC: ("Dijon", "Besançon", "Belfort", "Auxerre", "Mâcon", "Nevers", "Vesoul"),
    CORSE: ("Ajaccio", "Bastia"),
    "Guadeloupe": ("Pointe-à-Pitre", "Basse-Terre", "Les Abymes"),
    "Martinique": ("Fort-de-France",),
    "Guyane": ("Cayenne",),
    "La Réunion": ("Saint-Denis de La Réunion",),
    "Mayotte": ("Mamoudzou",),
}  # fmt: skip

# Sites known by another name: the request parser says `Paris` for Bercy.
_SITE_ALIASES = {"bercy": "Paris", "chevaleret": "Paris", "la defense": "La Défense"}


# Cached: matching folds the same few city and directorate names for every candidate.
@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case without accents, hyphens or apostrophes, for comparing names."""
    """Lowercase, strip accents and turn dashes into spaces, to compare names."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("-", " ").replace("'", " ").split())


_REGION_OF = {fold(city): region for region, cities in _CITIES_BY_REGION.items() for city in cities}
_CITY_NAMES = {fold(city): city for cities in _CITIES_BY_REGION.values() for city in cities}
_REGION_NAMES = {fold(region): region for region in REGIONS}


def canonical_city(name: str | None) -> str | None:
    """The usual spelling of a city (`Paris` for Bercy), or the name as given."""
    """Return the table's spelling of a city (or the name as given), None if empty."""
    if not name or not name.strip():
        return None
    key = fold(name)
    return _SITE_ALIASES.get(key) or _CITY_NAMES.get(key) or name.strip()


def canonical_region(name: str | None) -> str | None:
    """The usual spelling of a region, or the name as given."""
    """Return the official spelling of a region (or the name as given), None if empty."""
    if not name or not name.strip():
        return None
    return _REGION_NAMES.get(fold(name), name.strip())


@lru_cache(maxsize=4096)
def region_of(city: str | None) -> str | None:
    """The region of a known city, or None."""
    """Return the region of a known city, or None."""
    if not city:
        return None
    key = fold(city)
    alias = _SITE_ALIASES.get(key)
    return _REGION_OF.get(fold(alias) if alias else key)
