"""Higher apps add their loaders to the referentials' runs, right after the kind they need."""

import pytest

from referentials import loaders


def test_the_branches_run_right_after_the_idcc_with_their_label():
    assert list(loaders.LOADERS) == ["idcc", "branches", "naf", "certifications", "providers", "holidays", "legal_parameters"]
    assert list(loaders.KIND_LABELS) == list(loaders.LOADERS)
    assert loaders.KIND_LABELS["branches"] == "Branches de l'OPCO"


def test_a_registered_loader_goes_after_the_kind_it_needs_and_registering_it_again_moves_it(monkeypatch):
    monkeypatch.setattr(loaders, "LOADERS", {"idcc": loaders.load_idcc, "naf": loaders.load_naf})
    monkeypatch.setattr(loaders, "KIND_LABELS", {"idcc": "IDCC", "naf": "NAF"})

    def load_extra(data_dir):
        return loaders.LoadReport("extra", "En plus")

    loaders.register_loader("extra", "En plus", load_extra, after="idcc")
    assert list(loaders.LOADERS.items()) == [("idcc", loaders.load_idcc), ("extra", load_extra), ("naf", loaders.load_naf)]
    loaders.register_loader("extra", "En plus", load_extra, after="naf")
    assert list(loaders.KIND_LABELS) == ["idcc", "naf", "extra"] == list(loaders.LOADERS)


def test_a_loader_after_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        loaders.register_loader("extra", "En plus", loaders.load_naf, after="inconnu")
