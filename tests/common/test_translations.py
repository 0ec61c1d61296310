"""Every message the product writes is translatable and translated (issue 11 §5).

Two static checks over the product's Python source, and refusals through the API in both
languages: `Accept-Language: en` gives English, `zh-hans` or no header gives Chinese.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.complaints.conftest import drive, register  # noqa: F401 (fixtures)

ROOT = Path(settings.BASE_DIR)
# The product's own code (devtools and tests aside).
APPS = ("common", "config", "customers", "accounts_manager", "billing", "outages", "complaints")
GETTEXT = {"_", "gettext", "gettext_lazy", "_lazy", "ngettext", "ngettext_lazy"}
PGETTEXT = {"pgettext", "pgettext_lazy"}
# Refusals: the second positional argument (or `message=`) is the message for people.
DOMAIN_ERRORS = {"DomainError", "TransitionNotAllowed", "Busy", "LockedOut"}
# Exceptions whose first argument, when given, is shown to people.
SHOWN_EXCEPTIONS = {"ValidationError", "PermissionDenied"}
# msgids whose Chinese is the same text.
SAME_IN_CHINESE = {"API"}


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_plain_text(node: ast.expr) -> bool:
    """A message written as a bare literal: a string, an f-string, or text glued to them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        # "%s" % x is plain text; _("...") % {...} is a translated one.
        return _is_plain_text(node.left)
    return False


def _message_argument(call: ast.Call) -> ast.expr | None:
    name = _name(call.func)
    for keyword in call.keywords:
        if keyword.arg in ("message", "detail"):
            return keyword.value
    if name in DOMAIN_ERRORS:
        return call.args[1] if len(call.args) > 1 else None
    return call.args[0] if call.args else None


def test_no_refusal_is_raised_with_an_untranslated_literal():
    untranslated = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _name(node.func) not in DOMAIN_ERRORS | SHOWN_EXCEPTIONS:
                continue
            message = _message_argument(node)
            if message is not None and _is_plain_text(message):
                untranslated.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert untranslated == [], "wrap these messages in gettext: " + ", ".join(untranslated)


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _catalogue_entries():
    """(where, kind, args) of every gettext call with literal text in the product's code."""
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _name(node.func) if isinstance(node.func, ast.Name) else None
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name in GETTEXT:
                texts = [_literal(a) for a in node.args[:2]]
                if name.startswith("ngettext") and None not in texts:
                    yield where, "n", texts
                elif texts[0] is not None:
                    yield where, "", texts[:1]
            elif name in PGETTEXT and len(node.args) >= 2:
                texts = [_literal(a) for a in node.args[:2]]
                if None not in texts:
                    yield where, "p", texts


def _translated(kind: str, texts: list[str]) -> bool:
    with translation.override("zh-hans"):
        if kind == "n":
            return (
                translation.ngettext(texts[0], texts[1], 1) != texts[0]
                and translation.ngettext(texts[0], texts[1], 2) != texts[1]
            )
        if kind == "p":
            return translation.pgettext(texts[0], texts[1]) != texts[1]
        return translation.gettext(texts[0]) != texts[0]


def test_every_message_in_the_code_has_a_chinese_translation():
    """Walks every gettext call of the product's Python code against the compiled catalogue
    (`make messages`): a msgid without a zh-Hans msgstr would show English in a Chinese page."""
    missing = [
        f"{where} {texts[-1]!r}"
        for where, kind, texts in _catalogue_entries()
        if texts[-1] not in SAME_IN_CHINESE and not _translated(kind, texts)
    ]
    assert missing == [], "add to the app's .po: " + "; ".join(missing)


def test_the_walk_sees_the_refusals():
    """The walk above would be vacuous if it found nothing: it finds the known refusals."""
    texts = {texts[-1] for _where, _kind, texts in _catalogue_entries()}
    assert "The callback must be made by someone other than the person who resolved it." in texts
    assert "This reference is already used." in texts


# --- refusals through the API, in both languages ----------------------------------------------


@pytest.fixture
def refusals(api, mgr_a, sup_east, customer_for, register, drive):  # noqa: F811
    """name -> a callable that sends a refused request with the given headers."""
    from complaints.models import Status

    customer = customer_for(mgr_a)
    resolved = drive(register(customer), Status.RESOLVED)
    closed = drive(register(customer_for(mgr_a), category="metering"), Status.CLOSED)

    def callback_by_resolver(**headers):
        return api(mgr_a).post(
            f"/api/v1/complaints/{resolved.pk}/callback/",
            {"satisfaction": 5, "solved": True},
            format="json",
            **headers,
        )

    def action_in_wrong_status(**headers):
        return api(mgr_a).post(
            f"/api/v1/complaints/{closed.pk}/acknowledge/", {}, format="json", **headers
        )

    def region_change_by_manager(**headers):
        return api(mgr_a).patch(
            f"/api/v1/customers/{customer.pk}/", {"region": "WEST"}, format="json", **headers
        )

    def promise_in_the_past(**headers):
        return api(mgr_a).post(
            "/api/v1/promises/",
            {"customer": customer.pk, "amount": "100.00", "due_date": "2000-01-01"},
            format="json",
            **headers,
        )

    return {
        "callback_by_resolver": callback_by_resolver,
        "action_in_wrong_status": action_in_wrong_status,
        "region_change_by_manager": region_change_by_manager,
        "promise_in_the_past": promise_in_the_past,
    }


ENGLISH = {
    "callback_by_resolver": (
        400,
        "detail",
        "The callback must be made by someone other than the person who resolved it.",
    ),
    "action_in_wrong_status": (409, "detail", None),
    "region_change_by_manager": (
        400,
        "region",
        "Only a supervisor or an administrator can move a customer to another region.",
    ),
    "promise_in_the_past": (400, "due_date", None),
}


def _message(response, field: str) -> str:
    value = response.json()[field]
    return value[0] if isinstance(value, list) else value


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@pytest.mark.parametrize("name", list(ENGLISH))
def test_a_refusal_comes_in_the_requests_language(refusals, west, name):
    status, field, english_text = ENGLISH[name]
    english = refusals[name](HTTP_ACCEPT_LANGUAGE="en")
    chinese = refusals[name](HTTP_ACCEPT_LANGUAGE="zh-hans")
    default = refusals[name]()
    assert {english.status_code, chinese.status_code, default.status_code} == {status}
    in_english = _message(english, field)
    if english_text is not None:
        assert in_english == english_text
    assert not _has_chinese(in_english)
    assert _has_chinese(_message(chinese, field))
    assert _message(default, field) == _message(chinese, field)
    # A browser's header for mainland Chinese is Simplified Chinese too.
    browser = refusals[name](HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8")
    assert _message(browser, field) == _message(chinese, field)
    with translation.override("zh-hans"):
        assert _message(chinese, field) == translation.gettext(in_english) or english_text is None
