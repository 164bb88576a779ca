"""Glue between allauth's login form and django-axes."""


def login_identifier(request, credentials) -> str:
    """The identifier axes locks on, with the client IP: the e-mail typed, lower-cased.

    allauth authenticates with `email=` (its form field is `login`); both are read so that a lockout
    holds whichever way the credentials arrive."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        value = request.POST.get("login", "")
    return (value or "").strip().lower()
