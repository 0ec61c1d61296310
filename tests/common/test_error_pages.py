"""The product's own error pages (no debug page, no URL map), JSON under /api/, and DEBUG off
in the settings `make run` uses."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_an_unknown_page_is_the_products_404(client, mgr_a):
    client.force_login(mgr_a)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    body = response.content.decode()
    assert "页面不存在" in body and "css/app.css" in body
    assert "URLconf" not in body and "urlpatterns" not in body.lower()


def test_an_unknown_page_is_404_without_login_too():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_an_unknown_api_path_outside_v1_is_json():
    response = Client().get("/api/v2/customers/")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"detail": "未找到。"}


def test_a_disallowed_host_gets_the_400_page_and_json_under_the_api():
    page = Client().get("/", HTTP_HOST="evil.example")
    assert page.status_code == 400
    assert "无法识别此请求" in page.content.decode()
    api = Client().get("/api/v1/customers/", HTTP_HOST="evil.example")
    assert (api.status_code, api["Content-Type"]) == (400, "application/json")


@override_settings(ROOT_URLCONF="tests.common.error_urls")
def test_a_failing_page_is_the_products_500_page(mgr_a):
    client = Client(raise_request_exception=False)
    client.force_login(mgr_a)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出现错误" in body and "css/app.css" in body
    assert "Traceback" not in body and "boom" not in body


@override_settings(ROOT_URLCONF="tests.common.error_urls")
def test_a_failing_api_call_answers_json(mgr_a):
    client = Client(raise_request_exception=False)
    client.force_login(mgr_a)
    response = client.get("/api/v1/boom/", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert "server error" in response.json()["detail"]


def test_make_run_serves_with_debug_off():
    """scripts/run.sh uses config.settings.local; with the environment it sets, DEBUG is off."""
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "DJANGO_SETTINGS_MODULE:-config.settings.local" in script
    assert "collectstatic" in script  # whitenoise serves the collected files with DEBUG off
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.STORAGES['staticfiles']['BACKEND'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    debug, storage = result.stdout.split()[-2:]
    assert debug == "False"
    assert storage.startswith("whitenoise.")


def test_a_failed_csrf_check_gets_the_products_page():
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "表单已失效" in body and "css/app.css" in body
