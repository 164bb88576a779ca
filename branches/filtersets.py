import django_filters
from django import forms
from django.db.models import Q

from branches.models import CpneIdcc, NpecEntry
from opco.forms import DateWidget

STATUSES = [
    ("", "Tous"),
    ("CPNE", "CPNE (valeur de la branche)"),
    ("R", "R (recommandation suivie)"),
    ("A", "A (fixé par décret, carence)"),
    ("D", "D (décret 2019-2021)"),
]


class NpecEntryFilter(django_filters.FilterSet):
    rncp = django_filters.CharFilter(label="Fiche RNCP ou code diplôme", method="filter_code")
    cpne = django_filters.CharFilter(label="Code CPNE", field_name="cpne__code")
    idcc = django_filters.CharFilter(label="IDCC", method="filter_idcc")
    branch = django_filters.CharFilter(label="Branche (code)", method="filter_branch")
    status = django_filters.ChoiceFilter(label="Statut", choices=STATUSES[1:], empty_label="Tous")
    applicable_on = django_filters.DateFilter(
        label="Applicable au", field_name="applicable_from", lookup_expr="lte", widget=DateWidget()
    )
    nc = django_filters.BooleanFilter(label="NC seulement", field_name="amount", lookup_expr="isnull", widget=forms.CheckboxInput)

    class Meta:
        model = NpecEntry
        fields = ["rncp", "cpne", "idcc", "branch", "status", "applicable_on", "nc"]

    def filter_code(self, queryset, name, value):
        code = value.strip().upper().replace(" ", "")
        if code.isdigit() and len(code) < 8:
            code = f"RNCP{code}"
        return queryset.filter(Q(rncp=code) | Q(code_diplome=code.zfill(8) if code.isdigit() else code))

    def filter_idcc(self, queryset, name, value):
        cpne_ids = CpneIdcc.objects.filter(idcc_code=value.strip().zfill(4)).values("cpne_id")
        return queryset.filter(cpne_id__in=cpne_ids)

    def filter_branch(self, queryset, name, value):
        from branches.models import Branch

        idcc_codes = Branch.idccs.through.objects.filter(branch__code=value.strip()).values("idcc__code")
        return queryset.filter(cpne_id__in=CpneIdcc.objects.filter(idcc_code__in=idcc_codes).values("cpne_id"))

    def filter_queryset(self, queryset):
        # « Filtering with nc unchecked » means « all », not « only amounts »; the widget sends
        # nothing when unchecked, so only True filters.
        if self.form.cleaned_data.get("nc") is False:
            self.form.cleaned_data["nc"] = None
        return super().filter_queryset(queryset)
