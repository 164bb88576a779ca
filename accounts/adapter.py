from allauth.account.adapter import DefaultAccountAdapter


class BackOfficeAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the OPCO's administrators: nobody signs up on their own."""

    def is_open_for_signup(self, request) -> bool:
        return False
