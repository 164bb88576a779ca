"""Settings of the OPCO back-office, read from the environment (django-environ).

Every variable is listed in `.env.example`. Defaults give a zero set-up machine: a SQLite file, an
embedded Celery broker on the filesystem and a local-memory cache. Production switches on with
DEBUG off: secure cookies, HSTS, SSL redirect (`manage.py check --deploy` is clean).
"""

from datetime import timedelta
from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY doit être défini lorsque DEBUG est désactivé.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    # Project apps, in the direction data flows (DESIGN.md).
    "opco",
    "accounts",
    "notifications",
    "referentials",
    "branches",
    "contracts",
    "payments",
    "sme_services",
    "conventions",
    # Demo data and benchmarks, apart from product code.
    "demo",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: no-store on every answer but static files, and the Permissions-Policy.
    "opco.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every URL needs a logged-in user unless its view says otherwise (login_not_required).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "opco.middleware.SessionAbsoluteTimeoutMiddleware",
    "opco.middleware.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opco.urls"
WSGI_APPLICATION = "opco.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opco.context_processors.installation",
            ],
            # The house's number formats (|euros, |nombre) in every template without {% load %}.
            "builtins": ["opco.templatetags.opco_format"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks, take the write lock up front, WAL for readers.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: the back-office's statements are short, and at 1 000 000 files PostgreSQL compiled each list
    # or figures statement for 0.5 to 1.8 s, longer than it then ran (issue 19). PG_OPTIONS overrides it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", env.str("PG_OPTIONS", default="-c jit=off"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache when set, embedded alternatives otherwise -------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (opco/celery.py reads the CELERY_ keys) -------------------------------------------------
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
# A payment run « en exécution » whose last attempt is older than this is queued again by the sweep
# (payments.tasks.sweep_payment_runs): longer than the task time limit and the visibility timeout.
PAYMENTS_STUCK_EXECUTION_MINUTES = env.int("PAYMENTS_STUCK_EXECUTION_MINUTES", default=90)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A message a dead worker had taken (acks_late) is given back to the queue after this many seconds;
    # longer than the longest task, so that a slow task is not run twice meanwhile.
    # Workers sweep for such messages every interval × throttle seconds (kombu's defaults: 10 × 10).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    }
else:
    # kombu's filesystem transport: a broker that works across processes with no server.
    (CELERY_BROKER_DIR / "queue").mkdir(parents=True, exist_ok=True)
    (CELERY_BROKER_DIR / "results").mkdir(parents=True, exist_ok=True)
    (CELERY_BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        # Broadcast (control) messages too, else kombu writes a « control/ » folder in the current directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_BROKER_DIR / 'results'}"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Authentication, accounts and MFA ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked (user, IP) pairs before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapter.BackOfficeAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # accounts are created by administrators, never by sign-up
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Wrong passwords are django-axes' job (per user and IP, below): the adapter keeps allauth from counting
# them. allauth's "login_failed" limit then counts second-factor codes only, per account: 5 tries per
# 15 minutes, then even the right code waits (a 6-digit code must not be guessed by trying them all).
# No per-IP part: it would lock a whole office.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/15m/key"}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="OPCO back-office")
# One 30-second step of clock drift either way, as RFC 6238 §5.2 recommends.
MFA_TOTP_TOLERANCE = 1
# The same forms, with the French « réessayez dans … » when the limit on codes is reached.
MFA_FORMS = {
    "authenticate": "accounts.forms.MfaAuthenticateForm",
    "reauthenticate": "accounts.forms.MfaReauthenticateForm",
    "activate_totp": "accounts.forms.MfaActivateTotpForm",
}

# django-axes: lockout per (user, IP) after 5 failures, lifted after 15 minutes.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.security.login_identifier"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
# Behind N trusted proxies, the client IP is read from X-Forwarded-For; never trusted otherwise, or
# anyone could dodge the lockout by sending that header.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]

# Sessions: idle timeout (renewed on each request) and absolute timeout (opco.middleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS", default=10))
SESSION_COOKIE_AGE = int(SESSION_IDLE_TIMEOUT.total_seconds())
# The idle timeout is renewed by opco.middleware.SessionAbsoluteTimeoutMiddleware at most once a minute,
# not by saving the session on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEWAL_INTERVAL = timedelta(seconds=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Production hardening: on whenever DEBUG is off ----------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        # No page sets a <base>: an injected one would redirect every relative URL and form elsewhere.
        "base-uri": ["'none'"],
    }
}
# Browser features the back-office never uses, switched off (opco.middleware.SecurityHeadersMiddleware):
# feature → allowed origins, empty for none. WebAuthn (publickey-credentials-*) stays allowed for MFA.
# Only features Chromium recognises: it logs an error for any other (tests/opco/test_security_headers_browser.py).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files: Bootstrap from XStatic-Bootstrap, htmx from django-htmx (no CDN) --------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# --- E-mail -------------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ne-pas-repondre@opco.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The back-office's address, to turn the site's paths into links an e-mail can carry (reminders).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "")

# --- API -----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # opco.api: the session's CSRF check never parses a body, and the API views (opco.api.ApiView) run it
    # after the caller's role; JSON bodies are bounded (size, nesting, NUL characters) with French refusals.
    "DEFAULT_AUTHENTICATION_CLASSES": ["opco.api.access.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["opco.api.bodies.BoundedJSONParser"],
    # JSON only: the browsable API would be one more page that reads request bodies, for nobody.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du back-office OPCO",
    "VERSION": "1.0.0",
    # The schema is for logged-in users, like everything else.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- The OPCO this installation serves -------------------------------------------------------------
# The public needs form (sme_services): submissions per IP and hour, sites allowed to embed it.
SME_NEED_FORM_RATE = env.int("SME_NEED_FORM_RATE", default=5)
SME_NEED_FORM_FRAME_ANCESTORS = env.list("SME_NEED_FORM_FRAME_ANCESTORS", default=["'self'"])
OPCO_NAME = env.str("OPCO_NAME", default="OPCO entreprises de proximité")
OPCO_SIRET = env.str("OPCO_SIRET", default="")
# The account SEPA transfers are debited from, and the structured postal address banks require from
# November 2026. Development and tests get a synthetic account (a valid IBAN of no real bank account);
# production must set its own (an empty IBAN makes the execution of a run fail with a clear message).
OPCO_IBAN = env.str("OPCO_IBAN", default="FR7630006000011234567890189" if DEBUG else "")
OPCO_BIC = env.str("OPCO_BIC", default="AGRIFRPP" if DEBUG else "")
OPCO_STREET = env.str("OPCO_STREET", default="rue de la Formation")
OPCO_BUILDING_NUMBER = env.str("OPCO_BUILDING_NUMBER", default="1")
OPCO_POSTAL_CODE = env.str("OPCO_POSTAL_CODE", default="75015")
OPCO_TOWN = env.str("OPCO_TOWN", default="Paris")
# Seconds to wait between progress steps while a run executes: 0 in production; the test that kills a
# worker in the middle of an execution sets it to have a middle to kill in.
PAYMENTS_EXECUTION_PAUSE_SECONDS = env.float("PAYMENTS_EXECUTION_PAUSE_SECONDS", default=0.0)
# Accounting export: the expense account of each financial section and the supplier account root.
PAYMENTS_EXPENSE_ACCOUNTS = {"alternance": "6571", "plan_moins_50": "6572", "reconversion": "6573"}
PAYMENTS_SUPPLIER_ACCOUNT_ROOT = env.str("PAYMENTS_SUPPLIER_ACCOUNT_ROOT", default="401")
# Data files shipped in the repository (copied from ../shared/data, see referentials/data/SOURCES.md).
REFERENTIAL_DATA_DIR = Path(env.str("REFERENTIAL_DATA_DIR", default=str(BASE_DIR / "referentials" / "data")))

# --- Logging: never log NIR or IBAN (they never reach a log line: no request bodies are logged) ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
