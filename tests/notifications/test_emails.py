"""E-mails rendered from French templates: the subject on one line, the text unescaped, the HTML
alternative when the template has one, a mission's own template found in its app."""

import pytest
from django.core import mail

from notifications.services import absolute_link, email_send, email_template_base, email_template_check


@pytest.fixture
def mission_templates(tmp_path, settings):
    """A mission's templates (« contracts/email/… ») as another app would ship them."""
    folder = tmp_path / "mission" / "email"
    folder.mkdir(parents=True)
    (folder / "deadline_subject.txt").write_text("Dossier {{ number }} :\n  décision avant le {{ due }}\n", encoding="utf-8")
    (folder / "deadline.txt").write_text(
        "Bonjour,\n\nLe dossier {{ number }} de l'employeur « {{ employer }} » doit être décidé (R6224-3).\n", encoding="utf-8"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    return folder


def test_a_mission_template_is_rendered_as_plain_text_with_a_one_line_subject(mission_templates):
    email_send(
        to=["gestionnaire@opco.test", "responsable@opco.test"],
        template="mission/email/deadline",
        context={"number": "AP-2026-0042", "due": "20/03/2026", "employer": "Boulangerie L'Épi & Fils <Lyon>"},
    )
    (message,) = mail.outbox
    assert message.to == ["gestionnaire@opco.test", "responsable@opco.test"]
    assert message.subject == "Dossier AP-2026-0042 : décision avant le 20/03/2026"
    # Text is not HTML: no &#x27; nor &amp; in what the employer's name becomes.
    assert message.body == (
        "Bonjour,\n\nLe dossier AP-2026-0042 de l'employeur « Boulangerie L'Épi & Fils <Lyon> » doit être décidé (R6224-3).\n"
    )
    assert message.alternatives == []


def test_the_html_alternative_is_escaped(settings):
    settings.OPCO_NAME = "OPCO « test »"
    email_send(to="x@example.org", template="reminder", context={"subject": "Pièces <manquantes>", "message": "a & b"})
    (message,) = mail.outbox
    assert message.subject == "Pièces <manquantes>"
    html = message.alternatives[0].content
    assert "<p>Pièces &lt;manquantes&gt;.</p>" in html
    assert "<p>a &amp; b</p>" in html
    assert "— OPCO « test »" in html


def test_template_names():
    assert email_template_base("reminder") == "notifications/email/reminder"
    assert email_template_base("contracts/email/deadline") == "contracts/email/deadline"
    email_template_check("reminder")
    with pytest.raises(ValueError, match="Gabarit de courriel introuvable : « contracts/email/absent_subject.txt »"):
        email_template_check("contracts/email/absent")


def test_links_in_e_mails_are_absolute(settings):
    settings.SITE_URL = "https://backoffice.opco.example/"
    assert absolute_link("/contrats/12/") == "https://backoffice.opco.example/contrats/12/"
    assert absolute_link("https://www.legifrance.gouv.fr/") == "https://www.legifrance.gouv.fr/"
    assert absolute_link("") == ""
    settings.SITE_URL = ""
    assert absolute_link("/contrats/12/") == ""
