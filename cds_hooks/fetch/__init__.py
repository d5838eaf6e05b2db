"""Fetch room: the patient data a call needs. Prefetch resolution with FHIR fallback
(`prefetch`), the FHIR client (`fhir_client`) and what they yield (`patient_data`). Never imports
`cds_hooks.http`."""
