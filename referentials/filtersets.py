import re

import django_filters
from django import forms

from opco.search import words
from referentials.models import Certification, Company, Idcc, TrainingProvider
from referentials.validators import normalize_identifier

# Typed choice filters add no blank choice of their own: "" (all) comes first, so that an untouched
# select filters nothing.
YES_NO = (("", "Tous"), ("true", "Oui"), ("false", "Non"))
LEVELS = [("", "Tous"), *((level, f"Niveau {level}") for level in range(3, 9))]


class ProviderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="SIRET, UAI ou nom", method="search")
    region = django_filters.ChoiceFilter(label="Région", choices=(), empty_label="Toutes")
    qualiopi = django_filters.TypedChoiceFilter(label="Qualiopi", choices=YES_NO, coerce=lambda v: v == "true")
    network = django_filters.CharFilter(label="Réseau", field_name="networks", lookup_expr="icontains")

    class Meta:
        model = TrainingProvider
        fields = ["q", "region", "qualiopi", "network"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = TrainingProvider.objects.exclude(region="").values_list("region", flat=True).distinct().order_by("region")
        self.filters["region"].extra["choices"] = [(r, r) for r in regions]

    def search(self, queryset, name, value):
        compact = normalize_identifier(value)
        if re.fullmatch(r"\d{14}", compact):
            return queryset.filter(siret=compact)
        if re.fullmatch(r"\d{9}", compact):
            return queryset.filter(siret__startswith=compact)
        if re.fullmatch(r"\d{7}[A-Z]", compact):
            return queryset.filter(uai=compact)
        return queryset.filter(words(value, ("name", "trade_name", "city")))


class CertificationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="RNCP, code diplôme ou intitulé", method="search")
    level = django_filters.TypedChoiceFilter(label="Niveau", choices=LEVELS, coerce=int)
    open_to_apprenticeship = django_filters.TypedChoiceFilter(
        label="Ouverte à l'apprentissage", choices=YES_NO, coerce=lambda v: v == "true"
    )
    active = django_filters.TypedChoiceFilter(label="Fiche active", choices=YES_NO, coerce=lambda v: v == "true")

    class Meta:
        model = Certification
        fields = ["q", "level", "open_to_apprenticeship", "active"]

    def search(self, queryset, name, value):
        compact = normalize_identifier(value)
        if re.fullmatch(r"RNCP\d+", compact):
            return queryset.filter(rncp=compact)
        if re.fullmatch(r"\d+", compact) and len(compact) < 8:
            return queryset.filter(rncp=f"RNCP{compact}")
        if re.fullmatch(r"[0-9A-Z]{8}", compact):
            return queryset.filter(code_diplome=compact)
        return queryset.filter(words(value, ("title", "title_depp")))


class IdccFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="IDCC ou intitulé", method="search")
    opco = django_filters.BooleanFilter(label="Rattachées à notre OPCO", method="filter_opco", widget=forms.CheckboxInput)

    class Meta:
        model = Idcc
        fields = ["q", "opco"]

    def search(self, queryset, name, value):
        compact = value.strip()
        if compact.isdigit():
            return queryset.filter(code=compact.zfill(4))
        return queryset.filter(words(compact, ("title", "official_title")))

    def filter_opco(self, queryset, name, value):
        from django.conf import settings

        return queryset.filter(opco_name=settings.OPCO_NAME) if value else queryset


class CompanyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="SIRET, SIREN ou raison sociale", method="search")
    idcc = django_filters.CharFilter(label="IDCC", method="filter_idcc")
    naf = django_filters.CharFilter(label="Code NAF", method="filter_naf")
    under_50 = django_filters.BooleanFilter(label="Moins de 50 salariés", method="filter_under_50", widget=forms.CheckboxInput)

    class Meta:
        model = Company
        fields = ["q", "idcc", "naf", "under_50"]

    def search(self, queryset, name, value):
        compact = normalize_identifier(value)
        if re.fullmatch(r"\d{14}", compact):
            return queryset.filter(siret=compact)
        if re.fullmatch(r"\d{9}", compact):
            return queryset.filter(siren=compact)
        return queryset.filter(words(value, ("name",)))

    def filter_idcc(self, queryset, name, value):
        return queryset.filter(idcc__code=value.strip().zfill(4))

    def filter_naf(self, queryset, name, value):
        code = normalize_identifier(value)
        if re.fullmatch(r"\d{4}[A-Z]", code):  # the CERFA writes NAF without the dot
            code = f"{code[:2]}.{code[2:]}"
        return queryset.filter(naf__code=code)

    def filter_under_50(self, queryset, name, value):
        return queryset.filter(headcount__lt=50) if value else queryset
