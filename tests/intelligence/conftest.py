from tests.utils.storage import shared_storage  # noqa: F401 (a fixture: each storage backend)
