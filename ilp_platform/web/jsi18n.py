"""The scripts' translations: Django's JavaScript catalogue (the ``djangojs`` domain,
``locale/<language>/LC_MESSAGES/djangojs.po``), one address per language.

The language is in the address (``/jsi18n/fr/``), not read from the cookie, so a cached
catalogue is never served in another language than the page that loads it; the page asks for
its own (``templates/base.html``). The catalogue gives the scripts ``gettext``, ``ngettext``,
``interpolate`` and the language's formats (``get_format``); it names no record and is
served to anyone, the login page included.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils import translation
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

# Long enough to spare the server, short enough that new translations arrive within the hour.
CACHE_SECONDS = 60 * 60


class LanguageCatalog(JavaScriptCatalog):
    domain = "djangojs"

    def get(self, request, *args, **kwargs):
        language = kwargs.pop("language")
        if language not in dict(settings.LANGUAGES):
            raise Http404
        with translation.override(language):
            return super().get(request, *args, **kwargs)


javascript_catalog = cache_page(CACHE_SECONDS, key_prefix="jsi18n")(LanguageCatalog.as_view())
