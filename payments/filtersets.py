"""Filters of the payments screens; rows come scoped from `payments.selectors`, so a filter can only
narrow what the user may see."""

import re

import django_filters
from django import forms
from django.db.models import Q

from opco.forms import DateWidget
from opco.search import words
from payments.enums import LineStatus, RecoveryStatus, RunStatus
from payments.models import PayableLine, PaymentRun, RecoveryOrder
from payments.selectors import late_lines
from referentials.validators import normalize_identifier


class RunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Statut", choices=RunStatus.choices, empty_label="Tous")
    executed_from = django_filters.DateFilter(
        label="Exécution à partir du", field_name="execution_date", lookup_expr="gte", widget=DateWidget()
    )
    executed_to = django_filters.DateFilter(
        label="Exécution jusqu'au", field_name="execution_date", lookup_expr="lte", widget=DateWidget()
    )

    class Meta:
        model = PaymentRun
        fields = ["status", "executed_from", "executed_to"]


class LineFilter(django_filters.FilterSet):
    reference = django_filters.CharFilter(label="N° de dossier ou référence", method="filter_reference")
    beneficiary = django_filters.CharFilter(label="Bénéficiaire (SIRET ou nom)", method="filter_beneficiary")
    status = django_filters.ChoiceFilter(label="Statut", choices=LineStatus.choices, empty_label="Tous")
    due_from = django_filters.DateFilter(
        label="Payable à partir du", field_name="due_date", lookup_expr="gte", widget=DateWidget()
    )
    due_to = django_filters.DateFilter(label="Payable jusqu'au", field_name="due_date", lookup_expr="lte", widget=DateWidget())
    late = django_filters.BooleanFilter(label="En retard de paiement", method="filter_late", widget=forms.CheckboxInput)

    class Meta:
        model = PayableLine
        fields = ["reference", "beneficiary", "status", "due_from", "due_to", "late"]

    def filter_reference(self, queryset, name, value):
        """A line's reference starts with its file's number (« AP2026000042 DL A1 … »)."""
        return queryset.filter(reference__icontains=value.strip())

    def filter_beneficiary(self, queryset, name, value):
        compact = normalize_identifier(value)
        if re.fullmatch(r"\d{14}", compact):
            return queryset.filter(account__identifier=compact)
        if re.fullmatch(r"\d{9}", compact):
            return queryset.filter(account__identifier__startswith=compact)
        return queryset.filter(words(value, ("account__name",)))

    def filter_late(self, queryset, name, value):
        return late_lines(queryset) if value else queryset


class RecoveryOrderFilter(django_filters.FilterSet):
    debtor = django_filters.CharFilter(label="Débiteur (SIRET ou nom)", method="filter_debtor")
    status = django_filters.ChoiceFilter(label="Statut", choices=RecoveryStatus.choices, empty_label="Tous")

    class Meta:
        model = RecoveryOrder
        fields = ["debtor", "status"]

    def filter_debtor(self, queryset, name, value):
        compact = normalize_identifier(value)
        if re.fullmatch(r"\d{9}|\d{14}", compact):
            return queryset.filter(account__identifier__startswith=compact)
        return queryset.filter(words(value, ("account__name",)) | Q(number__iexact=value.strip()))
