"""The nature of a pelvic/iliac mass stated in text: an imaging conclusion, a pathology/biopsy
report, or a Condition's text (input profile v2.3, "nature of the mass").

Only affirmed, unhedged, current statements count: "biopsy-proven DLBCL", "consistent with
nodal metastases", "left pelvic lymphocele compressing the EIV". Hedged ("concerning for",
"suspicious for", "likely", "cannot exclude", "differential includes", "lymphoma vs
metastasis"), negated ("no abscess") or past ("history of lymphoma") statements leave the
nature undocumented. A nature that is not site-specific counts only in a statement naming a
pelvic/iliac/retroperitoneal/nodal site, or about the mass itself in a text that is the mass's
own work-up (`site_known`).
"""

from __future__ import annotations

import re

from cds_hooks.guideline.findings import MassNature, Side

from .statements import statements
from .text import Assertion, occurrences

_NATURES: tuple[tuple[MassNature, re.Pattern[str]], ...] = tuple(
    (nature, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])"))
    for nature, pattern in (
        (MassNature.MALIGNANT,
         r"(?:non-?)?hodgkin(?:'s)? lymphoma|lymphomas?|lymphomatous|dlbcl|diffuse large b-?cell"
         r"|follicular lymphoma|metastas[ie]s|metastatic|carcinomas?|adenocarcinomas?"
         r"|(?:leiomyo|lipo|rhabdomyo|osteo|chondro)?sarcomas?|malignan(?:cy|cies|t)"
         r"|cancers?|seminomas?|myelomas?|plasmacytomas?|melanomas?|neoplastic (?:nodes?"
         r"|adenopathy|lymphadenopathy)|tumou?r (?:deposits?|recurrence)|recurrent tumou?r"
         r"|germ cell tumou?r|nodal disease"),
        (MassNature.ABSCESS,
         r"abscess(?:es)?|infected (?:\w+ ){0,3}?(?:collection|lymphocele|hematoma|seroma)"
         r"|pyogenic collection|tubo-?ovarian abscess"),
        (MassNature.HEMATOMA,
         r"hematomas?|hemorrhagic collection|retroperitoneal (?:hemorrhage|bleed)"),
        (MassNature.LYMPHOCELE, r"lymphoceles?|lymphocysts?|lymphatic cysts?"),
        (MassNature.BURSITIS,
         r"(?:ilio-?)?psoas burs(?:itis|a)|iliopectineal burs(?:itis|a)"
         r"|distended (?:ilio-?)?psoas bursa"),
        (MassNature.DEGENERATIVE,
         r"disc (?:bulge|herniation|protrusion|extrusion)|(?:bulging|herniated|protruding) disc"
         r"|osteophytes?|osteophytic (?:spur|ridge|lipping)|spondylotic (?:spur|ridge)"
         r"|(?:bone|bony|anterior vertebral) spurs?|spondylophytes?"),
        (MassNature.BENIGN_NEOPLASM,
         r"leiomyomas?|fibroids?|schwannomas?|neurofibromas?|lipomas?|benign (?:neoplasms?"
         r"|tumou?rs?)"),
    )
)  # fmt: skip

# Natures that name their own site: "lymphoma" alone documents the nature (profile: the codes
# count alone); "nodal metastases" is nodal.
_SITE_SPECIFIC = re.compile(
    r"\b(?:lymphomas?|lymphomatous|dlbcl|diffuse large b-?cell|(?:ilio-?)?psoas|iliopectineal"
    r"|nodal|lymph nodes?|adenopathy|lymphadenopathy|lymphoceles?|lymphocysts?)\b"
)
_SITE = re.compile(
    r"\b(?:pelvi[cs]|iliac|inguinal|groin|retroperitone\w*|nodal|nodes?|adenopathy"
    r"|lymphadenopathy|psoas|obturator|presacral|sacral|sidewall|adnex\w*|para-?aortic"
    r"|civ|eiv|iiv|l5|s1|lumbosacral|prostat\w*|bladder|rect(?:al|um)|uter(?:ine|us)"
    r"|(?:tubo-?)?ovar(?:ian|y)|endometri\w*|cervix|cervical (?:cancer|carcinoma)|vulvar"
    r"|vaginal|testicular|iliopsoas)\b"
)
# In the mass's own work-up, a statement about the mass (or about a compressed vein).
_ABOUT_THE_MASS = re.compile(
    r"\b(?:mass(?:es)?|lesions?|collections?|compress\w*|effac\w*|narrow\w*|imping\w*"
    r"|encas\w*|biops\w*|specimen|diagnosis|cores?|aspirat\w*|fna|cytology|pathology"
    r"|histology|histopathology|it|this)\b"
)
# Degenerative and benign lesions count only as the compressing lesion itself.
_COMPRESSING = re.compile(r"\b(?:compress\w*|effac\w*|narrow\w*|imping\w*|indent\w*|mass)\b")
_NEEDS_COMPRESSION = frozenset({MassNature.DEGENERATIVE, MassNature.BENIGN_NEOPLASM})
_HISTORY_OF = re.compile(r"\b(?:history of|hx of|h/o|past history|prior history)\b")
# A lesion of another organ ("hepatic lesions consistent with metastases") is not the mass.
_OTHER_ORGAN = re.compile(
    r"\b(?:liver|hepatic|lungs?|pulmonary|brain|adrenal|renal|kidneys?|spleen|splenic|pancrea\w*"
    r"|breast|osseous|bones?|vertebra\w*|thyroid|skin|cutaneous)\b"
)
_INFECTED = re.compile(r"\binfected\b")
# "lymphoma or metastasis", "abscess vs hematoma": a choice is not a diagnosis.
_ALTERNATIVES = re.compile(r"\b(?:or|versus|vs|and/or)\b|/")


def natures_from_text(
    text: str, *, site_known: bool = False
) -> list[tuple[MassNature, Side]]:
    """Mass natures the text affirms, unhedged and current, each with the side its statement
    names (in order, without repeats)."""
    found: list[tuple[MassNature, Side]] = []
    for statement in statements(text):
        # A nature does not expire ("histology from 2025: leiomyosarcoma"), but a history of a
        # disease is not the nature of this mass.
        sentence = statement.text
        if _HISTORY_OF.search(sentence):
            continue
        natures = _statement_natures(sentence)
        if not natures:
            continue
        if MassNature.ABSCESS in natures and _INFECTED.search(sentence):
            natures = [MassNature.ABSCESS]  # an infected lymphocele/hematoma is an abscess
        if len(set(natures)) > 1 and _ALTERNATIVES.search(sentence):
            continue
        for nature in natures:
            if nature in _NEEDS_COMPRESSION and not _COMPRESSING.search(sentence):
                continue
            sited = bool(_SITE_SPECIFIC.search(sentence) or _SITE.search(sentence))
            of_the_mass = bool(site_known and _ABOUT_THE_MASS.search(sentence)
                               and not _OTHER_ORGAN.search(sentence))
            if sited or of_the_mass:
                found.append((nature, statement.side))
    return list(dict.fromkeys(found))


def _statement_natures(sentence: str) -> list[MassNature]:
    natures: list[MassNature] = []
    for nature, pattern in _NATURES:
        states = [state for *_, state in occurrences(sentence, pattern)]
        if Assertion.AFFIRMED in states and Assertion.UNCERTAIN not in states:
            natures.append(nature)
    return natures


__all__ = ["natures_from_text"]
