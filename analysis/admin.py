"""Analysis in the Django admin: deliberately nothing.

Products, their citations, versions and disseminations carry intelligence content; the admin
would read them without ``visible_to`` and change them outside the audited services (and an
approved version must never change). They are managed only through the product pages and the
API. Analysis jobs likewise hold results computed from compartmented data.
"""
