"""SEPA pain.001.001.09 builder: pure, no database. Every built file is checked against the official XSD."""

import re
import traceback
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from payments.sepa import (
    NAMESPACE,
    CreditTransfer,
    Party,
    PostalAddress,
    SepaFile,
    SepaValidationError,
    build_pain_001_001_09,
    to_sepa_text,
    validate,
)

NS = {"p": NAMESPACE}
SEPA_CHARACTERS = re.compile(r"[a-zA-Z0-9/\-?:().,'+ ]*")

# Public example IBANs with valid checksums (and valid French RIB keys).
DEBTOR_IBAN = "FR7630006000011234567890189"
CREDITOR_IBANS = ["FR1420041010050500013M02606", "DE89370400440532013000", "FR7630001007941234567890185"]
BAD_IBAN = "FR1420041010050500013M02607"  # checksum off by one

DEBTOR = Party(
    name="OPCO des Métiers de l'Économie",
    iban=DEBTOR_IBAN,
    bic="AGRIFRPP",
    address=PostalAddress("Rue de la Paix", "1 bis", "75002", "Paris"),
)


def creditor(name="CFA Élan", iban=CREDITOR_IBANS[0], bic="PSSTFRPPLIL", address=None) -> Party:
    return Party(
        name=name,
        iban=iban,
        bic=bic,
        address=address or PostalAddress("Rue Émile Zola", "3", "59000", "Lille", "FR"),
    )


def transfer(end_to_end_id="E2E-0001", amount="100.00", remittance="Facture 2026-001", **creditor_fields) -> CreditTransfer:
    return CreditTransfer(
        end_to_end_id=end_to_end_id,
        creditor=creditor(**creditor_fields),
        amount=Decimal(amount),
        remittance=remittance,
    )


def build(transfers, **overrides) -> SepaFile:
    arguments = {
        "message_id": "RUN-2026-000042",
        "created_at": datetime(2026, 11, 26, 8, 30, 15, 123456, tzinfo=UTC),
        "debtor": DEBTOR,
        "execution_date": date(2026, 12, 1),
        "transfers": transfers,
        "initiating_party": "OPCO des Métiers",
    }
    arguments.update(overrides)
    return build_pain_001_001_09(**arguments)


def parse(sepa: SepaFile) -> etree._Element:
    return etree.fromstring(sepa.xml)


def texts(document, path) -> list[str]:
    return [node.text for node in document.xpath(path, namespaces=NS)]


def three_transfers() -> list[CreditTransfer]:
    return [
        transfer("E2E-0001", "0.10", "Facture 1"),
        transfer("E2E-0002", "0.20", "Facture 2", iban=CREDITOR_IBANS[1], bic="COBADEFFXXX", name="Bäckerei Müller GmbH"),
        transfer("E2E-0003", "1234.56", "Facture 3", iban=CREDITOR_IBANS[2], bic=None, name="Lycée Saint-Éloi"),
    ]


# --- a normal file -----------------------------------------------------------------------------------------------


def test_three_transfers_validate_against_the_official_xsd():
    sepa = build(three_transfers())

    validate(sepa.xml)  # does not raise
    schema = etree.XMLSchema(etree.parse("payments/schemas/pain.001.001.09.xsd"))
    assert schema.validate(parse(sepa)), schema.error_log  # independently of validate()
    assert sepa.xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_control_sum_and_number_of_transactions_are_exact():
    sepa = build(three_transfers())
    document = parse(sepa)

    assert sepa.control_sum == Decimal("1234.86")
    assert isinstance(sepa.control_sum, Decimal)
    assert str(sepa.control_sum) == "1234.86"
    assert sepa.transaction_count == 3
    assert texts(document, "//p:GrpHdr/p:CtrlSum") == ["1234.86"]
    assert texts(document, "//p:PmtInf/p:CtrlSum") == ["1234.86"]
    assert texts(document, "//p:GrpHdr/p:NbOfTxs") == ["3"]
    assert texts(document, "//p:PmtInf/p:NbOfTxs") == ["3"]
    assert texts(document, "//p:InstdAmt") == ["0.10", "0.20", "1234.56"]


def test_control_sum_keeps_two_decimals_for_round_amounts():
    sepa = build([transfer("E2E-1", "1"), transfer("E2E-2", "2.0"), transfer("E2E-3", "3.000")])

    assert str(sepa.control_sum) == "6.00"
    assert texts(parse(sepa), "//p:InstdAmt") == ["1.00", "2.00", "3.00"]
    assert texts(parse(sepa), "//p:GrpHdr/p:CtrlSum") == ["6.00"]


def test_header_and_payment_information_follow_the_epc_rules():
    document = parse(build(three_transfers()))

    assert document.tag == f"{{{NAMESPACE}}}Document"
    assert texts(document, "//p:GrpHdr/p:MsgId") == ["RUN-2026-000042"]
    assert texts(document, "//p:GrpHdr/p:CreDtTm") == ["2026-11-26T09:30:15+01:00"]  # Paris time, no microseconds
    assert texts(document, "//p:InitgPty/p:Nm") == ["OPCO des Metiers"]
    assert len(document.xpath("//p:PmtInf", namespaces=NS)) == 1
    assert texts(document, "//p:PmtInf/p:PmtMtd") == ["TRF"]
    assert texts(document, "//p:PmtInf/p:PmtTpInf/p:SvcLvl/p:Cd") == ["SEPA"]
    assert texts(document, "//p:PmtInf/p:ReqdExctnDt/p:Dt") == ["2026-12-01"]
    assert texts(document, "//p:PmtInf/p:ChrgBr") == ["SLEV"]
    assert texts(document, "//p:DbtrAcct/p:Id/p:IBAN") == [DEBTOR_IBAN]
    assert texts(document, "//p:DbtrAgt/p:FinInstnId/p:BICFI") == ["AGRIFRPP"]
    assert document.xpath("//p:InstdAmt/@Ccy", namespaces=NS) == ["EUR", "EUR", "EUR"]
    assert texts(document, "//p:EndToEndId") == ["E2E-0001", "E2E-0002", "E2E-0003"]
    assert texts(document, "//p:CdtrAcct/p:Id/p:IBAN") == CREDITOR_IBANS
    # The third creditor has no BIC: no CdtrAgt at all (IBAN-only, EEA).
    assert texts(document, "//p:CdtrAgt/p:FinInstnId/p:BICFI") == ["PSSTFRPPLIL", "COBADEFFXXX"]
    assert not document.xpath("//p:BIC", namespaces=NS)  # the 2009 name; 2019 uses BICFI


def test_debtor_without_bic_is_sent_as_not_provided():
    debtor = Party(DEBTOR.name, DEBTOR.iban, None, DEBTOR.address)
    document = parse(build(three_transfers(), debtor=debtor))

    assert texts(document, "//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") == ["NOTPROVIDED"]
    assert not document.xpath("//p:DbtrAgt//p:BICFI", namespaces=NS)


def test_iban_and_bic_are_normalised():
    sepa = build([transfer(iban="fr14 2004 1010 0505 0001 3m02 606", bic="psstfrpplil")])
    document = parse(sepa)

    assert texts(document, "//p:CdtrAcct/p:Id/p:IBAN") == ["FR1420041010050500013M02606"]
    assert texts(document, "//p:CdtrAgt//p:BICFI") == ["PSSTFRPPLIL"]


# --- structured addresses ----------------------------------------------------------------------------------------


def test_addresses_are_structured_and_never_use_adrline():
    document = parse(build(three_transfers()))

    addresses = document.xpath("//p:PstlAdr", namespaces=NS)
    assert len(addresses) == 4  # debtor + three creditors
    for address in addresses:
        assert [etree.QName(child).localname for child in address] == ["StrtNm", "BldgNb", "PstCd", "TwnNm", "Ctry"]
    assert not document.xpath("//p:AdrLine", namespaces=NS)
    assert texts(document, "//p:Dbtr/p:PstlAdr/*") == ["Rue de la Paix", "1 bis", "75002", "Paris", "FR"]
    assert texts(document, "//p:Cdtr/p:PstlAdr/p:StrtNm")[0] == "Rue Emile Zola"


def test_optional_address_parts_are_left_out_but_town_and_country_remain():
    address = PostalAddress(street=None, building_number="", postal_code=None, town="Saint-Étienne", country="fr")
    document = parse(build([transfer(address=address)]))

    creditor_address = document.xpath("//p:Cdtr/p:PstlAdr", namespaces=NS)[0]
    assert [etree.QName(child).localname for child in creditor_address] == ["TwnNm", "Ctry"]
    assert texts(document, "//p:Cdtr/p:PstlAdr/*") == ["Saint-Etienne", "FR"]


def test_a_long_town_is_cut_to_35_characters():
    town = "Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson"  # 45 characters, a real commune
    document = parse(build([transfer(address=PostalAddress("Grande Rue", "1", "51290", town))]))

    assert texts(document, "//p:Cdtr/p:PstlAdr/p:TwnNm") == ["Saint-Remy-en-Bouzemont-Saint-Genes"]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (PostalAddress("Rue X", "1", "75001", "  "), "La ville de l'adresse du bénéficiaire du virement n° 1"),
        (PostalAddress("Rue X", "1", "75001", "Paris", "FRA"), "code ISO à deux lettres"),
    ],
)
def test_incomplete_structured_addresses_are_refused(address, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build([transfer(address=address)])


# --- SEPA character set ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Société Générale", "Societe Generale"),
        ("Ça et là, François", "Ca et la, Francois"),
        ("Œuvre des cœurs", "OEuvre des coeurs"),
        ("Straße Ærø", "Strasse AEro"),
        ("L’école « Jean-Zay » – n°12", "L'ecole ' Jean-Zay ' - no12"),
        ("Dupont & Fils_SARL", "Dupont + Fils-SARL"),
        ("Prix : 10 € ; 20 % ! <b>", "Prix : 10 EUR 20 b"),
        ("  trop   d'espaces\n\tici  ", "trop d'espaces ici"),
        ("ﬁnance", "finance"),
        ("日本", ""),
    ],
)
def test_text_is_transliterated_to_the_sepa_character_set(raw, expected):
    assert to_sepa_text(raw, 140) == expected
    assert SEPA_CHARACTERS.fullmatch(to_sepa_text(raw, 140))


def test_accents_are_transliterated_in_the_file():
    document = parse(
        build(
            [
                transfer(
                    name="Société d'Œuvres Ça & Là — Éducation",
                    remittance="Échéance n°3 : contrat d’apprentissage « Bâtiment »",
                    address=PostalAddress("Rue de l'Église", "12", "13000", "Aix-en-Provence"),
                )
            ]
        )
    )

    assert texts(document, "//p:Cdtr/p:Nm") == ["Societe d'OEuvres Ca + La - Education"]
    assert texts(document, "//p:Ustrd") == ["Echeance no3 : contrat d'apprentissage ' Batiment '"]
    assert texts(document, "//p:Cdtr/p:PstlAdr/p:StrtNm") == ["Rue de l'Eglise"]
    assert texts(document, "//p:Dbtr/p:Nm") == ["OPCO des Metiers de l'Economie"]
    for node in document.iter():
        if node.text and node.text.strip():
            assert SEPA_CHARACTERS.fullmatch(node.text), node.text


def test_remittance_is_cut_to_140_characters():
    remittance = "Échéance " + "x" * 200
    document = parse(build([transfer(remittance=remittance)]))

    (ustrd,) = texts(document, "//p:Ustrd")
    assert len(ustrd) == 140
    assert ustrd == ("Echeance " + "x" * 200)[:140]


def test_remittance_is_cut_after_transliteration():
    document = parse(build([transfer(remittance="œ" * 100)]))  # 100 characters that become 200

    assert texts(document, "//p:Ustrd") == ["oe" * 70]


def test_empty_remittance_leaves_out_rmtinf():
    document = parse(build([transfer(remittance="")]))

    assert not document.xpath("//p:RmtInf", namespaces=NS)


def test_name_is_cut_to_70_characters():
    document = parse(build([transfer(name="Établissement " + "A" * 100)]))

    (name,) = texts(document, "//p:Cdtr/p:Nm")
    assert name == ("Etablissement " + "A" * 100)[:70]


def test_a_name_with_no_sepa_character_left_is_refused():
    with pytest.raises(ValueError, match="Le nom du bénéficiaire du virement n° 1 .* est vide"):
        build([transfer(name="日本語")])


# --- identifiers -------------------------------------------------------------------------------------------------


def test_end_to_end_id_of_35_characters_is_accepted():
    end_to_end_id = "E" * 35
    document = parse(build([transfer(end_to_end_id=end_to_end_id)]))

    assert texts(document, "//p:EndToEndId") == [end_to_end_id]


def test_end_to_end_id_longer_than_35_characters_is_refused():
    message = r"L'identifiant de bout en bout \(EndToEndId\) du virement n° 1 dépasse 35 caractères \(36\)"
    with pytest.raises(ValueError, match=message):
        build([transfer(end_to_end_id="E" * 36)])


@pytest.mark.parametrize(
    ("end_to_end_id", "message"),
    [
        ("", "est vide"),
        ("E2E_1", "hors du jeu de caractères SEPA"),
        ("Échéance", "hors du jeu de caractères SEPA"),
        ("/E2E-1", "ni commencer ni finir par « / »"),
        ("E2E//1", "ni contenir « // »"),
    ],
)
def test_end_to_end_ids_outside_the_epc_rules_are_refused_not_rewritten(end_to_end_id, message):
    with pytest.raises(ValueError, match=message):
        build([transfer(end_to_end_id=end_to_end_id)])


def test_duplicate_end_to_end_ids_are_refused():
    with pytest.raises(ValueError, match="L'identifiant de bout en bout E2E-1 est en double"):
        build([transfer("E2E-1"), transfer("E2E-2"), transfer("E2E-1")])


def test_message_id_longer_than_35_characters_is_refused():
    with pytest.raises(ValueError, match=r"L'identifiant du message \(MsgId\) dépasse 35 caractères"):
        build(three_transfers(), message_id="M" * 36)


# --- amounts -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-10.00", r"Le montant du virement n° 1 \(E2E-0001\) doit être strictement positif \(-10,00 €\)\."),
        ("0", r"Le montant du virement n° 1 \(E2E-0001\) doit être strictement positif \(0 €\)\."),
        ("0.00", r"doit être strictement positif \(0,00 €\)"),
        ("1.234", r"Le montant du virement n° 1 \(E2E-0001\) a plus de deux décimales \(1,234 €\)\."),
        ("0.001", r"a plus de deux décimales \(0,001 €\)"),
        ("1000000000.00", r"dépasse le maximum d'un virement SEPA \(999999999,99 €\)"),
        ("NaN", r"n'est pas un nombre"),
        ("Infinity", r"n'est pas un nombre"),
    ],
)
def test_invalid_amounts_are_refused_in_french(amount, message):
    with pytest.raises(ValueError, match=message):
        build([transfer(amount=amount)])


@pytest.mark.parametrize("amount", [12.5, 12, True])
def test_amounts_that_are_not_decimal_are_refused(amount):
    bad = CreditTransfer("E2E-1", creditor(), amount, "Facture")

    with pytest.raises(TypeError, match="doit être un Decimal"):
        build([bad])


def test_the_faulty_transfer_is_named_in_the_message():
    transfers = [transfer("E2E-1", "10.00"), transfer("E2E-2", "-1.00")]

    with pytest.raises(ValueError, match=r"virement n° 2 \(E2E-2\)"):
        build(transfers)


# --- IBAN, BIC ---------------------------------------------------------------------------------------------------


def test_a_bad_creditor_iban_is_refused_without_echoing_it():
    transfers = [transfer("E2E-1"), transfer("E2E-2", iban=BAD_IBAN)]

    with pytest.raises(ValueError) as caught:
        build(transfers)

    assert str(caught.value) == "L'IBAN du bénéficiaire du virement n° 2 (E2E-2) est invalide."
    # Nor in the traceback: schwifty's exception (which may quote the value) is not chained.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    printed = "".join(traceback.format_exception(caught.value))
    assert BAD_IBAN not in printed
    assert BAD_IBAN[4:] not in printed


def test_a_bad_debtor_iban_names_the_debtor_without_echoing_it():
    debtor = Party(DEBTOR.name, "FR7630006000011234567890188", DEBTOR.bic, DEBTOR.address)

    with pytest.raises(ValueError) as caught:
        build(three_transfers(), debtor=debtor)

    assert str(caught.value) == "L'IBAN du donneur d'ordre est invalide."
    assert "FR7630006000011234567890188" not in "".join(traceback.format_exception(caught.value))


def test_party_repr_masks_the_iban():
    assert DEBTOR_IBAN not in repr(DEBTOR)
    assert CREDITOR_IBANS[0] not in repr(transfer())


def test_an_iban_outside_the_sepa_zone_is_refused():
    with pytest.raises(ValueError, match=r"L'IBAN du bénéficiaire du virement n° 1 \(E2E-0001\) n'appartient pas à la zone SEPA"):
        build([transfer(iban="BR1800360305000010009795493C1", bic="CEFXBRSP")])


def test_a_bank_outside_the_eea_needs_a_bic():
    swiss = "CH9300762011623852957"

    with pytest.raises(ValueError, match="Le BIC du bénéficiaire .* est obligatoire"):
        build([transfer(iban=swiss, bic=None)])
    document = parse(build([transfer(iban=swiss, bic="UBSWCHZH80A")]))
    assert texts(document, "//p:CdtrAgt//p:BICFI") == ["UBSWCHZH80A"]


def test_a_malformed_bic_is_refused():
    with pytest.raises(ValueError, match=r"Le BIC du bénéficiaire du virement n° 1 \(E2E-0001\) est invalide"):
        build([transfer(bic="PSST-FR")])


# --- other refusals ----------------------------------------------------------------------------------------------


def test_an_empty_list_of_transfers_is_refused():
    with pytest.raises(ValueError, match="au moins un virement"):
        build([])


def test_a_naive_creation_datetime_is_refused():
    with pytest.raises(ValueError, match="fuseau horaire"):
        build(three_transfers(), created_at=datetime(2026, 11, 26, 8, 30))


def test_a_datetime_as_execution_date_is_refused():
    with pytest.raises(TypeError, match="date d'exécution"):
        build(three_transfers(), execution_date=datetime(2026, 12, 1, tzinfo=UTC))


# --- the validator is real ---------------------------------------------------------------------------------------


def broken(sepa: SepaFile, mutate) -> bytes:
    document = parse(sepa)
    mutate(document)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8")


def test_removing_a_required_element_is_caught():
    def remove_msg_id(document):
        node = document.xpath("//p:GrpHdr/p:MsgId", namespaces=NS)[0]
        node.getparent().remove(node)

    xml = broken(build(three_transfers()), remove_msg_id)

    with pytest.raises(SepaValidationError) as caught:
        validate(xml)
    assert caught.value.errors
    assert "MsgId" in str(caught.value)
    assert "n'est pas conforme au schéma pain.001.001.09" in str(caught.value)


def test_a_second_end_to_end_id_is_caught():
    def duplicate(document):
        end_to_end = document.xpath("//p:EndToEndId", namespaces=NS)[0]
        end_to_end.addnext(etree.fromstring(etree.tostring(end_to_end)))

    with pytest.raises(SepaValidationError, match="EndToEndId"):
        validate(broken(build(three_transfers()), duplicate))


def test_an_address_element_out_of_order_is_caught():
    def move_town_first(document):
        address = document.xpath("//p:Dbtr/p:PstlAdr", namespaces=NS)[0]
        address.insert(0, address.xpath("p:TwnNm", namespaces=NS)[0])

    with pytest.raises(SepaValidationError, match="This element is not expected"):
        validate(broken(build(three_transfers()), move_town_first))


def test_a_wrong_control_sum_is_caught_although_the_xsd_allows_it():
    def tamper(document):
        document.xpath("//p:GrpHdr/p:CtrlSum", namespaces=NS)[0].text = "1234.85"

    with pytest.raises(SepaValidationError, match=r"CtrlSum vaut 1234\.85 au lieu de 1234\.86"):
        validate(broken(build(three_transfers()), tamper))


def test_a_wrong_number_of_transactions_is_caught():
    def tamper(document):
        document.xpath("//p:PmtInf/p:NbOfTxs", namespaces=NS)[0].text = "2"

    with pytest.raises(SepaValidationError, match=r"NbOfTxs vaut 2 pour 3 virement"):
        validate(broken(build(three_transfers()), tamper))


def test_schema_errors_do_not_echo_an_iban():
    def tamper(document):
        document.xpath("//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS)[0].text = "fr1420041010050500013M02606"

    with pytest.raises(SepaValidationError) as caught:
        validate(broken(build(three_transfers()), tamper))
    assert "IBAN masqué" in str(caught.value)
    assert "20041010050500013M02606" not in str(caught.value)
    assert all("20041010050500013M02606" not in error for error in caught.value.errors)


@pytest.mark.parametrize(
    "xml",
    [
        b"",
        b"<Document",
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
        b"<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><Document>&e;</Document>",
    ],
)
def test_garbage_is_refused(xml):
    with pytest.raises(SepaValidationError):
        validate(xml)


# --- property ----------------------------------------------------------------------------------------------------

ACCENTED_NAMES = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâäîïôöùûüçœæÉÈÊÀÂÇŒÆÔÎÿ'’- &")),
    min_size=1,
    max_size=90,
).filter(lambda name: any(char.isalpha() for char in name))
AMOUNTS = st.decimals(
    min_value=Decimal("0.01"),
    max_value=Decimal("999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(AMOUNTS, ACCENTED_NAMES, st.sampled_from(CREDITOR_IBANS)),
        min_size=1,
        max_size=50,
    )
)
def test_any_list_of_transfers_gives_a_valid_file_with_exact_totals(rows):
    transfers = [
        CreditTransfer(
            end_to_end_id=f"E2E-{number:05d}",
            creditor=creditor(name=name, iban=iban, bic=None, address=PostalAddress("Rue " + name, "1", "75001", name)),
            amount=amount,
            remittance=f"Échéance {name}",
        )
        for number, (amount, name, iban) in enumerate(rows)
    ]

    sepa = build(transfers)

    validate(sepa.xml)
    document = parse(sepa)
    expected = sum((amount for amount, *_ in rows), Decimal("0"))
    assert sepa.control_sum == expected
    assert sepa.transaction_count == len(rows)
    assert Decimal(texts(document, "//p:GrpHdr/p:CtrlSum")[0]) == expected
    assert Decimal(texts(document, "//p:PmtInf/p:CtrlSum")[0]) == expected
    assert texts(document, "//p:GrpHdr/p:NbOfTxs") == [str(len(rows))]
    assert [Decimal(text) for text in texts(document, "//p:InstdAmt")] == [amount for amount, *_ in rows]
    for text in texts(document, "//p:Nm | //p:Ustrd | //p:PstlAdr/*"):
        assert SEPA_CHARACTERS.fullmatch(text)
        assert 0 < len(text) <= 140
    assert all(len(text) <= 70 for text in texts(document, "//p:Nm"))
    assert not document.xpath("//p:AdrLine", namespaces=NS)
