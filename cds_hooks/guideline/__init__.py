"""The pure clinical core: findings in, recommendations out.

Standard library only; no Flask, no FHIR, no clock (`as_of` is passed in).
"""
