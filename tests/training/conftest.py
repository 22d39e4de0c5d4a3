import pytest

from ilp_platform.core import training


@pytest.fixture(autouse=True)
def _forget_training_flag():
    """The flag is cached; a test's database is rolled back without the row's signals."""
    training.forget()
    yield
    training.forget()


@pytest.fixture
def scenario(db):
    from training import reset

    installation = reset.seed(language="en", password="trainee-pass-1", password_given=True)
    return installation
