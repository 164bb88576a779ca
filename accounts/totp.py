"""TOTP helpers on top of allauth's own implementation (RFC 6238), for the demo and the tests."""

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

# The demo's documented secret (README): any authenticator app, or `make totp`, gives its codes.
DEMO_TOTP_SECRET = "OPCODEMOBACKOFFICETOTPSECRETAAAA"


def code_at(secret: str, timestamp: float | None = None) -> str:
    """The 6-digit code of `secret` at `timestamp` (now by default)."""
    counter = int(time.time() if timestamp is None else timestamp) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def totp_activate(*, user, secret: str) -> Authenticator:
    """Give `user` a TOTP authenticator with a known secret (demo accounts and tests only: real
    users scan the QR code of their own random secret on the MFA set-up page)."""
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    return TOTP.activate(user, secret).instance


def otpauth_uri(email: str, secret: str) -> str:
    from urllib.parse import quote

    issuer = quote(app_settings.TOTP_ISSUER)
    return f"otpauth://totp/{issuer}:{quote(email)}?secret={secret}&issuer={issuer}&digits=6&period=30"
