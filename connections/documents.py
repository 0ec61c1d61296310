"""The documents a connection project may ask of the customer, told in one go (一次性告知).

Which ones each kind of project asks is the setting CONNECTION_REQUIRED_DOCUMENTS.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

DOCUMENTS: dict[str, Promise] = {
    "identity": pgettext_lazy(
        "connection document", "Identity: business licence with the unified social credit code"
    ),
    "property": pgettext_lazy("connection document", "Proof of property or lease of the site"),
    "load_list": pgettext_lazy("connection document", "List of the electrical loads"),
    "drawings": pgettext_lazy("connection document", "Electrical design drawings"),
    "contract": pgettext_lazy("connection document", "Current supply contract"),
    "application_letter": pgettext_lazy("connection document", "Signed application form"),
    "site_permit": pgettext_lazy("connection document", "Construction or event permit"),
    "completion_report": pgettext_lazy("connection document", "Completion report and test records"),
}


def document_label(code: str) -> Promise | str:
    return DOCUMENTS.get(code, code)


def required_documents(kind: str) -> list[str]:
    """The codes of the documents a project of `kind` asks for, in order."""
    codes = settings.CONNECTION_REQUIRED_DOCUMENTS.get(kind, [])
    return [code for code in codes if code in DOCUMENTS]
