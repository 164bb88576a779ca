import pytest


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """SEPA files of a test's payment runs go to its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
