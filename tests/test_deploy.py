"""Production settings, docker compose, the Dockerfile and the two commands' wiring."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "x7Qp-3vN9w_Lr2kT8yBz5cHj4mDf6gSa1eRu0iOo-VbXnMqWlKtYhJpGdFsZaCe",
    "ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://crm:secret@db.example.com:5432/crm",
}


def manage(*args, env):
    base = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"Production needs the environment variable {missing}" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": "dev-insecure-key-change-me"})
    assert result.returncode != 0
    assert "its own SECRET_KEY" in result.stderr


def test_production_passes_the_deployment_checks_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_answers_health_checks_over_plain_http(tmp_path):
    # The one page exempt from the HTTPS redirect; with no database it says so (503).
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='crm.example.com').get('/healthz');"
        "print(r.status_code);"
        "print(Client(HTTP_HOST='crm.example.com').get('/accounts/login/').status_code)"
    )
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.production",
             "LOG_LEVEL": "WARNING", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]


# --- docker compose and the image ------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgres_redis_web_worker_and_one_beat(compose):
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn" in str(services["web"]["command"])
    assert "worker" in str(services["worker"]["command"])
    beat = services["beat"]
    assert "beat" in str(beat["command"])
    assert "DatabaseScheduler" in str(beat["command"])
    # Two beats would send every scheduled job twice.
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_compose_migrates_before_the_app_starts(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert "migrate" in str(migrate["command"]) and "sync_schedules" in str(migrate["command"])
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_compose_gives_the_app_its_production_environment(compose):
    for name in ("web", "worker", "beat", "migrate"):
        env = compose["services"][name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= set(env)
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert "@postgres:5432/" in env["DATABASE_URL"]


def test_compose_keeps_data_in_volumes(compose):
    assert {"pgdata", "media"} <= set(compose["volumes"])
    assert any("pgdata:" in v for v in compose["services"]["postgres"]["volumes"])
    for name in ("web", "worker"):
        assert any(v.startswith("media:") for v in compose["services"][name]["volumes"])


def test_dockerfile_builds_from_python_311_with_the_locked_dependencies():
    text = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text
    assert "uv sync --frozen" in text
    assert "collectstatic" in text and "compilemessages" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "db.sqlite3", "var"} <= set(ignored)


# --- the two commands ------------------------------------------------------------------------


def test_procfile_serves_web_worker_and_beat():
    entries = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert "gunicorn" in entries["web"]
    assert "worker" in entries["worker"]
    assert "beat" in entries["beat"] and "DatabaseScheduler" in entries["beat"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


@pytest.mark.parametrize("script", ["run.sh", "test.sh", "services.sh", "ensure_packages.sh"])
def test_scripts_are_valid_bash(script):
    path = ROOT / "scripts" / script
    assert os.access(path, os.X_OK)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0


def test_static_files_collect_with_the_production_storage(tmp_path):
    # Hashed names and compression: fails on a reference to a missing file (e.g. a .map).
    result = manage(
        "collectstatic", "--noinput", env={**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = tmp_path / "staticfiles.json"
    assert manifest.exists()
    assert any(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css"))
