"""Cards room: recommendations -> CDS Hooks cards (`render`) with their sources and links
(`references`). Imports the guideline's recommendation types, never `fetch` or `http`."""

from cds_hooks.cards.render import OrderContext, render_card, render_cards

__all__ = ["OrderContext", "render_card", "render_cards"]
