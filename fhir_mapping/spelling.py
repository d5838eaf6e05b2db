"""Spelling variants folded before any text is matched: British spelling ("oedema",
"haematoma", "visualised") and a few misspellings that reach real reports ("thrombis",
"compresion", "illiac"). Every matcher works on `text.normalize`d text and normalizes its own
phrases the same way, so a phrase list needs only the American spelling.
"""

from __future__ import annotations

import re

# Word starts: "haemorrhage"/"haematoma" -> "hem...", "oedematous" -> "edematous".
_PREFIXES = {
    "haem": "hem", "oedem": "edem", "anaem": "anem", "ischaem": "ischem", "anaesth": "anesth",
    "oesoph": "esoph", "leukaem": "leukem", "foetal": "fetal", "paediatr": "pediatr",
}  # fmt: skip
# Word stems spelled -is- in British English ("visualised", "recanalisation").
_ISE_STEMS = (
    "visual", "character", "recanal", "organ", "local", "immobil", "hospital", "catheter",
    "minim", "normal", "optim", "categor", "general",
)  # fmt: skip
# Whole words: British forms that are not a prefix or -ise stem, and common misspellings.
_WORDS = {
    "tumour": "tumor", "tumours": "tumors", "calibre": "caliber", "centre": "center",
    "lymphocoele": "lymphocele", "lymphocoeles": "lymphoceles", "grey": "gray",
    "thrombis": "thrombus", "thrombous": "thrombus", "thormbus": "thrombus",
    "thrombsis": "thrombosis", "thromobsis": "thrombosis", "thrombosus": "thrombosis",
    "thrombossed": "thrombosed", "compresion": "compression", "compresssion": "compression",
    "comression": "compression", "compresed": "compressed", "compresing": "compressing",
    "compressable": "compressible", "noncompressable": "noncompressible",
    "non-compressable": "non-compressible", "incompressable": "incompressible",
    "occulsive": "occlusive", "occlussive": "occlusive", "nonocculsive": "nonocclusive",
    "illiac": "iliac", "ilaic": "iliac", "poplitial": "popliteal", "popliteral": "popliteal",
    "peronial": "peroneal", "peronael": "peroneal", "gastrocnemeus": "gastrocnemius",
    "gastrocnemious": "gastrocnemius", "visualzied": "visualized",
    "stenossis": "stenosis", "stenoisis": "stenosis", "femural": "femoral",
    "phlegmesia": "phlegmasia", "lymphadenopahty": "lymphadenopathy",
    "abcess": "abscess", "absess": "abscess", "hemotoma": "hematoma",
    "metastatses": "metastases", "lymphona": "lymphoma", "monophasi": "monophasic",
    "respiraphasic": "respirophasic", "phasicty": "phasicity", "phasicitiy": "phasicity",
}  # fmt: skip

_PREFIX_RE = re.compile(r"\b(" + "|".join(sorted(_PREFIXES, key=len, reverse=True)) + ")")
_ISE_RE = re.compile(
    r"\b(" + "|".join(_ISE_STEMS) + r")is(e|ed|es|ing|ation|ations)\b"
)
_WORD_RE = re.compile(r"\b(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")\b")


# "LCIV", "REIV": the side letter written onto the vein abbreviation.
_GLUED_SIDE = re.compile(r"\b([lr])\.?\s?(civ|eiv|iiv|cfv|cia|eia|sfv|fv|pv|ptv)\b")


def americanize(lowered: str) -> str:
    """Lower-cased text with British spellings and known misspellings folded."""
    lowered = _GLUED_SIDE.sub(r"\1 \2", lowered)
    if "ae" in lowered or "oe" in lowered:
        lowered = _PREFIX_RE.sub(lambda m: _PREFIXES[m.group(1)], lowered)
    if "is" in lowered:
        lowered = _ISE_RE.sub(lambda m: f"{m.group(1)}iz{m.group(2)}", lowered)
    return _WORD_RE.sub(lambda m: _WORDS[m.group(1)], lowered)


__all__ = ["americanize"]
