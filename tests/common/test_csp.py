"""Content-Security-Policy: the header is on pages and API answers, and no template holds an
inline script, event handler, javascript: URL or inline style that the policy would block."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    path
    for path in ROOT.glob("**/templates/**/*.html")
    if not {".venv", "node_modules", "staticfiles"} & set(path.relative_to(ROOT).parts)
)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_strict(response):
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in v for values in directives.values() for v in values)


def test_pages_carry_the_policy(client, mgr_a):
    assert_strict(Client().get(reverse("login")))
    client.force_login(mgr_a)
    assert_strict(client.get(reverse("customers:list")))
    assert_strict(client.get("/no/such/page/"))
    assert_strict(client.get(reverse("api-docs")))


def test_api_answers_carry_the_policy(api, mgr_a):
    assert_strict(api(mgr_a).get("/api/v1/customers/"))
    assert_strict(APIClient().get("/api/v1/customers/"))  # a 401/403 too
    assert_strict(APIClient().get("/api/v1/nowhere/"))


def test_the_api_docs_page_has_no_inline_script_or_style(client, mgr_a):
    client.force_login(mgr_a)
    page = client.get(reverse("api-docs")).content.decode()
    assert not InlineFinder.scan(page)
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


class InlineFinder(HTMLParser):
    """What a strict CSP would block in an HTML text (a template or a rendered page)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: dict | None = None

    @classmethod
    def scan(cls, text: str) -> list[str]:
        finder = cls()
        # Template tags inside tags ({% if %} in attributes) are no HTML: blank them out.
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
        finder.feed(re.sub(r"{%.*?%}|{#.*?#}", "", text, flags=re.S))
        finder.close()
        return finder.problems

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> (inline event handler)")
            if name == "style":
                self.problems.append(f"<{tag} style=…> (inline style)")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style> (inline style sheet)")
        if tag == "script":
            self._script = names

    def handle_data(self, data):
        if self._script is None or not data.strip():
            return
        if "src" in self._script:
            self.problems.append("<script src> with a body")
        elif self._script.get("type") != "application/json":
            self.problems.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def test_the_scanner_finds_what_the_policy_blocks():
    assert len(InlineFinder.scan('<script>alert(1)</script><a href="javascript:x()">')) == 2
    assert InlineFinder.scan('<button onclick="go()" style="color:red">') == [
        "<button onclick=…> (inline event handler)",
        "<button style=…> (inline style)",
    ]
    assert InlineFinder.scan("<style>p{}</style>") == ["<style> (inline style sheet)"]
    assert not InlineFinder.scan(
        '<script src="/static/js/app.js"></script>'
        '<script id="d" type="application/json">{"a": 1}</script>'
    )


def test_templates_are_found():
    names = {path.name for path in TEMPLATES}
    assert {"base.html", "404.html", "500.html", "customer_tab.html"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_holds_what_the_policy_blocks(path):
    assert InlineFinder.scan(path.read_text()) == []
