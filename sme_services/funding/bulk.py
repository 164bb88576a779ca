"""Deciding thousands of requests at once (a campaign's end, a branch's quarter opening): the same rules
and the same envelopes as `training_request_decide`, in filing order, under one lock of the envelopes
(payments.budgets.EnvelopeBatch) and one lock of the requests, with the company's year counted as
the batch goes; each request gets its audit entry and its transition log, written in bulk."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from opco.models import AuditEntry, TransitionLog
from payments.budgets import EnvelopeBatch, branch_key, section_key
from payments.enums import FinancialSection
from sme_services.funding.engine import compute, parse_request
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.models import FundingRuleSet, TrainingRequest
from sme_services.funding.rulesets import parsed_rule_sets
from sme_services.funding.services import CONDITIONS
from sme_services.funding.simulation import smic_table
from sme_services.funding.workflow import AWAITING, COUNTED, REQUESTS

ZERO = Decimal("0.00")
UPDATED = [
    "status",
    "decided_on",
    "decided_by",
    "result",
    "payload",
    "rule_set",
    "funded_total",
    "counted_against_cap",
    "hors_plafond",
    "committed",
    "asked_total",
    "refusal_codes",
    "refusal_text",
    "waiting_since",
    "conditions",
]


def _write(requests: list[TrainingRequest]) -> None:
    """One UPDATE per request sent together (executemany, pipelined by psycopg): Django's bulk_update
    builds a CASE per field and row, quadratic in Python at this size. The values are the model's own,
    cleaned by its fields (get_db_prep_save)."""
    meta = TrainingRequest._meta
    fields = [meta.get_field(name) for name in UPDATED]
    quote = connection.ops.quote_name
    # Only the model's own table and column names are formatted in; every value is a parameter.
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    params = [
        [field.get_db_prep_save(getattr(request, field.attname), connection) for field in fields] + [request.pk]
        for request in requests
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def training_requests_decide_bulk(*, actor, ids: list[int] | None = None, today: date | None = None) -> dict[str, int]:
    """Decide every awaiting request (or those of `ids`) in filing order; returns the count by outcome."""
    day = today or timezone.localdate()
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    rule_sets, smic = parsed_rule_sets(), smic_table()
    versions = dict(FundingRuleSet.objects.values_list("reference", "id"))
    counts = defaultdict(int)
    with transaction.atomic():
        rows = (
            TrainingRequest.objects.filter(status__in=AWAITING)
            .select_for_update(of=("self",))
            .select_related("company", "branch")
        )
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        requests = list(rows.order_by("received_on", "id"))
        if not requests:
            return dict(counts)
        consumed = defaultdict(lambda: ZERO)
        years = {r.start.year for r in requests}
        for company_id, dispositif, year, total in (
            TrainingRequest.objects.filter(
                company__in={r.company_id for r in requests}, status__in=COUNTED, start__year__in=years
            )
            .order_by()
            .values_list("company_id", "dispositif", "start__year")
            .annotate(total=Sum("counted_against_cap"))
        ):
            consumed[(company_id, dispositif, year)] = total or ZERO
        queued = {
            (branch_id, year, (month - 1) // 3 + 1)
            for branch_id, year, month in TrainingRequest.objects.filter(status=S.WAITING).values_list(
                "branch_id", "start__year", "start__month"
            )
        }
        keys = {section_key(FinancialSection.PLAN_UNDER_50)} | {branch_key(r.branch) for r in requests if r.branch_id}
        batch = EnvelopeBatch(
            actor=actor, envelopes=list(keys), months=sorted({date(r.start.year, r.start.month, 1) for r in requests})
        )
        logs, audits = [], []
        request_type = ContentType.objects.get_for_model(TrainingRequest)
        for request in requests:
            before = request.status
            slot = (request.company_id, request.dispositif, request.start.year)
            payload = dict(request.payload, filed_on=request.received_on.isoformat(), consumed_this_year=str(consumed[slot]))
            result = compute(parse_request(payload), rule_sets, smic)
            request.result, request.payload = result.as_dict(), payload
            request.rule_set_id = versions.get(result.rule_set.reference) if result.rule_set else None
            request.decided_by = user
            if result.refusals:
                request.status, request.decided_on = S.REFUSED, day
                request.refusal_codes = [r.code for r in result.refusals]
                request.refusal_text = "\n".join(r.message for r in result.refusals)
                action = REQUESTS.action("refuse")
            else:
                request.funded_total, request.counted_against_cap = result.total, result.counted
                request.hors_plafond = result.hors_plafond
                request.asked_total = sum((line["asked"] for line in result.lines), ZERO)
                quarter = (request.branch_id, request.start.year, (request.start.month - 1) // 3 + 1)
                envelopes = [section_key(FinancialSection.PLAN_UNDER_50)] + (
                    [branch_key(request.branch)] if request.branch_id else []
                )
                fits = quarter not in queued and (
                    result.total == 0
                    or batch.try_commit(
                        envelopes=envelopes,
                        source=request,
                        reference=request.file_number,
                        movements=[(request.start, result.total)],
                        label=f"Demande {request.file_number}"[:200],
                    )
                )
                if fits:
                    request.status, request.decided_on, request.committed = S.ACCEPTED, day, result.total
                    request.conditions = CONDITIONS
                    consumed[slot] += result.counted
                    action = REQUESTS.action("accept")
                else:
                    request.status, request.waiting_since, request.decided_by = S.WAITING, now, None
                    queued.add(quarter)  # the waiting list keeps filing order: later ones of the quarter queue too
                    action = REQUESTS.action("wait")
            counts[request.status] += 1
            applied = result.rule_set.reference if result.rule_set else "aucune règle"
            summary = f"Décision en lot : {request.get_status_display()} ({applied})"
            logs.append(
                TransitionLog(
                    target_type=request_type,
                    target_id=request.pk,
                    workflow=REQUESTS.code,
                    action=action.code,
                    action_label=action.label,
                    from_status=before,
                    to_status=request.status,
                    actor=user,
                    summary=summary,
                )
            )
            audits.append(
                AuditEntry(
                    actor=user,
                    actor_label=(user.email if user else "système")[:254],
                    source=AuditEntry.Source.COMMAND,
                    action=f"{REQUESTS.code}_{action.code}",
                    target_type=request_type,
                    target_id=str(request.pk),
                    target_repr=str(request)[:255],
                    summary=summary[:500],
                    changes={"status": [before, request.status], "funded_total": [None, str(request.funded_total)]},
                )
            )
        _write(requests)
        batch.flush()
        TransitionLog.objects.bulk_create(logs, batch_size=2000)
        AuditEntry.objects.bulk_create(audits, batch_size=2000)
    return dict(counts)
