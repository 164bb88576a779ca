import django_filters
from django.db.models import Q

from sme_services.funding.enums import Dispositif, RequestStatus
from sme_services.funding.models import TrainingRequest


class TrainingRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="search")
    status = django_filters.ChoiceFilter(label="Statut", choices=RequestStatus.choices)
    dispositif = django_filters.ChoiceFilter(label="Dispositif", choices=Dispositif.choices)
    received_after = django_filters.DateFilter(label="Reçue depuis", field_name="received_on", lookup_expr="gte")
    received_before = django_filters.DateFilter(label="Reçue jusqu'au", field_name="received_on", lookup_expr="lte")
    year = django_filters.NumberFilter(label="Année de formation", field_name="start__year")

    class Meta:
        model = TrainingRequest
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(file_number__icontains=value)
            | Q(company__name__icontains=value)
            | Q(company__siret=value)
            | Q(title__icontains=value)
        )
