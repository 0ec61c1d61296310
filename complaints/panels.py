"""Panels of the complaint page filled by the apps above complaints (registered from their
AppConfig.ready()), e.g. supply quality's interruptions and voltage around a power-quality
complaint. A panel is loaded into the page from its own URL (a view of the part that owns it,
taking the complaint's pk), so the complaint page never imports another part's views.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class ComplaintPanel:
    key: str
    url_name: str  # reversed with args=[complaint.pk]
    categories: frozenset[str] | None = None  # None: every complaint
    order: int = 100


PANELS: dict[str, ComplaintPanel] = {}


def register_panel(key: str, url_name: str, *, categories=None, order: int = 100) -> None:
    PANELS[key] = ComplaintPanel(
        key=key,
        url_name=url_name,
        categories=frozenset(categories) if categories is not None else None,
        order=order,
    )


def panels_for(complaint) -> list[dict[str, str]]:
    """[{"key", "url"}] of the panels shown for `complaint`, in their order."""
    return [
        {"key": panel.key, "url": reverse(panel.url_name, args=[complaint.pk])}
        for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key))
        if panel.categories is None or complaint.category in panel.categories
    ]
