"""Training funding at scale: `python manage.py bench_training_funding [--count 50000] [--bulk 10000]
[--seed 1]`.

1. Simulations per second on one core: `--count` varied requests (plan < 50 and SSCT, présentiel,
   FOAD and AFEST, pay by trainee, frais, late filings, excluded themes, caps reached), generated
   first; only the simulator's service (`engine.simulate(...).as_dict()`: reading the JSON input,
   the rule-set lookup, the checks and the amounts) is timed. Target: 5 000 a second.
2. The time to decide `--bulk` requests in bulk (`training_requests_decide_bulk`: rules, company
   year, envelopes under one lock, audit and transition logs), on requests created for the run in a
   branch whose quarter envelope covers about two thirds of them; everything is rolled back at the
   end, the database is left as it was.

The last line printed is one JSON object with the figures."""

import json
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from stdnum import luhn

from sme_services.funding.engine import simulate

TARGET_PER_SECOND = 5000
THEMES = ["bureautique", "management", "relation_client", "transition_ecologique", "developpement_personnel", "hygiene"]


def _siret(n: int) -> str:
    siren_body = f"998{n:05d}"
    siren = siren_body + luhn.calc_check_digit(siren_body)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def _amount(rng: random.Random, low: int, high: int) -> str:
    return f"{Decimal(rng.randint(low * 100, high * 100)).scaleb(-2):.2f}"


def generate(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    sirets = [_siret(n) for n in range(2000)]  # 2 000 companies filing again and again
    out = []
    for _ in range(count):
        start = date(2026, 1, 5) + timedelta(days=rng.randint(0, 360))
        days = rng.randint(1, 5)
        end = start + timedelta(days=days + rng.randint(0, 3))
        trainees = rng.randint(1, 6)
        ssct = rng.random() < 0.2
        request = {
            "company": {
                "siret": rng.choice(sirets),
                "idcc": rng.choice(["0843", "1486", "2216", "1979"]),
                "headcount": rng.randint(0, 55),
            },
            "dispositif": "ssct" if ssct else "plan50",
            "training": {
                "title": "Formation",
                "theme": "ssct" if ssct else rng.choice(THEMES),
                "modality": "presentiel" if ssct else rng.choice(["presentiel", "presentiel", "foad", "afest"]),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "trainees": trainees,
                "pedagogical_cost": _amount(rng, 100, 6000),
            },
            "filed_on": (start - timedelta(days=rng.randint(-2, 40))).isoformat(),
            "consumed_this_year": _amount(rng, 0, 6500),
        }
        if ssct:
            request["training"].update(mandate=rng.choice(["first", "renewal"]), days=min(days, rng.randint(2, 6)))
        else:
            request["training"]["hours_per_trainee"] = str(rng.randint(2, 60))
            if request["training"]["modality"] == "presentiel" and rng.random() < 0.3:
                request["training"]["pedagogy_kind"] = rng.choice(["expert", "default", "autre"])
        if rng.random() < 0.6:
            if rng.random() < 0.5:
                request["pay"] = {"hourly_pay": _amount(rng, 11, 25)}
            else:
                request["pay"] = {"hourly_pay_by_trainee": [_amount(rng, 11, 25) for _ in range(trainees)]}
        if rng.random() < 0.4:
            request["frais"] = {
                "amount": _amount(rng, 10, 800),
                "km": rng.randint(0, 500),
                "nights": rng.randint(0, 3),
                "meals": rng.randint(0, 6),
            }
        out.append(request)
    return out


class Command(BaseCommand):
    help = "Mesure le simulateur de financement des formations (< 50) et la décision en lot de demandes."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=50_000, help="simulations chronométrées (défaut : 50 000)")
        parser.add_argument("--bulk", type=int, default=10_000, help="demandes décidées en lot (défaut : 10 000 ; 0 : aucune)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, count: int, bulk: int, seed: int, **options):
        from referentials.loaders import referentials_load
        from referentials.models import LegalParameter
        from sme_services.funding.rulesets import parsed_rule_sets
        from sme_services.funding.simulation import smic_table

        with transaction.atomic():
            if not LegalParameter.objects.filter(key="smic_hourly").exists():
                referentials_load(kinds=["legal_parameters"])
            self._rules()
            rule_sets, smic = parsed_rule_sets(), smic_table()
            requests = generate(count, seed)
            started = time.perf_counter()
            refused = 0
            for request in requests:
                refused += simulate(request, rule_sets, smic).as_dict()["decision"] == "refused"
            elapsed = time.perf_counter() - started
            rate = count / elapsed if elapsed else 0.0
            self.stdout.write(f"Simulations : {count} en {elapsed:.2f} s, soit {f'{rate:,.0f}'.replace(',', ' ')} par seconde")
            self.stdout.write(
                f"  dont {refused} refusées ; objectif {TARGET_PER_SECOND} par seconde : "
                + ("atteint" if rate >= TARGET_PER_SECOND else "manqué")
            )
            figures = {"simulations": count, "simulation_seconds": round(elapsed, 3), "simulations_per_second": round(rate)}
            if bulk:
                figures.update(self._bulk(bulk, seed))
            transaction.set_rollback(True)  # the database stays as it was
        self.stdout.write(json.dumps(figures))

    def _rules(self):
        from pathlib import Path

        from sme_services.funding.models import FundingRuleSet
        from sme_services.funding.rulesets import read_json, rule_set_import

        folder = Path(__file__).resolve().parents[3] / "sme_services" / "funding" / "data" / "rule-sets"
        for name in ("plan50-interpro-2026.json", "plan50-boulangerie-0843-2026.json", "ssct-interpro-2026.json"):
            data = read_json((folder / name).read_bytes())
            if not FundingRuleSet.objects.filter(reference=data["reference"]).exists():
                rule_set_import(actor=None, data=data, file_name=name)

    def _bulk(self, bulk: int, seed: int) -> dict:
        from branches.models import Branch, BranchIdcc
        from payments.budgets import EnvelopeKey, _locked
        from payments.models import EnvelopeKind
        from referentials.models import Company, Idcc
        from sme_services.funding.bulk import training_requests_decide_bulk
        from sme_services.funding.models import TrainingRequest

        rng = random.Random(seed)
        idcc, _ = Idcc.objects.get_or_create(code="9998", defaults={"title": "Convention du banc d'essai"})
        branch = Branch.objects.create(code="BENCH-FUNDING", name="Branche du banc d'essai")
        BranchIdcc.objects.create(branch=branch, idcc=idcc)
        companies = Company.objects.bulk_create(
            [
                Company(siret=_siret(n), siren=_siret(n)[:9], name=f"Banc {n}", idcc=idcc, headcount=rng.randint(1, 49))
                for n in range(500)
            ]
        )
        start, received = date(2026, 5, 18), date(2026, 4, 1)
        rows = []
        for n in range(bulk):
            company = companies[n % len(companies)]
            payload = {
                "company": {"siret": company.siret, "idcc": "9998", "headcount": company.headcount},
                "dispositif": "plan50",
                "training": {
                    "title": "Formation",
                    "theme": rng.choice(THEMES),
                    "modality": "presentiel",
                    "start": start.isoformat(),
                    "end": start.isoformat(),
                    "hours_per_trainee": "7",
                    "trainees": 1,
                    "pedagogical_cost": "140.00",
                },
            }
            rows.append(
                TrainingRequest(
                    file_number=f"FP-BENCH-{n:06d}",
                    status="received",
                    received_on=received,
                    complete_on=received,
                    decision_due_on=date(2026, 6, 1),
                    company=company,
                    branch=branch,
                    dispositif="plan50",
                    channel="api",
                    title="Formation",
                    theme=payload["training"]["theme"],
                    modality="presentiel",
                    start=start,
                    end=start,
                    trainees=1,
                    payload=payload,
                )
            )
        TrainingRequest.objects.bulk_create(rows, batch_size=2000)
        key = EnvelopeKey(EnvelopeKind.BRANCH, section="plan_moins_50", branch_id=branch.pk)
        envelope = _locked([key.slot(2026, 2)])[key.slot(2026, 2)]
        envelope.amount = Decimal(140 * bulk * 2 // 3)  # room for about two thirds
        envelope.save(update_fields=["amount"])
        started = time.perf_counter()
        counts = training_requests_decide_bulk(actor=None, today=received)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Décision en lot : {bulk} demandes en {elapsed:.2f} s ({', '.join(f'{n} {k}' for k, n in counts.items())})"
        )
        return {"bulk_requests": bulk, "bulk_decide_seconds": round(elapsed, 3), "bulk_outcomes": counts}
