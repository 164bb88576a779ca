"""Filters of the conventions list; rows come scoped from conventions.selectors."""

import django_filters
from django.db.models import Q

from branches.models import Branch
from conventions.enums import ConventionKind, ConventionStatus
from conventions.models import Convention


class ConventionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Numéro, intitulé ou financeur", method="filter_q")
    kind = django_filters.ChoiceFilter(label="Nature", choices=ConventionKind.choices, empty_label="Toutes")
    status = django_filters.ChoiceFilter(label="Statut", choices=ConventionStatus.choices, empty_label="Tous")
    branch = django_filters.ModelChoiceFilter(
        label="Branche couverte", queryset=Branch.objects.order_by("name"), method="filter_branch", empty_label="Toutes"
    )
    year = django_filters.NumberFilter(label="En vigueur l'année", method="filter_year")

    class Meta:
        model = Convention
        fields = ["q", "kind", "status", "branch", "year"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(number__icontains=value) | Q(title__icontains=value) | Q(funder__icontains=value))
            if value
            else queryset
        )

    def filter_branch(self, queryset, name, value):
        return queryset.filter(Q(all_branches=True) | Q(branches=value)).distinct() if value else queryset

    def filter_year(self, queryset, name, value):
        return queryset.filter(starts_on__year__lte=value, ends_on__year__gte=value) if value else queryset
