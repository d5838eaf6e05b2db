"""Procedure and device value sets: iliac venous stents, hip arthroplasty, IVC filter, lysis."""

from __future__ import annotations

from . import ValueSet, codes

# ICD-10-PCS dilation of the common/external iliac veins with an intraluminal device: these
# codes name the iliac veins themselves, so they count alone.
ILIAC_STENT = ValueSet(pcs=codes("067C3DZ", "067D3DZ", "067F3DZ", "067G3DZ"))
# CPT 37238 (open or percutaneous venous stent) and generic stent concepts also cover other
# veins and arteries: they count only when the site or text names an iliac vein.
STENT_GATED = ValueSet(
    cpt=codes("37238", "37239"),
    snomed=codes("65818007"),  # stent (physical object), seen as Device.type
)
STENT_TEXT = ("stent", "venovo", "wallstent", "vici", "abre", "zilver vena", "sinus-venous")
ILIAC_VEIN_TEXT = (
    "iliac vein",
    "iliac venous",
    "common iliac v",
    "external iliac v",
    "civ",
    "eiv",
    "iliofemoral vein",
    "ilio-femoral vein",
    "iliocaval",
    "may-thurner",
    "may thurner",
)
# Iliac vein body sites (SNOMED): common iliac vein, external iliac vein.
ILIAC_VEIN_SITES = codes("46027005", "63507001")
ARTERY_TEXT = ("artery", "arterial", "coronary")

HIP_ARTHROPLASTY = ValueSet(snomed=codes("52734007"))
