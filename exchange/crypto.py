"""Keys, signatures and encryption of exchange packages, all through PyNaCl (libsodium).

An installation holds two key pairs: an Ed25519 signing key (it signs every package it sends)
and an X25519 encryption key (partners seal packages to it). Its *public key* as partners
register it is one line of text carrying both public halves:

    ilp-exchange-1:<base64 of the 32-byte verify key followed by the 32-byte box public key>

and its *fingerprint* is the SHA-256 of those 64 bytes in hexadecimal, in groups of four.

A package is signed first (``SigningKey.sign``: signature and message together) and the signed
message is then sealed to the recipient (``SealedBox``: an ephemeral X25519 key, XSalsa20 and
Poly1305), so only the recipient can open it, any changed byte makes it unopenable, and the
signature inside proves the sender. The construction is libsodium's own; nothing here combines
primitives by hand.

The private keys are kept in the database (every process of a deployment reaches it, whatever
machine it runs on), sealed with a ``SecretBox`` whose key is derived from ``SECRET_KEY`` by a
keyed BLAKE2b with a fixed personalisation: someone holding a copy of the database but not the
secret key cannot use them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from nacl import encoding, exceptions, public, secret, signing, utils
from nacl.hash import blake2b

PUBLIC_KEY_PREFIX = "ilp-exchange-1:"
_KEY_BYTES = 32
_AT_REST_PERSON = b"ilp-exchange-key"  # BLAKE2b personalisation: at most 16 bytes


class InvalidKey(ValueError):
    """A key text that cannot be read; the message says why."""


class OpenError(Exception):
    """A sealed package that cannot be opened (not for us, or changed in transit)."""


class SignatureError(Exception):
    """A signed message whose signature does not verify with the sender's key."""


@dataclass(frozen=True)
class PublicIdentity:
    verify_key: bytes
    box_key: bytes

    @property
    def text(self) -> str:
        return PUBLIC_KEY_PREFIX + base64.b64encode(self.verify_key + self.box_key).decode()

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.verify_key + self.box_key)


@dataclass(frozen=True)
class PrivateIdentity:
    signing_seed: bytes
    box_secret: bytes

    @classmethod
    def generate(cls) -> PrivateIdentity:
        return cls(
            signing_seed=bytes(signing.SigningKey.generate()),
            box_secret=bytes(public.PrivateKey.generate()),
        )

    @property
    def public(self) -> PublicIdentity:
        return PublicIdentity(
            verify_key=bytes(signing.SigningKey(self.signing_seed).verify_key),
            box_key=bytes(public.PrivateKey(self.box_secret).public_key),
        )

    def sign(self, message: bytes) -> bytes:
        return bytes(signing.SigningKey(self.signing_seed).sign(message))

    def open(self, sealed: bytes) -> bytes:
        try:
            return public.SealedBox(public.PrivateKey(self.box_secret)).decrypt(sealed)
        except exceptions.CryptoError as exc:
            raise OpenError(str(exc)) from None


def fingerprint_of(raw: bytes) -> str:
    digest = hashlib.sha256(raw).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def normalise_fingerprint(text: str) -> str:
    compact = "".join((text or "").split()).lower()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def parse_public_key(text: str) -> PublicIdentity:
    """The public key as a partner gives it; ``InvalidKey`` naming the fault otherwise."""
    text = "".join((text or "").split())
    if not text.startswith(PUBLIC_KEY_PREFIX):
        raise InvalidKey(
            _("A partner's public key starts with “%(prefix)s”.") % {"prefix": PUBLIC_KEY_PREFIX}
        )
    try:
        raw = base64.b64decode(text[len(PUBLIC_KEY_PREFIX) :], validate=True)
    except ValueError:
        raise InvalidKey(_("The public key is not valid base64 text.")) from None
    if len(raw) != 2 * _KEY_BYTES:
        raise InvalidKey(
            _("The public key holds %(count)s bytes; a valid one holds 64.") % {"count": len(raw)}
        )
    try:
        signing.VerifyKey(raw[:_KEY_BYTES])
        public.PublicKey(raw[_KEY_BYTES:])
    except (exceptions.CryptoError, TypeError, ValueError):
        raise InvalidKey(_("The public key is not a valid key pair.")) from None
    return PublicIdentity(verify_key=raw[:_KEY_BYTES], box_key=raw[_KEY_BYTES:])


def seal(recipient: PublicIdentity, message: bytes) -> bytes:
    return bytes(public.SealedBox(public.PublicKey(recipient.box_key)).encrypt(message))


def verify(sender: PublicIdentity, signed: bytes) -> bytes:
    """The message inside ``signed`` when the sender's key signed it."""
    try:
        return bytes(signing.VerifyKey(sender.verify_key).verify(signed))
    except exceptions.BadSignatureError:
        raise SignatureError(_("The signature does not match the sender's key.")) from None
    except (exceptions.CryptoError, ValueError):
        raise SignatureError(_("The package holds no readable signature.")) from None


# --- Private keys at rest -------------------------------------------------------------------


def _at_rest_key(secret_key: str | None = None) -> bytes:
    material = (secret_key or settings.SECRET_KEY).encode("utf-8")
    return blake2b(
        material,
        digest_size=secret.SecretBox.KEY_SIZE,
        person=_AT_REST_PERSON,
        encoder=encoding.RawEncoder,
    )


def seal_private(identity: PrivateIdentity, secret_key: str | None = None) -> str:
    box = secret.SecretBox(_at_rest_key(secret_key))
    sealed = box.encrypt(identity.signing_seed + identity.box_secret, utils.random(24))
    return base64.b64encode(bytes(sealed)).decode()


def open_private(text: str, secret_key: str | None = None) -> PrivateIdentity:
    box = secret.SecretBox(_at_rest_key(secret_key))
    try:
        raw = box.decrypt(base64.b64decode(text))
    except (exceptions.CryptoError, ValueError):
        raise OpenError(
            _(
                "The installation's private key cannot be opened with this SECRET_KEY: the "
                "secret key changed since the keys were made (see docs/exchange.md)."
            )
        ) from None
    return PrivateIdentity(signing_seed=raw[:_KEY_BYTES], box_secret=raw[_KEY_BYTES:])
