"""Storage room: the database (`database`: tables, engine, migrations), its operations (`store`:
JWT replay guard, served cards, feedback) and the feedback body model (`feedback_model`). Never
imports `cds_hooks.http`."""
