"""allauth's second-factor forms, telling in French how long a locked account waits (accounts.security)."""

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from django.core.exceptions import ValidationError

from accounts.security import mfa_lock_remaining, too_many_codes_message

# The codes of allauth's refusals when the rate limit on codes is reached (mfa.base.internal.flows).
RATE_LIMITED_CODES = ("too_many_login_attempts", "rate_limited")


class CodeLockMessageMixin:
    def clean_code(self) -> str:
        try:
            return super().clean_code()
        except ValidationError as error:
            if getattr(error, "code", None) not in RATE_LIMITED_CODES:
                raise
            wait = mfa_lock_remaining(context.request, self.user)
            raise ValidationError(too_many_codes_message(wait), code="too_many_codes") from error


class MfaAuthenticateForm(CodeLockMessageMixin, AuthenticateForm):
    """The code asked after the password at login."""


class MfaReauthenticateForm(CodeLockMessageMixin, ReauthenticateForm):
    """The code asked again before a sensitive change (adding or removing a factor)."""


class MfaActivateTotpForm(CodeLockMessageMixin, ActivateTOTPForm):
    """The first code of a new authenticator app."""
