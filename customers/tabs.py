"""The tabs of the customer 360 page. Each part registers its tab from its AppConfig.ready().

A tab is loaded into the page from its own URL (a view of the part that owns it, taking the
customer's pk), so the customer page never imports another part's views.
"""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class CustomerTab:
    key: str
    label: str | Promise  # a lazy translation
    url_name: str  # reversed with args=[customer.pk]
    order: int = 100


TABS: dict[str, CustomerTab] = {}


def register_tab(key: str, label, url_name: str, order: int = 100) -> None:
    TABS[key] = CustomerTab(key=key, label=label, url_name=url_name, order=order)


def customer_tabs() -> list[CustomerTab]:
    return sorted(TABS.values(), key=lambda t: (t.order, t.key))
