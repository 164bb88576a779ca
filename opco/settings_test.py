"""Test variant of the settings: real PostgreSQL and Redis when they answer, SQLite and embedded
alternatives otherwise. `REQUIRE_SERVICES=1` turns a missing service into an error (CI)."""

import os

from opco.services import postgres_url_if_reachable, redis_url_if_reachable

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

if not os.environ.get("DATABASE_URL"):
    _pg = postgres_url_if_reachable("postgres://postgres@127.0.0.1:5432/test")
    if _pg:
        os.environ["DATABASE_URL"] = _pg
    elif REQUIRE_SERVICES:
        raise RuntimeError("REQUIRE_SERVICES=1 : PostgreSQL ne répond pas sur 127.0.0.1:5432 (ni DATABASE_URL).")
if not os.environ.get("REDIS_URL"):
    _redis = redis_url_if_reachable("redis://127.0.0.1:6379/15")
    if _redis:
        os.environ["REDIS_URL"] = _redis
    elif REQUIRE_SERVICES:
        raise RuntimeError("REQUIRE_SERVICES=1 : Redis ne répond pas sur 127.0.0.1:6379 (ni REDIS_URL).")
if REQUIRE_SERVICES and not os.environ["DATABASE_URL"].startswith(("postgres", "pgsql")):
    raise RuntimeError("REQUIRE_SERVICES=1 : DATABASE_URL doit désigner PostgreSQL.")

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# A synthetic debtor account (valid IBAN, no real account) for the SEPA files the tests build.
os.environ.setdefault("OPCO_IBAN", "FR7630006000011234567890189")
os.environ.setdefault("OPCO_BIC", "AGRIFRPP")

from opco.settings import *  # noqa: E402,F403
from opco.settings import DATABASES, REDIS_URL  # noqa: E402

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Server threads (live_server) must not keep connections that would block dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests share one Redis database; the cache is per process so that parallel runs do not collide.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
BACKENDS_IN_USE = {
    "database": DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    "redis": REDIS_URL or "absent (broker embarqué, cache local)",
}
