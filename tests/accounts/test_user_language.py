"""The language is remembered per person (``User.language``): chosen in the menu it is saved
on the account (audited as a change of the person's own settings) and follows them to another
browser at login; anonymous pages still follow the browser's choice; e-mails to a person, and
the jobs they run, are written in their language."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from audit.choices import Action
from audit.models import AuditEvent
from ilp_platform.accounts import notices, services
from ilp_platform.accounts.models import User
from notifications import services as notifications
from notifications.choices import Kind
from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db

COOKIE = django_settings.LANGUAGE_COOKIE_NAME
LOGIN = reverse("accounts:login")


def _lang(response) -> str:
    text = response.content.decode()
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


def _language_events(user: User):
    return AuditEvent.objects.filter(
        action=Action.CONFIGURATION_CHANGE, object_id=str(user.pk), details__own_settings=True
    )


def test_the_menu_saves_the_choice_on_the_person_and_audits_it(client, world):
    client.force_login(world.officer)
    response = client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert response.status_code == 302 and response.cookies[COOKIE].value == "de"
    world.officer.refresh_from_db()
    assert world.officer.language == "de"
    event = _language_events(world.officer).get()
    assert event.details["changes"] == {"language": ["", "de"]}
    assert event.actor_username == world.officer.username
    # The same choice again changes nothing and records nothing.
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert _language_events(world.officer).count() == 1


def test_a_language_the_platform_does_not_offer_is_refused_and_nothing_saved(client, world):
    with pytest.raises(ValidationError) as refused:
        services.set_language(world.officer, "xx")
    assert "language" in refused.value.message_dict
    client.force_login(world.officer)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    world.officer.refresh_from_db()
    assert world.officer.language == "" and not _language_events(world.officer).exists()


def test_the_language_follows_the_person_to_another_browser(world):
    world.analyst.language = "ru"
    world.analyst.save(update_fields=["language"])
    other = Client()
    other.cookies[COOKIE] = "fr"  # this browser was last used in French
    assert _lang(other.get(LOGIN)) == "fr"  # the login page follows the browser
    response = other.post(LOGIN, {"username": "analyst", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "ru"  # brought in step at login
    assert _lang(other.get(reverse("core:home"))) == "ru"
    # Signed out, the browser keeps the person's language for the login page.
    other.post(reverse("accounts:logout"))
    assert _lang(other.get(LOGIN)) == "ru"


def test_the_persons_language_wins_over_a_stale_cookie_and_blank_keeps_the_browsers(world):
    browser = Client()
    browser.force_login(world.analyst)
    browser.cookies[COOKIE] = "it"
    assert _lang(browser.get(reverse("core:home"))) == "it"  # no language of their own
    world.analyst.language = "es"
    world.analyst.save(update_fields=["language"])
    response = browser.get(reverse("core:home"))
    assert _lang(response) == "es" and response.cookies[COOKIE].value == "es"


def test_anonymous_pages_follow_the_switch(client):
    response = client.post(reverse("set_language"), {"language": "it", "next": LOGIN})
    assert response.status_code == 302
    assert _lang(client.get(LOGIN)) == "it"


def test_a_notification_email_is_written_in_the_recipients_language(world, settings, monkeypatch):
    settings.NOTIFY_BY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent_in = []
    real = notifications.send_mail

    def spy(*args, **kwargs):
        sent_in.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", spy)
    for user, language in ((world.analyst, "fr"), (world.analyst2, "")):
        user.email = f"{user.username}@example.org"
        user.language = language
        user.save(update_fields=["email", "language"])
    with translation.override("de"):  # whoever caused it reads another language
        notifications.notify(world.analyst, Kind.ENTITY_MENTIONED, world.general)
        notifications.notify(world.analyst2, Kind.ENTITY_MENTIONED, world.general)
    assert sent_in == ["fr", django_settings.LANGUAGE_CODE]
    with translation.override("fr"):
        assert mail.outbox[0].subject == translation.gettext("You have a new notification")
    assert mail.outbox[1].subject == "You have a new notification"


def test_the_lockout_notice_goes_out_once_per_language_each_in_its_own(world, settings):
    settings.EMAIL_HOST = "smtp.example.invalid"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.delete(notices._MAIL_THROTTLE_KEY)
    world.admin.email = "admin@example.invalid"
    world.admin.language = "ru"
    world.admin.save(update_fields=["email", "language"])
    second = User.objects.create_user("admin2", email="admin2@example.invalid", is_superuser=True)
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "analyst", "password": "wrong-password"})
    cache.delete(notices._MAIL_THROTTLE_KEY)
    mail.outbox.clear()
    assert notices.mail_lockout_notice() == 2
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipient) == {(second.email,), (world.admin.email,)}
    assert "1 username and address pair is locked" in by_recipient[(second.email,)].body
    with translation.override("ru"):
        russian = notices._lockout_message(1)
    assert by_recipient[(world.admin.email,)].subject == russian[0]
    assert by_recipient[(world.admin.email,)].body == russian[1]
    cache.delete(notices._MAIL_THROTTLE_KEY)


def test_the_admin_offers_a_persons_language(client, world):
    client.force_login(world.admin)
    page = client.get(f"/admin/accounts/user/{world.officer.pk}/change/").content.decode()
    assert 'name="language"' in page and 'value="ru"' in page
