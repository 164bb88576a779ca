from django.conf import settings


def installation(request):
    """The OPCO this installation serves, for the layout."""
    return {"OPCO_NAME": settings.OPCO_NAME}
