"""Files that web and worker processes share, kept where every process can reach them.

Everything the web and the worker both read (today: uploaded import files) goes through
Django's storage API, ``storages["default"]``, whose backend ``STORAGE_BACKEND`` chooses
(``config``): the data directory on this machine (embedded default, single-host installs),
the database (``backends.DatabaseStorage``, files as chunked rows, for installations without
object storage) or S3-compatible object storage (django-storages).
"""
