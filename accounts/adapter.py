from allauth.account.adapter import DefaultAccountAdapter


class BackOfficeAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the OPCO's administrators: nobody signs up on their own."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        """Wrong passwords are django-axes' to count, per (user, IP): allauth's "login_failed" limit is kept
        for second-factor codes only (settings.ACCOUNT_RATE_LIMITS), so it must not count passwords too —
        per e-mail, it would lock a user out from every address."""
        self._login_failed_rl_usage = None
