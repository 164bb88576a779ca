"""Filters of the proximity service's lists (django-filter)."""

import django_filters
from django import forms
from django.db.models import Q

from sme_services.enums import NeedStatus, NeedSubject, SizeBand


class PortfolioFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche (nom, SIRET, commune)", method="search")
    size_band = django_filters.ChoiceFilter(
        label="Tranche d'effectif",
        method="by_band",
        choices=[
            (SizeBand.UNDER_11.value, SizeBand.UNDER_11.label),
            (SizeBand.FROM_11_TO_49.value, SizeBand.FROM_11_TO_49.label),
        ],
    )
    never = django_filters.BooleanFilter(label="Jamais accompagnées", method="never_accompanied", widget=forms.CheckboxInput)

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(siret__startswith=value) | Q(city__icontains=value))

    def by_band(self, queryset, name, value):
        return (
            queryset.filter(headcount__lt=11)
            if value == SizeBand.UNDER_11
            else queryset.filter(headcount__gte=11, headcount__lt=50)
        )

    def never_accompanied(self, queryset, name, value):
        return queryset.filter(accompanied=False) if value else queryset


class NeedFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Statut", choices=NeedStatus.choices)
    subject = django_filters.ChoiceFilter(label="Sujet", choices=NeedSubject.choices)
    received_after = django_filters.DateFilter(label="Reçu depuis le", field_name="received_on", lookup_expr="gte")
    q = django_filters.CharFilter(label="Recherche (n°, entreprise, SIRET)", method="search")

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(file_number__icontains=value) | Q(company__name__icontains=value) | Q(company__siret__startswith=value)
        )
