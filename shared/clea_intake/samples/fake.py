"""Seeded French personal data: names, Nouvelle-Aquitaine towns and streets, organisations, banks, countries."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefèbvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
    "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin",
    "Da Silva", "Ferreira", "Pereira", "Benali", "Haddad", "Diallo", "Traoré", "N'Diaye", "Nguyen", "Yilmaz",
    "Lacoste", "Etcheverry", "Larrieu", "Dupuy", "Lafargue", "Castagnède", "Peyrègne", "Labat", "Darrigrand",
    "Mazeau", "Bouchet", "Chassagne", "Marchadier", "Pénicaud", "Sénéchal", "Le Gall", "Saint-Martin",
    "Dubois-Lacaze", "Béraud", "Thébault", "Œuvrard", "Désiré", "Hébert", "Jolivet", "Pasquier", "Texier",
)
GIVEN_F = (
    "Léa", "Chloé", "Manon", "Inès", "Camille", "Emma", "Zoé", "Océane", "Maëlle", "Anaïs", "Hélène", "Agnès",
    "Céline", "Mélanie", "Aurélie", "Sophie", "Nathalie", "Isabelle", "Françoise", "Josiane", "Marie", "Anne",
    "Élodie", "Noémie", "Fatima", "Aïcha", "Khadija", "Awa", "Mariama", "Yasmine", "Sarah", "Laëtitia",
    "Marie-Claire", "Anne-Sophie", "Marie-Hélène", "Lou-Ann", "Clémence", "Solène", "Maryse", "Ginette",
)
GIVEN_M = (
    "Lucas", "Hugo", "Théo", "Nathan", "Louis", "Mathéo", "Noé", "Raphaël", "Gabriel", "Jérôme", "Stéphane",
    "Frédéric", "Sébastien", "Grégory", "Cédric", "Jean", "Pierre", "Michel", "François", "Éric", "Hervé",
    "Joël", "Loïc", "Gaël", "Karim", "Mohamed", "Youssef", "Moussa", "Mamadou", "Ibrahima", "Kévin",
    "Jean-Pierre", "Jean-Luc", "Pierre-Yves", "Jean-Baptiste", "Benoît", "Aurélien", "Maxime", "Yannick",
)


@dataclass(frozen=True)
class Town:
    postal_code: str
    city: str

    @property
    def department(self) -> str:
        return self.postal_code[:2]


# Towns of the region's departments (16,17,19,23,24,33,40,47,64,79,86,87) with their real postal codes.
REGION_TOWNS = tuple(Town(p, c) for p, c in (
    ("33000", "Bordeaux"), ("33800", "Bordeaux"), ("33700", "Mérignac"), ("33600", "Pessac"),
    ("33400", "Talence"), ("33130", "Bègles"), ("33150", "Cenon"), ("33310", "Lormont"),
    ("33500", "Libourne"), ("33120", "Arcachon"), ("33260", "La Teste-de-Buch"), ("33170", "Gradignan"),
    ("16000", "Angoulême"), ("16100", "Cognac"), ("16400", "La Couronne"),
    ("17000", "La Rochelle"), ("17300", "Rochefort"), ("17100", "Saintes"), ("17200", "Royan"),
    ("19100", "Brive-la-Gaillarde"), ("19000", "Tulle"), ("19200", "Ussel"),
    ("23000", "Guéret"), ("23200", "Aubusson"),
    ("24000", "Périgueux"), ("24100", "Bergerac"), ("24200", "Sarlat-la-Canéda"),
    ("40000", "Mont-de-Marsan"), ("40100", "Dax"), ("40200", "Mimizan"),
    ("47000", "Agen"), ("47300", "Villeneuve-sur-Lot"), ("47200", "Marmande"),
    ("64000", "Pau"), ("64100", "Bayonne"), ("64200", "Biarritz"), ("64500", "Saint-Jean-de-Luz"),
    ("64300", "Orthez"), ("79000", "Niort"), ("79100", "Thouars"), ("79300", "Bressuire"),
    ("86000", "Poitiers"), ("86100", "Châtellerault"), ("86360", "Chasseneuil-du-Poitou"),
    ("87000", "Limoges"), ("87100", "Limoges"), ("87200", "Saint-Junien"), ("87300", "Bellac"),
))
OUTSIDE_TOWNS = tuple(Town(p, c) for p, c in (
    ("75011", "Paris"), ("44000", "Nantes"), ("31000", "Toulouse"), ("69003", "Lyon"),
    ("13005", "Marseille"), ("37000", "Tours"), ("85000", "La Roche-sur-Yon"), ("46000", "Cahors"),
    ("82000", "Montauban"), ("36000", "Châteauroux"), ("49100", "Angers"), ("34000", "Montpellier"),
))
TOWN_BY_POSTAL_CODE = {t.postal_code: t.city for t in REGION_TOWNS + OUTSIDE_TOWNS}

STREET_KINDS = ("rue", "avenue", "allée", "impasse", "boulevard", "chemin", "place", "cours", "route", "résidence")
STREET_NAMES = (
    "des Vignes", "Victor-Hugo", "Jean-Jaurès", "de la République", "du Général-de-Gaulle", "des Tilleuls",
    "Pasteur", "de l'Église", "des Écoles", "du Moulin", "de la Gare", "Gambetta", "des Chênes", "Sainte-Catherine",
    "du Château-d'Eau", "des Lilas", "de Verdun", "Aristide-Briand", "Émile-Zola", "des Pins", "de l'Océan",
    "des Acacias", "Jules-Ferry", "du Port", "Saint-Jacques", "des Mimosas", "Léon-Blum", "de la Libération",
)

# Training organisations (evaluators) of the region: made-up names, plausible wording.
EVALUATOR_NAMES = (
    "Formation Atlantique", "Atelier Compétences Gironde", "Centre de Formation du Périgord",
    "Pyrénées Formation Conseil", "Limousin Savoirs de Base", "Charente Insertion Formation",
    "Océan Compétences", "Landes Formation Emploi", "Poitou Évaluation Certification", "Béarn Formation",
    "Agence Aquitaine Compétences", "Institut Régional des Savoirs", "Creuse Formation Avenir",
    "Lot-et-Garonne Compétences", "Deux-Sèvres Formation Continue", "Association Savoirs & Emploi",
)
EVALUATOR_FORMS = ("SARL", "SAS", "Association", "SCOP", "EURL", "GIP")

QUALIOPI_BODIES = (
    ("Certi'Form Qualité", "Paris"), ("Qualiscope Certification", "Lyon"), ("Bureau Atlantique de Certification", "Nantes"),
    ("Certif'Action", "Toulouse"), ("Quali-Évalue", "Bordeaux"),
)
BANKS = (
    ("Banque Océane du Sud-Ouest", "BOSOFRPP", "Bordeaux"), ("Caisse Régionale Aquitaine-Limousin", "CRALFR21", "Limoges"),
    ("Crédit des Charentes", "CDCHFRPP", "Angoulême"), ("Banque Populaire Atlantique Centre", "BPACFR21", "Poitiers"),
    ("Caisse d'Épargne Gascogne-Béarn", "CEGBFRPP", "Pau"), ("Banque Landaise", "BLANFR2L", "Mont-de-Marsan"),
)
INSURERS = ("Mutuelle Atlantique Assurances", "Assurances du Sud-Ouest", "MACIF-Océan", "Alliance Habitat Assurances", "GAN Mutuelle Limousine")
ENERGY_PROVIDERS = ("Lumière Océane Énergie", "Énergies du Sud-Ouest", "Électricité de Gascogne", "Gaz & Lumière Atlantique")
WATER_PROVIDERS = ("Régie des Eaux de l'Agglomération", "Aqualis Services Eau", "Eau Vive Nouvelle-Aquitaine", "Syndicat des Eaux du Bassin")
TELECOM_PROVIDERS = ("Horizon Télécom", "Fibréo", "Onde Mobile & Box", "AtlantiCom")
LANDLORDS_AGENCIES = ("Agence Immobilière du Centre", "Gironde Habitat Gestion", "Cabinet Larrieu Immobilier", "Office Public de l'Habitat")

# ISO 3166 alpha-2 -> (alpha-3, country in French, nationality adjective in French).
COUNTRIES = {
    "FR": ("FRA", "France", "française"), "PT": ("PRT", "Portugal", "portugaise"), "ES": ("ESP", "Espagne", "espagnole"),
    "IT": ("ITA", "Italie", "italienne"), "BE": ("BEL", "Belgique", "belge"), "DE": ("DEU", "Allemagne", "allemande"),
    "RO": ("ROU", "Roumanie", "roumaine"), "PL": ("POL", "Pologne", "polonaise"), "CH": ("CHE", "Suisse", "suisse"),
    "MA": ("MAR", "Maroc", "marocaine"), "DZ": ("DZA", "Algérie", "algérienne"), "TN": ("TUN", "Tunisie", "tunisienne"),
    "SN": ("SEN", "Sénégal", "sénégalaise"), "CI": ("CIV", "Côte d'Ivoire", "ivoirienne"), "ML": ("MLI", "Mali", "malienne"),
    "CM": ("CMR", "Cameroun", "camerounaise"), "TR": ("TUR", "Turquie", "turque"), "UA": ("UKR", "Ukraine", "ukrainienne"),
    "GN": ("GIN", "Guinée", "guinéenne"), "AF": ("AFG", "Afghanistan", "afghane"), "GE": ("GEO", "Géorgie", "géorgienne"),
    "BR": ("BRA", "Brésil", "brésilienne"), "VN": ("VNM", "Viêt Nam", "vietnamienne"), "HT": ("HTI", "Haïti", "haïtienne"),
    "GB": ("GBR", "Royaume-Uni", "britannique"), "US": ("USA", "États-Unis", "américaine"), "RU": ("RUS", "Russie", "russe"),
    "SY": ("SYR", "Syrie", "syrienne"), "CD": ("COD", "République démocratique du Congo", "congolaise"),
    "CG": ("COG", "Congo", "congolaise"), "MG": ("MDG", "Madagascar", "malgache"), "KM": ("COM", "Comores", "comorienne"),
    "AL": ("ALB", "Albanie", "albanaise"), "AM": ("ARM", "Arménie", "arménienne"), "LK": ("LKA", "Sri Lanka", "srilankaise"),
    "ER": ("ERI", "Érythrée", "érythréenne"), "SD": ("SDN", "Soudan", "soudanaise"), "NG": ("NGA", "Nigeria", "nigériane"),
    "PK": ("PAK", "Pakistan", "pakistanaise"), "BD": ("BGD", "Bangladesh", "bangladaise"), "CN": ("CHN", "Chine", "chinoise"),
    "IN": ("IND", "Inde", "indienne"), "CO": ("COL", "Colombie", "colombienne"), "NL": ("NLD", "Pays-Bas", "néerlandaise"),
}
FOREIGN_CITIES = {
    "PT": ("Lisbonne", "Porto", "Braga"), "ES": ("Madrid", "Bilbao", "Saragosse"), "IT": ("Naples", "Turin"),
    "BE": ("Liège", "Bruxelles"), "DE": ("Fribourg-en-Brisgau", "Cologne"), "RO": ("Bucarest", "Iasi"),
    "PL": ("Cracovie", "Lodz"), "CH": ("Genève", "Lausanne"),
    "MA": ("Casablanca", "Fès", "Agadir"), "DZ": ("Alger", "Oran", "Annaba"), "TN": ("Tunis", "Sfax", "Sousse"),
    "SN": ("Dakar", "Thiès", "Ziguinchor"), "CI": ("Abidjan", "Bouaké"), "ML": ("Bamako", "Kayes"),
    "CM": ("Douala", "Yaoundé"), "TR": ("Istanbul", "Izmir"), "UA": ("Kyiv", "Kharkiv", "Odessa"),
    "GN": ("Conakry", "Kankan"), "AF": ("Kaboul", "Hérat"), "GE": ("Tbilissi", "Koutaïssi"),
    "BR": ("São Paulo", "Recife"), "VN": ("Hanoï", "Hô-Chi-Minh-Ville"), "HT": ("Port-au-Prince", "Cap-Haïtien"),
}
FREE_MOVEMENT = frozenset({"FR", "PT", "ES", "IT", "BE", "DE", "RO", "PL", "CH", "NL"})
# The nationalities drawn for non-EU applicants (the longer list above also serves explicit facts).
NON_EU = ("MA", "DZ", "TN", "SN", "CI", "ML", "CM", "TR", "UA", "GN", "AF", "GE", "BR", "VN", "HT")

BIRTH_PLACES_FR = (
    "Bordeaux (33)", "Limoges (87)", "Poitiers (86)", "Pau (64)", "Angoulême (16)", "Périgueux (24)", "Agen (47)",
    "La Rochelle (17)", "Niort (79)", "Brive-la-Gaillarde (19)", "Paris 14e (75)", "Toulouse (31)", "Lille (59)",
    "Bayonne (64)", "Mont-de-Marsan (40)", "Guéret (23)", "Nantes (44)",
)
PREFECTURES = {
    "16": "Charente", "17": "Charente-Maritime", "19": "Corrèze", "23": "Creuse", "24": "Dordogne", "33": "Gironde",
    "40": "Landes", "47": "Lot-et-Garonne", "64": "Pyrénées-Atlantiques", "79": "Deux-Sèvres", "86": "Vienne",
    "87": "Haute-Vienne",
}
SURNAME_FOREIGN = {
    "MA": ("El Amrani", "Benjelloun", "Alaoui"), "DZ": ("Boudiaf", "Khelifi", "Benali"), "TN": ("Trabelsi", "Ben Salah"),
    "SN": ("Ndiaye", "Diop", "Fall"), "CI": ("Kouassi", "Koné"), "ML": ("Traoré", "Keïta"), "CM": ("Mbarga", "Ngono"),
    "TR": ("Yilmaz", "Demir", "Kaya"), "UA": ("Kovalenko", "Shevchenko"), "GN": ("Bah", "Camara"),
    "AF": ("Ahmadi", "Rahimi"), "GE": ("Beridze", "Kapanadze"), "BR": ("Souza", "Oliveira"), "VN": ("Tran", "Pham"),
    "HT": ("Jean-Baptiste", "Pierre-Louis"), "PT": ("Ferreira", "Gonçalves"), "ES": ("García", "Fernández"),
    "IT": ("Rossi", "Esposito"), "BE": ("Peeters", "Janssens"), "DE": ("Schmidt", "Weber"), "RO": ("Popescu", "Ionescu"),
    "PL": ("Nowak", "Kowalska"), "CH": ("Favre", "Rochat"),
}


def alpha3(alpha2: str) -> str:
    """ICAO code of a nationality; an unlisted one gets the ICAO code for an unspecified nationality."""
    return COUNTRIES[alpha2][0] if alpha2 in COUNTRIES else "XXX"


def person(rng: random.Random, *, nationality: str = "FR", sex: str | None = None) -> tuple[str, str, str]:
    """(surname, given names, sex) with accents, hyphens and sometimes two or three given names."""
    sex = sex or rng.choice("MF")
    pool = GIVEN_F if sex == "F" else GIVEN_M
    count = rng.choices((1, 2, 3), weights=(5, 4, 1))[0]
    given = " ".join(rng.sample(pool, count))
    if nationality != "FR" and nationality in SURNAME_FOREIGN and rng.random() < 0.8:
        surname = rng.choice(SURNAME_FOREIGN[nationality])
    else:
        surname = rng.choice(SURNAMES)
    return surname, given, sex


def street(rng: random.Random) -> str:
    number = rng.randint(1, 180)
    suffix = rng.choices(("", " bis", " ter"), weights=(12, 2, 1))[0]
    return f"{number}{suffix} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}"


def region_town(rng: random.Random) -> Town:
    return rng.choice(REGION_TOWNS)


def outside_town(rng: random.Random) -> Town:
    return rng.choice(OUTSIDE_TOWNS)


def city_of(postal_code: str) -> str:
    if postal_code in TOWN_BY_POSTAL_CODE:
        return TOWN_BY_POSTAL_CODE[postal_code]
    same_department = [t for t in REGION_TOWNS + OUTSIDE_TOWNS if t.department == postal_code[:2]]
    return same_department[0].city if same_department else "Bordeaux"


def birth_date(rng: random.Random, as_of: date, *, min_age: int = 19, max_age: int = 62) -> date:
    return as_of - timedelta(days=rng.randint(min_age * 365 + 5, max_age * 365))


def days_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def phone(rng: random.Random, *, mobile: bool = True) -> str:
    head = rng.choice(("06", "07")) if mobile else "05"
    return head + "".join(f" {rng.randint(0, 99):02d}" for _ in range(4))


def slug(text: str) -> str:
    """ASCII lower-case words joined by hyphens, as in a domain name ("Océan Compétences" -> "ocean-competences")."""
    from clea_intake.samples.ids import mrz_text

    return "-".join(part for part in mrz_text(text).lower().split("<") if part)


def email_for(given_names: str, surname: str, rng: random.Random) -> str:
    domain = rng.choice(("example.fr", "example.com", "exemple.org"))
    return f"{slug(given_names.split()[0])}.{slug(surname)}@{domain}"
