"""The proximity service's models, one module per sub-domain (NetBox's ``models/`` package).

Other branches import from ``sme_services.models`` only, never from a sub-module, so the layout
inside may change without breaking them.
"""

from sme_services.models.portfolio import PortfolioCompany

__all__ = ["PortfolioCompany"]
