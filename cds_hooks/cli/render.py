"""Readable terminal output of cards and explanations (rich)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

INDICATOR_STYLES = {"critical": "bold red", "warning": "yellow", "info": "blue"}


def _recommendation(card: Mapping[str, Any]) -> str:
    topic = (card.get("source") or {}).get("topic") or {}
    return str(topic.get("code") or "?")


def card_panel(card: Mapping[str, Any]) -> Panel:
    indicator = str(card.get("indicator", "info"))
    style = INDICATOR_STYLES.get(indicator, "white")
    parts: list[Any] = []
    if card.get("detail"):
        parts.append(Markdown(str(card["detail"])))
    source = card.get("source") or {}
    source_line = Text("Source: ", style="dim")
    source_line.append(str(source.get("label", "")))
    if source.get("url"):
        source_line.append(f" <{source['url']}>", style="dim")
    parts.append(source_line)
    for link in card.get("links") or ():
        parts.append(Text(f"Link: {link.get('label')} <{link.get('url')}>", style="dim"))
    for suggestion in card.get("suggestions") or ():
        line = Text("[suggestion] ", style="green")
        line.append(str(suggestion.get("label", "")))
        for action in suggestion.get("actions") or ():
            resource = action.get("resource") or {}
            what = resource.get("resourceType") or action.get("resourceId") or ""
            line.append(f"\n    {action.get('type')} {what}: {action.get('description', '')}")
        parts.append(line)
    title = Text(f"{indicator.upper()} ", style=style)
    title.append(str(card.get("summary", "")), style="bold")
    return Panel(
        Group(*parts),
        title=title,
        title_align="left",
        subtitle=_recommendation(card),
        subtitle_align="right",
        border_style=style,
    )


def print_cards(console: Console, label: str, cards: list[Mapping[str, Any]]) -> None:
    console.rule(f"{label}: {len(cards)} card(s)")
    if not cards:
        console.print("[dim]no cards[/dim]")
    for card in cards:
        console.print(card_panel(card))


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "unknown"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def print_explanation(console: Console, label: str, explanation: Mapping[str, Any]) -> None:
    console.rule(f"{label}: explanation")
    gate = explanation.get("gate")
    if gate:
        console.print(f"[bold]Relevance gate:[/bold] {gate}")
    findings = explanation.get("findings") or []
    table = Table(title=f"Findings the mapper read ({len(findings)})", show_lines=False)
    for column in ("kind", "finding", "side", "date", "FHIR reference"):
        table.add_column(column)
    for finding in findings:
        table.add_row(
            str(finding.get("kind", "")),
            str(finding.get("text", "")),
            _value(finding.get("side")),
            str(finding.get("date") or ""),
            str(finding.get("ref") or ""),
        )
    console.print(table)
    stages = (explanation.get("pathway") or {}).get("stages") or []
    if stages:
        console.print("[bold]Pathway[/bold]")
    for stage in stages:
        marker = "[green]●[/green]" if stage.get("reached") else "[dim]○[/dim]"
        outcome = f": {stage['outcome']}" if stage.get("outcome") else ""
        console.print(f" {marker} {stage.get('title')}{outcome}")
        for item in stage.get("inputs") or ():
            console.print(f"     {item.get('label')}: {_value(item.get('value'))}")
    recs = Table(title="Recommendations of this hook")
    recs.add_column("id")
    recs.add_column("fired")
    recs.add_column("why (not)")
    for rec in explanation.get("recommendations") or ():
        fired = bool(rec.get("fired"))
        recs.add_row(
            str(rec.get("id")),
            Text("yes", style="green") if fired else Text("no", style="dim"),
            str(rec.get("indicator") if fired else rec.get("reason") or ""),
        )
    console.print(recs)
