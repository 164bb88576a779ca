import django_filters
from django.db.models import Q

from branches.certifications.enums import ProjectKind, ProjectStatus, Repertoire
from branches.certifications.models import CertificationProject
from opco.forms import DateWidget


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Intitulé, n° ou fiche", method="filter_q")
    status = django_filters.ChoiceFilter(label="Statut", choices=ProjectStatus.choices, empty_label="Tous")
    kind = django_filters.ChoiceFilter(label="Nature", choices=ProjectKind.choices, empty_label="Toutes")
    repertoire = django_filters.ChoiceFilter(label="Répertoire", choices=Repertoire.choices[1:], empty_label="Tous")
    ends_before = django_filters.DateFilter(
        label="Échéance avant le", field_name="registration_ends_on", lookup_expr="lte", widget=DateWidget()
    )

    class Meta:
        model = CertificationProject
        fields = ["q", "status", "kind", "repertoire", "ends_before"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(title__icontains=value) | Q(file_number__iexact=value) | Q(rncp_code__iexact=value))
            if value
            else queryset
        )
