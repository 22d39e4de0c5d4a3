"""Bulk incident import: reading CSV and XLSX files, mapping, validation and loading.

The steps, each in its own module:

- ``files``: receive an upload, refuse what cannot be read (size, encoding, binary, formulas),
  store it in the shared storage (``STORAGE_BACKEND``) with a generated name, read its header;
- ``mapping``: file columns to incident fields, automatic when the header names the fields,
  otherwise remembered per file layout (``ImportMapping``);
- ``validation``: one vectorised pandas pass that reports every bad row with its line number;
- ``loaders``: the all-or-nothing load (PostgreSQL COPY, batched inserts elsewhere);
- ``services``: the use cases (upload, run) with their audit events.
"""
