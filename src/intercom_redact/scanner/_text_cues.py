"""Linguistic cues for names and addresses in free text, whatever their case or script.

A name in a support message is found by what stands around it, not by what
it is: a greeting before it ("hi jane,"), a sign-off above it
("Thanks,\\nŁukasz Nowak"), an introduction ("my name is josé garcía",
"this is 山田太郎", "我叫王伟"), an honorific after it ("山田様", "김민수님"),
the display-name slot of a mailbox (``From: "Jane Doe" <jane@…>``).  So
the words may be in any case and any script; what stops a match is a
*function word* -- a pronoun, article, preposition, auxiliary or common
adverb that no name is ("hi there,", "thanks, see you", "my name is not
important").  These lists are the closed word classes of English (and a
few of German, French, Spanish, Italian, Dutch), written for this module:
no person-name list, no generator's or test corpus's vocabulary.

Capitalised names have more cues, anywhere in a sentence: a title in any
case (:data:`NAME_TITLES`), "name is", "I'm", "call me", "ask for" ... (in
:mod:`._registry`).  What follows such a cue may still be no name ("I'm
Stuck", "Click here,", "Plan B Pro"): :data:`NOT_NAME_WORDS` drops it, and
:data:`WORDS_NOT_GIVEN_NAMES` keeps the gazetteer's common words ("Will",
"Mark", "Ruby") from being read as given names.

Addresses likewise: a house number and a street-type word of several
languages, unit and PO-box prefixes, postcode layouts of common countries
(their national postal formats), and the USPS state abbreviations of a
``City, ST 12345`` line.  The street-type words of continental Europe and
the Nordics are the national street-type vocabularies (the ones libpostal's
``street_types`` dictionaries and the UPU's addressing guides list per
country), written out here; the secondary-unit designators are USPS
Publication 28's (appendix C2) and their common European equivalents.
"""

from __future__ import annotations

import re

from ._validators import NOT_NAMES

__all__ = [
    "ADDRESS_PARTICLES",
    "CJK_HONORIFICS",
    "FUNCTION_WORDS",
    "GLUED_STREET_TYPES",
    "NAME_TITLES",
    "NOT_NAME_WORDS",
    "SPACED_STREET_TYPES",
    "STREET_TYPES_ANY_CASE",
    "TYPE_FIRST_EXTRA",
    "UNIT_TYPES",
    "US_STATES",
    "WORDS_NOT_GIVEN_NAMES",
    "alternation",
    "by_first_letter",
    "cue_not_a_name",
    "has_function_word",
    "postcode_value",
]

FUNCTION_WORDS = frozenset((
    # English closed classes: pronouns, determiners, prepositions, conjunctions, auxiliaries
    "i i'm i've i'll i'd me my mine myself you you're your yours yourself he him his she her hers "
    "it its it's we us our ours they them their theirs one someone anyone everyone nobody "
    "a an the this that these those some any no not none each every all both either neither "
    "other another such what which who whom whose where when why how "
    "and or but nor so yet if then than because as while though although unless until "
    "of in on at to for from by with without about into onto over under after before since "
    "during through between among against per via up down out off again further "
    "is am are was were be been being do does did done have has had having will would shall "
    "should can could may might must let lets "
    # common adverbs, answers and words that follow a greeting or sign-off but name no one
    "now here there just also only very really still already soon later today tomorrow "
    "yesterday tonight please pls thank thanks thx ok okay yes yeah no nope sure well much "
    "more most less lot lots a-lot quick quickly question questions issue problem help "
    "again everyone everybody all guys folks y'all people world friend friends colleague "
    "colleagues sir madam madame ma'am team support customer customers client user users "
    "admin admins agent agents sales billing service staff crew gang boss "
    "see talk speak hope glad sorry happy great good nice cool awesome perfect fine "
    "works worked working fixed done sent got get going went seems looks like "
    "in-advance advance anyway though "
    # units and quantities: "3 hours drive", "20 minutes walk"
    "second seconds sec secs minute minutes min mins hour hours hr hrs day days week weeks "
    "month months year years time times item items seat seats page pages ms "
    # German, French, Spanish, Italian, Dutch function words (not surname particles)
    "ich du sie wir ihr er es der die das den dem des ein eine einen und oder aber nicht ist "
    "sind mit für von auf bei "
    "je tu il elle nous vous ils elles les un une et ou mais pas est sont avec pour sur "
    "yo usted ella nosotros el los las una y o pero es son con para por "
    "io lui noi voi loro il gli una e ma non è sono con per "
    "ik jij je hij zij wij jullie het een en maar niet is zijn met voor"
).split()) | NOT_NAMES
"""Words no name is: a match stops before one (a name's particles, de/la/van/von, are not here)."""

NAME_TITLES = (
    "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "herr", "frau", "mme", "mlle", "madame",
    "monsieur", "mister", "sr", "sra", "srta", "dott", "mevr", "mevrouw", "dhr",
)
"""Titles written before a name, in any case (English, German, French, Spanish, Italian, Dutch)."""

NOT_NAME_WORDS = frozenset((
    # what follows "I'm", "named", "ask for" ... capitalised but no one's name
    "back stuck confused new trying using getting looking having afraid unable able aware "
    "interested curious wondering concerned frustrated disappointed excited not still currently "
    "writing reaching contacting following calling emailing messaging "
    # an imperative before "here,": "Click here, then ..."
    "click tap press see look sign start stop come go read check details info more right over reply "
    # a label and a letter ("Plan B Pro", "Section A. Overview") is no middle initial
    "plan section version type model grade class tier part step phase option level group exhibit "
    "appendix vitamin figure table row column chapter article schedule annex unit block building "
    "floor room gate terminal zone sector area region ward bay platform track side channel batch "
    "stage round series size format suite apt apartment box route highway interstate "
    # the nouns a brand, store or campaign ends with ("Holly Jolly Christmas Campaign")
    "christmas campaign sale store shop cup finals office inbox integration product catalog order invoice "
    "workspace bank group inc ltd llc gmbh corp company street road avenue"
).split()) | FUNCTION_WORDS
"""Capitalised words a cue may precede that name no one (a match holding one is dropped)."""

WORDS_NOT_GIVEN_NAMES = frozenset((
    # months and days, virtues, plants, stones, weather
    "May June April August Sunday Monday Tuesday Friday Hope Faith Grace Joy Charity Patience Prudence "
    "Constance Honor Honour Trust Mercy Destiny Harmony Serenity Liberty Justice Unity Verity Bliss Rose "
    "Lily Daisy Ivy Holly Iris Violet Jasmine Heather Hazel Willow Ash Rowan Oak Forest River Brook Rain "
    "Storm Sky Summer Autumn Winter Dawn Star Moon Sun Stone Rock Clay Flint Jade Ruby Pearl Amber Crystal "
    "Coral Opal Diamond Silver Gold Cherry Apple Olive Ginger Pepper Honey Candy Sugar Berry Basil Sage "
    # ranks and trades
    "King Prince Princess Duke Earl Baron Major General Judge Bishop Deacon Pastor Marshal Sheriff Hunter "
    "Archer Baker Butcher Carter Cooper Fisher Mason Miller Porter Sawyer Smith Tanner Taylor Turner Walker "
    "Weaver Ranger Pilot Sailor Knight Page Chase Chancellor Senator Bond Banks "
    # adjectives, verbs and nouns a log or an English sentence starts with
    "Rich Young Long Short Little Small Early Golden Lucky Happy Merry Bright Noble Gay Frank Sterling "
    "Royal Precious Gentle Sunny Rusty Dusty Sandy Misty Stormy Brave True Wise Swift Sharp Strong Best "
    "Will Mark Bill Grant Pat Sue Rob Guy Jack Bob Don Ray Max Min Art Gene Lance Drew Wade Dean Gil Hale "
    "Mack Ward Wolf Fox Bear Buck Colt Hawk Drake Robin Jay Wren Raven Dove Crane Swan Lark Finch Carol "
    "Kit Penny Cash Price Job Key Lock Bell Bolt Post Link Tag Log Note Angel Christian Eve Norm Echo "
    "Nova Neo Zen Ace Blue Red Gray Grey Green Brown White Black Rusty Cloud Dale Glen Field Lane Way "
    "Street Hill Moss Reed Rush Wells Worth Young Sunday Vale Vance Miles Mile Wally Lucky Bud Buddy Sonny "
    "Baby Honey Darling Dear Sweet Love Lover Tiny Doll Sugar Champ Chief Boss Doc Judge Cap Major "
    "Van Von De La Le Del Della Di Da Du Mac Al El Bin Ben Ibn Abu Ali Mr Mrs Ms Miss "
    "Delta Alpha Beta Gamma Sigma Omega Iota Kappa Zeta Theta Lambda "
    # products, languages and places a log names
    "Ruby Java Python Rails Django Flask Celery Kafka Redis Mongo Docker Chrome Safari Firefox Opera "
    "Edge Siri Alexa Cortana Jenkins Travis Heroku Stripe Slack Zoom Teams Excel Word Office Outlook "
    "Android Apple Amazon Azure Windows Linux Ubuntu Debian Fedora Arch Alpine Apache Maven Gradle Chef "
    "Puppet Helm Node Angular React Vue Ember Meteor Phoenix Elixir Scala Kotlin Swift Dart Flutter "
    "Pascal Lisp Kernel Server Client Worker Queue Admin Test Data Cron Mercury Venus Mars Jupiter "
    "Saturn Neptune Pluto Orion Atlas Titan Apollo Artemis Nike Tesla Ford Lincoln Dodge Jeep Mercedes "
    "Porsche Ferrari Lexus Toyota Honda Mazda Subaru Nissan Kia Paris London Berlin Sydney Austin Dallas "
    "Houston Phoenix Denver Boston Orlando Jackson Madison Florence Georgia Virginia Carolina Victoria "
    "Chelsea Brighton Adelaide Vienna Geneva Sofia Lima Santiago Jordan Israel India China Asia Africa "
    "America Europe Kent Devon Cornwall Essex Lorraine Normandy Savoy Holland Frankfurt Hamburg Bay Easter "
    # commands and nouns a log line starts with
    "Edit Even File Floor Free Mall March Merge Night Nil Pin Redo Run Sad Save Skip Spring Tab Trace Alfa"
).split())
"""Given names of the gazetteer that are also common words, products or places: never read as a name."""

STREET_TYPES_ANY_CASE = ["street", "st", "avenue", "ave", "boulevard", "blvd", "road", "rd", "lane", "ln", "drive", "dr", "court", "ct", "place", "pl", "terrace", "ter", "crescent", "cres", "highway", "hwy", "parkway", "pkwy", "circle", "cir", "square", "sq", "close", "trail", "trl", "plaza", "plz", "way"]
"""Street-type words also trusted in lower or upper case ("221b baker street", "1 MAIN ST")."""

US_STATES = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI"]
"""USPS two-letter state and territory codes (USPS Publication 28, appendix B)."""

GLUED_STREET_TYPES = [
    # German and Austrian (the ones an English word never ends in)
    "str", "straße", "strasse", "gasse", "platz", "allee", "brücke", "zeile", "gürtel", "steig", "stieg",
    # Dutch and Flemish
    "straat", "steenweg", "laan", "gracht", "dreef", "plein", "steeg",
    # Danish
    "vej", "gade", "vænge", "stræde", "plads", "torv",
    # Norwegian
    "veien", "vegen", "vei", "veg", "gata", "gaten", "plassen",
    # Swedish
    "vägen", "gatan", "gränd", "torget", "torg", "stigen", "allén",
    # Finnish
    "katu", "kuja", "polku", "väylä", "raitti", "kaari", "tori",
    # Estonian
    "tänav", "puiestee", "maantee",
    # Icelandic
    "braut", "vegur", "stræti", "stígur", "tröð",
]
"""Street types written glued to the name, the number after ("Degnehøjvej 45", "Kiannonkatu 98")."""

SPACED_STREET_TYPES = [
    # Hungarian
    "út", "utca", "u.", "tér", "körút", "krt.", "köz", "sétány", "fasor", "rakpart",
    # Slovenian, Croatian, Serbian (Latin), Czech, Slovak
    "ulica", "cesta", "trg", "třída", "nábřeží", "náměstí", "nám.", "námestie",
    # Estonian, Finnish
    "tänav", "põik", "puiestee", "maantee", "mnt.",
    # Norwegian, Danish, Swedish (after a genitive or an adjective: "Nordre vei 5")
    "vei", "veg", "vej", "gade", "allé", "väg",
]
"""Street types written as a word after the name, the number after ("Nánási út 21", "Slovenska cesta 5")."""

TYPE_FIRST_EXTRA = [
    "ctra.", "ctra", "carretera", "rúa", "carrer", "avinguda", "passeig", "estrada", "av.", "bulevar", "trg",
    "ulica", "náměstí", "nám.", "bulevardi", "odos", "οδός", "λεωφόρος", "πλατεία",
]
"""Street types written before the name beyond the Romance and Polish ones of the registry ("Ctra. Hornos 3")."""

UNIT_TYPES = [
    "apt", "apartment", "suite", "ste", "unit", "flat", "floor", "fl", "room", "rm", "bldg", "building",
    "dept", "office", "studio", "box", "pmb", "lot", "space", "trlr",
    "wohnung", "whg", "etage", "stock", "appartement", "app", "bus", "piso", "puerta", "escalera",
    "interno", "scala", "andar", "sala", "lok", "lokal", "mieszkanie", "m.",
]
"""Secondary-unit designators: USPS Publication 28 (appendix C2) and their common European equivalents."""

ADDRESS_PARTICLES = [
    "de", "del", "la", "le", "les", "los", "las", "di", "da", "do", "dos", "das", "du", "des", "della", "dei",
    "degli", "van", "von", "der", "den", "ter", "ten", "am", "an", "im", "zum", "zur", "auf", "bei", "u", "z",
    "na", "nad", "pod", "sur", "sous", "lès", "à", "upon", "of",
]
"""Lower-case words inside a place or street name ("Villanueva del Pardillo", "Hrušovany u Brna")."""

CJK_HONORIFICS = ("様", "さん", "くん", "ちゃん", "殿", "先生", "女士", "小姐", "님", "씨")
"""Address forms written after a name in Japanese, Chinese and Korean."""


def alternation(words: frozenset[str] | tuple[str, ...] | list[str]) -> str:
    """A regex alternation of ``words``, longest first, each escaped."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=lambda w: (-len(w), w)))


def by_first_letter(alternatives: tuple[str, ...]) -> str:
    """The regex ``alternatives`` as one alternation grouped under their first letters, in their order.

    For a case-insensitive alternation at the head of a pattern: the ``regex``
    module tries each alternative of a flat one at every position of a text,
    and one test per group of the grouped one.  Alternatives under different
    letters never match at the same place, and a group keeps its alternatives'
    order, so both match the same (leftmost first).  Each alternative starts
    with a lower-case ASCII letter that no quantifier follows.
    """
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        if not ("a" <= alternative[:1] <= "z") or alternative[1:2] in ("*", "+", "?", "{"):
            raise ValueError(f"{alternative!r}: not a lower-case letter, unquantified, first")
        groups.setdefault(alternative[0], []).append(alternative[1:])
    return "|".join(letter + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")")
                    for letter, rests in groups.items())


def postcode_value(text: str) -> bool | None:
    """A value after a postcode word ("zip: 62704", "PLZ 10115") holds at least two digits."""
    return None if sum(ch.isdigit() for ch in text) >= 2 else False


_PUNCTUATION = ".,;:!?\"()[]"


def cue_not_a_name(text: str) -> bool:
    """A capitalised word of ``text`` (its titles aside) is one of :data:`NOT_NAME_WORDS`: "I'm Stuck".

    Also when there is none.  One loop, no list: it runs on every match of the name rows.
    """
    past_titles = False
    for word in text.split():
        if not word[:1].isupper() or len(word.rstrip(".")) <= 1:  # not an initial: "Beatrice A Gallo"
            continue
        word = word.strip(_PUNCTUATION).lower()
        if not past_titles:
            if word.rstrip(".") in NAME_TITLES:  # the titles the words open with
                continue
            past_titles = True
        if word.removesuffix("'s").removesuffix("’s") in NOT_NAME_WORDS:
            return True
    return not past_titles


def has_function_word(text: str) -> bool:
    """A word of ``text`` (any case) is one of :data:`FUNCTION_WORDS`: "there" in "hi there"."""
    return any(word.strip(_PUNCTUATION).lower() in FUNCTION_WORDS for word in text.split())
