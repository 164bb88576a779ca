"""Production settings pass Django's deployment checks, and refuse to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    # The test settings loosen some variables in this process's environment: a production process has none of them.
    loosened = (
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    )
    environment = {k: v for k, v in os.environ.items() if k not in loosened}
    environment.update(env, DJANGO_SETTINGS_MODULE="opco.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" * 10 + "Zq8!vX2@pL5#nM7$wR4%tY6^uI9&oP1*aS3(dF0)gH" + "j" * 20,
        ALLOWED_HOSTS="backoffice.opco.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY doit être défini" in result.stderr


def test_manage_py_defaults_to_development_but_the_servers_do_not():
    """A developer's bare `python manage.py …` works; gunicorn and Celery without DEBUG and
    SECRET_KEY refuse to start, as production must."""
    loosened = (
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    )
    environment = {k: v for k, v in os.environ.items() if k not in loosened}
    bare = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert bare.returncode == 0, bare.stderr
    for module in ("opco.wsgi", "opco.celery"):
        server = subprocess.run(
            [sys.executable, "-c", f"import {module}; from django.conf import settings; settings.SECRET_KEY"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert server.returncode != 0 and "SECRET_KEY doit être défini" in server.stderr, module
