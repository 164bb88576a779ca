"""The proximity service's models, one module per sub-domain (NetBox's ``models/`` package).

Other branches import from ``sme_services.models`` only, never from a sub-module, so the layout
inside may change without breaking them.
"""

# The training funding requests keep their models beside their engine (sme_services.funding).
from sme_services.funding.models import Evidence, FundingPayment, FundingRuleSet, TrainingRequest  # noqa: E402
from sme_services.funding.space_models import CompanySpaceLink  # noqa: E402
from sme_services.models.afest import AfestProject, FoadAction
from sme_services.models.campaigns import Campaign
from sme_services.models.company import CompanyContact, CseMandate, CseMember, HeadcountRecord
from sme_services.models.diagnostics import ActionPlanItem, Diagnostic, Questionnaire
from sme_services.models.documents import ServiceDocument
from sme_services.models.interactions import Interaction
from sme_services.models.needs import Need, SatisfactionAnswer
from sme_services.models.portfolio import AdvisorTeam, AssignmentRule, PortfolioChange, PortfolioCompany
from sme_services.models.reports import QuarterlyReport

__all__ = [
    "ActionPlanItem",
    "AdvisorTeam",
    "AfestProject",
    "AssignmentRule",
    "Campaign",
    "CompanyContact",
    "CompanySpaceLink",
    "CseMandate",
    "CseMember",
    "Diagnostic",
    "Evidence",
    "FoadAction",
    "FundingPayment",
    "FundingRuleSet",
    "HeadcountRecord",
    "Interaction",
    "Need",
    "PortfolioChange",
    "PortfolioCompany",
    "QuarterlyReport",
    "Questionnaire",
    "TrainingRequest",
    "SatisfactionAnswer",
    "ServiceDocument",
]
