"""`iliac-cds`: scenario patients, loading them into a FHIR server, firing hooks at a running
service and reading its explanations, and serving the app.

    iliac-cds scenarios list
    iliac-cds scenarios bundle pv-acute-dvt-lmwh > bundle.json
    iliac-cds load --fhir-server http://127.0.0.1:8081/fhir
    iliac-cds fire pv-acute-dvt-lmwh --service-url http://127.0.0.1:8080
    iliac-cds explain pv-acute-dvt-lmwh --service-url http://127.0.0.1:8080
    iliac-cds serve --port 8080
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
import requests
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cds_hooks.cli.client import CallFailed, Signer, post_bundle, post_hook
from cds_hooks.cli.render import print_cards, print_explanation
from fixtures import loader

DEFAULT_SERVICE_URL = "http://127.0.0.1:8080"


def _console() -> Console:
    return Console(soft_wrap=False, highlight=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def _scenario(name: str, today: date | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    try:
        return loader.load_scenario(name, today)
    except KeyError:
        raise click.BadParameter(
            f"unknown scenario {name!r} (see `iliac-cds scenarios list`)", param_hint="NAME"
        ) from None


@click.group(
    help="iliac-cds: scenario patients, FHIR loading, firing hooks, explanations, serving."
)
def cli() -> None:
    pass


@cli.group()
def scenarios() -> None:
    """The bundled test patients (fixtures/)."""


@scenarios.command("list")
@click.option("--json", "as_json", is_flag=True, help="names and descriptions as JSON")
def scenarios_list(as_json: bool) -> None:
    """List the scenarios with their hooks and the cards the contract expects."""
    expected = loader.expected()
    rows = []
    for name in loader.scenario_names():
        entry = expected.get(name, {})
        services = {k: v.get("ids", []) for k, v in entry.items() if isinstance(v, dict)}
        rows.append({"name": name, "description": entry.get("description", ""), **services})
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    table = Table(title=f"{len(rows)} scenarios")
    table.add_column("name", no_wrap=True)
    table.add_column("description")
    table.add_column("expected cards")
    for row in rows:
        ids = [i for k, v in row.items() if k not in ("name", "description") for i in v]
        table.add_row(row["name"], row["description"], ", ".join(ids) or "-")
    _console().print(table)


@scenarios.command("bundle")
@click.argument("name")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="shift dates to this day")
def scenarios_bundle(name: str, today: Any) -> None:
    """Print the scenario's FHIR R4 transaction Bundle (dates moved to today)."""
    bundle, _ = _scenario(name, today.date() if today else None)
    click.echo(json.dumps(bundle, indent=1))


@cli.command()
@click.option("--fhir-server", required=True, help="FHIR R4 base URL that takes transactions")
@click.option("--bearer", envvar="ILIAC_CDS_FHIR_BEARER", help="bearer token for the server")
@click.option("--only", multiple=True, help="load only these scenarios (repeatable)")
def load(fhir_server: str, bearer: str | None, only: tuple[str, ...]) -> None:
    """POST every scenario's transaction Bundle to a FHIR server."""
    names = list(only) or loader.scenario_names()
    failures: list[str] = []
    session = requests.Session()
    with Progress(console=_err()) as progress:
        task = progress.add_task("loading scenarios", total=len(names))
        for name in names:
            bundle, _ = _scenario(name, None)
            try:
                post_bundle(session, fhir_server, bundle, bearer)
            except CallFailed as exc:
                failures.append(f"{name}: {exc}")
            progress.advance(task)
    for failure in failures:
        _err().print(f"[red]failed[/red] {failure}")
    _err().print(f"loaded {len(names) - len(failures)} of {len(names)} scenarios")
    if failures:
        sys.exit(1)


def _requests_for(
    name: str | None, request_file: Path | None, service: str | None, fhir_server: str | None
) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, service id, body) for each call to make."""
    if request_file is not None:
        if name:
            raise click.UsageError("give a scenario NAME or --request FILE, not both")
        try:
            body = json.loads(request_file.read_text())
        except (OSError, ValueError) as exc:
            raise click.BadParameter(f"cannot read JSON: {exc}", param_hint="--request") from None
        if not service:
            raise click.UsageError("--request needs --service ID")
        calls = [(request_file.name, service, body)]
    elif name:
        _, hook_requests = _scenario(name, None)
        if service and service not in hook_requests:
            raise click.BadParameter(
                f"{name} has requests for {', '.join(hook_requests)}", param_hint="--service"
            )
        calls = [
            (f"{name} -> {sid}", sid, body)
            for sid, body in hook_requests.items()
            if not service or sid == service
        ]
        for _, _, body in calls:
            # The fixtures name a placeholder server: with the full prefetch none is needed.
            body.pop("fhirServer", None)
    else:
        raise click.UsageError("give a scenario NAME or --request FILE")
    if fhir_server:
        for _, _, body in calls:
            # Make the service read the patient from the FHIR server (after `iliac-cds load`).
            body["fhirServer"] = fhir_server
            body.pop("prefetch", None)
    return calls


def _signer(key: Path | None, issuer: str | None, kid: str | None) -> Signer | None:
    if key is None and issuer is None and kid is None:
        return None
    if key is None or not issuer or not kid:
        raise click.UsageError("--jwt-key, --jwt-issuer and --jwt-kid go together")
    try:
        return Signer.from_pem(key, issuer, kid)
    except (OSError, ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--jwt-key") from None


def _hook_options(command: Any) -> Any:
    options = [
        click.argument("name", required=False),
        click.option(
            "--request",
            "request_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="a hook request JSON file instead of a scenario",
        ),
        click.option("--service", help="service id (default: every request of the scenario)"),
        click.option(
            "--service-url",
            default=DEFAULT_SERVICE_URL,
            show_default=True,
            envvar="ILIAC_CDS_SERVICE_URL",
            help="the service's base or discovery URL",
        ),
        click.option("--fhir-server", help="send fhirServer and no prefetch (after `load`)"),
        click.option("--json", "as_json", is_flag=True, help="print the raw JSON answers"),
        click.option(
            "--jwt-key",
            type=click.Path(path_type=Path, dir_okay=False),
            help="PEM private key (EC P-384 or RSA) to sign a JWT per call",
        ),
        click.option("--jwt-issuer", help="iss of the signed JWT"),
        click.option("--jwt-kid", help="kid of the signing key"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run_calls(explain: bool, **kwargs: Any) -> None:
    calls = _requests_for(
        kwargs["name"], kwargs["request_file"], kwargs["service"], kwargs["fhir_server"]
    )
    signer = _signer(kwargs["jwt_key"], kwargs["jwt_issuer"], kwargs["jwt_kid"])
    session = requests.Session()
    console = _console()
    answers: dict[str, Any] = {}
    failed = 0
    for label, service_id, body in calls:
        try:
            answer = post_hook(
                session,
                kwargs["service_url"],
                service_id,
                body,
                signer=signer,
                suffix="/explain" if explain else "",
            )
        except CallFailed as exc:
            failed += 1
            _err().print(f"[red]{label}: {exc}[/red]")
            continue
        answers[label] = answer
        if kwargs["as_json"]:
            continue
        if explain:
            print_explanation(console, label, answer)
        else:
            print_cards(console, label, answer.get("cards") or [])
    if kwargs["as_json"]:
        single = len(calls) == 1 and answers
        click.echo(json.dumps(next(iter(answers.values())) if single else answers, indent=1))
    if failed:
        sys.exit(1)


@cli.command()
@_hook_options
def fire(**kwargs: Any) -> None:
    """Post a scenario's hook request(s), or --request FILE, and print the cards."""
    _run_calls(False, **kwargs)


@cli.command()
@_hook_options
def explain(**kwargs: Any) -> None:
    """Like `fire`, but print the service's explanation (POST .../{id}/explain)."""
    _run_calls(True, **kwargs)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--demo/--no-demo", default=True, show_default=True, help="serve /demo")
@click.option("--require-jwt/--no-require-jwt", default=False, show_default=True)
def serve(host: str, port: int, demo: bool, require_jwt: bool) -> None:
    """Serve the app with Flask's development server (production: gunicorn, see README)."""
    os.environ.setdefault("CDS_DEMO", "true" if demo else "false")
    os.environ.setdefault("CDS_REQUIRE_JWT", "true" if require_jwt else "false")
    from cds_hooks import create_app

    create_app().run(host=host, port=port)


def main() -> None:
    cli(prog_name="iliac-cds")
