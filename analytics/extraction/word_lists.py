"""The word lists the context rules read: titles, honorifics and offices before a name,
head nouns after one (seas, newspapers, airports), words that are no first name.

They are language facts, not data about countries or leaders, so they live in code and
not in ``seeds/``; ``context`` turns them into expressions over the candidate frame.
"""

from __future__ import annotations

# Titles that name an office: "President Bush" is whoever was president on the date.
OFFICE_TITLES: dict[str, str] = {
    "President": "President",
    "President-elect": "President",
    "President-Elect": "President",
    "Prime Minister": "Prime Minister",
    "Prime Minister-elect": "Prime Minister",
    "Prime Minister-designate": "Prime Minister",
    "PM": "Prime Minister",
    "Premier": "Premier",
    "Chancellor": "Chancellor",
    "Taoiseach": "Prime Minister",
    "King": "King",
    "Queen": "Queen",
    "Emperor": "Emperor",
    "Emir": "Emir",
    "Amir": "Emir",
    "Sultan": "Sultan",
    "Grand Duke": "Grand Duke",
    "Pope": "Pope",
    "Supreme Leader": "Supreme Leader",
    "General Secretary": "General Secretary",
    "State Counsellor": "State Counsellor",
}
# Honorifics: after them a surname is resolved like a bare one ("Mr. Modi").
HONORIFICS: tuple[str, ...] = (
    "Mr.",
    "Mr",
    "Ms.",
    "Ms",
    "Madam",
    "Madame",
    "Sir",
    "Dame",
    "Lord",
    "Sheikh",
    "Sheik",
    "Ayatollah",
    "Comrade",
    "Marshal",
    "Field Marshal",
    "General",
    "Gen.",
    "Chairman",
)
# Titles of another office: whoever bears one is not the head of state or government
# then ("Senator Risch" is not Liechtenstein's prime minister), but may have been or
# become one, if the article names them in full ("Vice President Biden").
OTHER_OFFICES: tuple[str, ...] = (
    "Vice President",
    "[Vice] President",
    "Vice-President",
    "Deputy Prime Minister",
    "Vice Premier",
    "Vice Chancellor",
    "Crown Prince",
    "Prince",
    "Princess",
    "Senator",
    "Sen.",
    "Governor",
    "Gov.",
    "Secretary",
    "Minister",
    "Foreign Minister",
    "Defense Minister",
    "Representative",
    "Rep.",
    "Speaker",
    "Mayor",
    "Ambassador",
    "Judge",
    "Justice",
)
# Words that make the name someone's spouse or another person: "Mrs. Kishida", "Dr.
# Biden" (Jill Biden), "First Lady Biden". Never the leader.
SPOUSE_TITLES: tuple[str, ...] = (
    "Mrs.",
    "Mrs",
    "Dr.",
    "Dr",
    "Madame",
    "First Lady",
    "Second Gentleman",
)
OTHER_TITLES: tuple[str, ...] = HONORIFICS + OTHER_OFFICES + SPOUSE_TITLES
# Nouns that make a geographic name of a country word: the South China Sea, the Korean
# Peninsula, the Jordan River (MENTIONS.md: geographic names do not count).
GEOGRAPHIC_HEADS: tuple[str, ...] = (
    "Sea",
    "Seas",
    "Strait",
    "Straits",
    "Gulf",
    "Peninsula",
    "Ocean",
    "River",
    "Valley",
    "Basin",
    "Plateau",
    "Desert",
    "Channel",
    "Canal",
    "Sound",
    "Bay",
    "Lake",
    "Delta",
    "Highlands",
    "Mountains",
    "Rift",
    "Trench",
    "Isthmus",
    "Archipelago",
)
# Nouns that make the name of a thing of a capital: The Washington Post, the Paris
# Agreement, the Minsk format (MENTIONS.md: a capital inside a name does not count).
NAME_HEADS: tuple[str, ...] = (
    "Post",
    "Times",
    "Journal",
    "Examiner",
    "Herald",
    "Tribune",
    "Telegraph",
    "Gazette",
    "Independent",
    "Agreement",
    "Agreements",
    "Accord",
    "Accords",
    "Climate",
    "Protocol",
    "Protocols",
    "Convention",
    "Declaration",
    "Consensus",
    "Treaty",
    "Format",
    "Principles",
    "Process",
    "Club",
    "Stock",
    "Exchange",
    "Airport",
    "University",
    "College",
    "School",
    "Institute",
    "Nationals",
    "Commanders",
    "Wizards",
    "Capitals",
    "Mystics",
    "Monument",
    "Metro",
    "Zoo",
    "Marathon",
    "Olympics",
    "Olympic",
    "Games",
    "Summit",
    "Conference",
    "Charter",
    "Pact",
    "Memorandum",
    "Communiqué",
    "Initiative",
    "Forum",
    "Group",
    "Statement",
    "Rules",
    "Dulles",
    "National",
    "Center",
    "Centre",
    "Consensus",
    "Mall",
    "Policy",
    "Wall",
    "Airlift",
    "agreement",
    "agreements",
    "accord",
    "accords",
    "format",
    "protocol",
    "consensus",
    "declaration",
)
# Words after a leader's surname that make a thing named after the person
# (Kennedy Airport, Lenin Avenue, Trump Tower: MENTIONS.md, these do not count).
NAMED_AFTER_HEADS: tuple[str, ...] = (
    "Airport",
    "Avenue",
    "Boulevard",
    "Bridge",
    "Building",
    "Center",
    "Centre",
    "Foundation",
    "Hospital",
    "Hotel",
    "Institute",
    "Library",
    "Memorial",
    "Monument",
    "Museum",
    "Park",
    "Plaza",
    "School",
    "Square",
    "Stadium",
    "Street",
    "Tower",
    "Towers",
    "University",
    "Highway",
    "Expressway",
    "Station",
    "Hall",
    "Dam",
    "Mosque",
    "Organization",
    "Road",
)
# Roles of leader_terms.csv that name the same office as a title in the text.
ROLE_OFFICE: dict[str, str] = {
    "Taoiseach": "Prime Minister",
    "Chairman of the Council of Ministers": "Prime Minister",
    "President of the Council of Ministers": "Prime Minister",
    "Chairman of the Cabinet of Ministers": "Prime Minister",
    "Head of Government": "Prime Minister",
    "Head of State": "President",
    "President of the Presidency": "President",
    "First Secretary": "General Secretary",
}
# Capitalised words that may stand before a leader's surname without being a first
# name: function words of title-case headlines, days and months.
NOT_NAMES: list[str] = (
    "The A An And Or But Nor Of In On At For With By From To As After Before Under Over "
    "Between Against Without About Into Than Like If When While Because Since Why How What "
    "Who Whom Whose Which Where That This These Those His Her Their Our My Your Its Not No "
    "Yes Even Only Also Then Now So Said Says Say Thank Thanks Dear Welcome Via Per Vs "
    "Both Either Neither Every Each All Any Some Many Most More Much Such Other Another "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "May June July August September October November December Is Was Are Were Will Would "
    "Can Could Should Must Has Have Had Do Does Did Let Here There"
).split()
