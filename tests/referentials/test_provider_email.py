"""A training provider's e-mail, entered by staff on its page (audited before/after, an invalid address
refused with nothing changed); readers who are not staff do not reach the page."""

import pytest
from django.urls import reverse

from opco.models import AuditEntry
from referentials.models import TrainingProvider
from tests.referentials.factories import TrainingProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return TrainingProviderFactory(name="CFA des Métiers de Bouche")


def test_staff_set_the_email_on_the_provider_page_and_it_is_audited(client, make_user, provider):
    staff = make_user(gestionnaire=True)
    client.force_login(staff)
    url = reverse("referentials:provider", args=[provider.pk])
    listing = client.get(reverse("referentials:providers")).content.decode()
    assert f'href="{url}"' in listing
    assert "non renseigné" in client.get(url).content.decode()
    response = client.post(url, {"email": " Compta@CFA-metiers.test "}, follow=True)
    assert "E-mail de l&#x27;organisme enregistré : compta@cfa-metiers.test." in response.content.decode()
    assert TrainingProvider.objects.get(pk=provider.pk).email == "compta@cfa-metiers.test"
    entry = AuditEntry.objects.get(action="provider_email_set")
    assert (entry.changes, entry.actor_id) == ({"email": ["", "compta@cfa-metiers.test"]}, staff.pk)
    assert "compta@cfa-metiers.test" in response.content.decode().split("Historique")[1]  # the history shows it


def test_an_invalid_email_is_refused_and_nothing_changes(client, make_user, provider):
    client.force_login(make_user(gestionnaire=True))
    response = client.post(reverse("referentials:provider", args=[provider.pk]), {"email": "pas-une-adresse"})
    assert response.status_code == 200 and "Saisissez une adresse e-mail valide" in response.content.decode()
    assert TrainingProvider.objects.get(pk=provider.pk).email == ""
    assert not AuditEntry.objects.filter(action="provider_email_set").exists()


def test_a_branch_representative_neither_opens_the_page_nor_sees_the_link(client, make_user, provider):
    client.force_login(make_user(branch_rep=True))
    url = reverse("referentials:provider", args=[provider.pk])
    assert client.post(url, {"email": "x@y.test"}).status_code == 403
    assert f'href="{url}"' not in client.get(reverse("referentials:providers")).content.decode()
    assert TrainingProvider.objects.get(pk=provider.pk).email == ""
