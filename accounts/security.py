"""Glue between allauth's login form and django-axes, and the lock on second-factor codes."""

import math
import time
from datetime import timedelta

from allauth.core.internal import ratelimit
from django.core.cache import cache


def login_identifier(request, credentials) -> str:
    """The identifier axes locks on, with the client IP: the e-mail typed, lower-cased.

    allauth authenticates with `email=` (its form field is `login`); both are read so that a lockout
    holds whichever way the credentials arrive."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        value = request.POST.get("login", "")
    return (value or "").strip().lower()


# allauth counts second-factor codes (login, reauthentication, TOTP set-up) under its "login_failed" rate
# limit with this key per account (allauth.mfa.base.internal.flows.check_rate_limit).
MFA_RATE_LIMIT_ACTION = "login_failed"


def mfa_rate_limit_key(user) -> str:
    return f"mfa-auth-user-{user.pk}"


def mfa_lock_remaining(request, user) -> timedelta | None:
    """How long `user` still waits before allauth takes another second-factor code, None if it takes one now.

    Reads the history allauth keeps in the cache: newest try first, one timestamp per try; a rate of N tries
    per D lets a try through again once the N-th newest is older than D."""
    now = time.time()
    waits = []
    for rate in ratelimit.get_rates(app="allauth.account", action=MFA_RATE_LIMIT_ACTION):
        cache_key = ratelimit.get_cache_key(
            request, app="allauth.account", action=MFA_RATE_LIMIT_ACTION, rate=rate, key=mfa_rate_limit_key(user), user=user
        )
        recent = [moment for moment in cache.get(cache_key, []) if moment > now - rate.duration]
        if len(recent) >= rate.amount:
            waits.append(recent[rate.amount - 1] + rate.duration - now)
    return timedelta(seconds=max(waits)) if waits else None


def too_many_codes_message(wait: timedelta | None) -> str:
    """« Trop de codes erronés : réessayez dans 15 minutes. » (minutes rounded up)."""
    minutes = max(1, math.ceil((wait or timedelta()).total_seconds() / 60))
    return f"Trop de codes erronés : réessayez dans {minutes} minute{'s' if minutes > 1 else ''}."
