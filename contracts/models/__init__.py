"""The contracts app's rows, by sub-domain: alternance contracts (apprenticeship and
professionalisation) and their money, and the périodes de reconversion with the Pro-A stock.
Django finds them here; code imports them from `contracts.models` (each module's `__all__`)."""

from contracts.models.alternance import *  # noqa: F403
from contracts.models.reconversion import *  # noqa: F403
