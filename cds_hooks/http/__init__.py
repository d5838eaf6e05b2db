"""HTTP room: the CDS Hooks routes (`api`), feedback routes (`feedback`), request/response wire
models (`models`), CORS (`cors`) and the one JSON error handler (`error_handlers`). It may import
every room below it; nothing imports it but `create_app`."""
