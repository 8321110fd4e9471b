"""Resident ID numbers (公民身份号码, GB 11643-1999): validation, legacy conversion, and the
protection the law asks for (PIPL): stored encrypted, matched by a keyed hash, shown masked.

Encryption is AES-256-GCM (``cryptography``) with a random nonce per value and the person's row
as associated data; the token is ``v2.<key id>.`` + urlsafe base64(nonce + ciphertext). The
encryption key and the hash key are derived from SHUNIU_DATA_KEY with HKDF (see "Keys" below and
docs/keys.md). AES-GCM rather than Fernet: an eighth of the cost per
value, which matters when a million people are imported (docs/decisions.md).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import operator
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.core.errors import Undecryptable

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# cryptography is imported where a key is derived or a token opened, not with this module:
# every process imports it (the admin, the selectors), and a command that never touches an
# ID number should not pay for loading the library (issue 10: start-up time).

WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
_ZERO_OFFSET = ord("0") * sum(WEIGHTS)
_FULL_WIDTH_DIGITS = {ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")}
TOKEN_PREFIX = "v2."  # noqa: S105 the cipher format version, not a secret
LEGACY_PREFIX = "v1."
# What a new person's row holds for the moment between its INSERT and the UPDATE that stores
# the token bound to its primary key (the same transaction: nobody else ever sees it).
PENDING_TOKEN = "v2.pending"  # noqa: S105 a placeholder value, not a secret

logger = logging.getLogger(__name__)


class InvalidIdNumber(ValueError):
    """The reason is translated and names what is wrong."""


@dataclass(frozen=True)
class IdNumber:
    number: str  # 18 characters, upper-case X
    birth_date: dt.date
    sex: str  # "M" or "F"

    @property
    def masked(self) -> str:
        return mask(self.number)


def check_char(first17: str) -> str:
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # The same sum over the bytes, less what the code of "0" adds: a quarter of the
        # time, which bulk imports of a million numbers notice.
        total = sum(map(operator.mul, first17.encode(), WEIGHTS)) - _ZERO_OFFSET
    else:
        total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


# Birth dates read before, by their eight digits: a million numbers hold a few tens of
# thousands of dates (bulk imports); cleared when it grows past the limit.
_BIRTH_DATES: dict[str, dt.date] = {}
_BIRTH_DATES_LIMIT = 20_000


def _birth_date(digits: str) -> dt.date:
    found = _BIRTH_DATES.get(digits)
    if found is not None:
        return found
    try:
        found = dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError as exc:
        raise InvalidIdNumber(
            _("the birth date %(date)s does not exist") % {"date": digits}
        ) from exc
    if len(_BIRTH_DATES) >= _BIRTH_DATES_LIMIT:
        _BIRTH_DATES.clear()
    _BIRTH_DATES[digits] = found
    return found


def _ascii_digits(text: str) -> bool:
    # str.isdigit() alone also accepts superscripts (which int() refuses) and the digits
    # of other scripts (a second spelling of the same number).
    return text.isascii() and text.isdigit()


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise an ID number; 15-digit legacy numbers are converted to 18."""
    if type(raw) is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit():
        # Already as written down (the common case): nothing to normalise but a small x.
        value = raw if raw[17] != "x" else raw[:17] + "X"
    else:
        value = "".join(str(raw).split()).upper().replace("Ｘ", "X").translate(_FULL_WIDTH_DIGITS)
    if len(value) == 15:
        if not _ascii_digits(value):
            raise InvalidIdNumber(_("a 15-digit ID number has digits only"))
        body = value[:6] + "19" + value[6:]
        value = body + check_char(body)
    if len(value) != 18:
        raise InvalidIdNumber(_("an ID number has 18 characters (or 15 for old ones)"))
    if not _ascii_digits(value[:17]) or not (_ascii_digits(value[17]) or value[17] == "X"):
        raise InvalidIdNumber(_("an ID number is 17 digits and a digit or X"))
    birth = _birth_date(value[6:14])
    today = today or timezone.localdate()
    if birth > today or birth.year < 1880:
        raise InvalidIdNumber(_("the birth date %(date)s is not plausible") % {"date": value[6:14]})
    if value[:2] == "00" or value[:6] == "000000":
        raise InvalidIdNumber(_("the address code %(code)s is not valid") % {"code": value[:6]})
    expected = check_char(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber(
            _("wrong check character %(got)s (expected %(expected)s)")
            % {"got": value[17], "expected": expected}
        )
    return IdNumber(number=value, birth_date=birth, sex="M" if value[16] in "13579" else "F")


def mask(number: str) -> str:
    """First 6 and last 4 characters, the rest hidden."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# --- Keys -------------------------------------------------------------------------------
#
# SHUNIU_DATA_KEY is urlsafe base64 of at least 32 random bytes (``shuniu keys generate``).
# From it HKDF-SHA256 derives, with distinct ``info``, the AES-256-GCM encryption key, the
# HMAC-SHA256 matching key and a key id (a fingerprint that reveals nothing of the key).
# Tokens are ``v2.<kid>.<urlsafe base64(nonce + ciphertext)>`` with the associated data bound
# to the person's row (its primary key), so a token copied to another row does not decrypt.
# Keys of SHUNIU_DATA_KEYS_PREVIOUS still decrypt and match until ``shuniu keys rotate`` has
# moved every row to the current key. ``v1.`` tokens (the first scheme: keys from HMAC of
# the key text, or of SECRET_KEY in development, constant associated data) keep decrypting
# until rotated. See docs/keys.md.

MIN_KEY_BYTES = 32
KID_LENGTH = 8
LEGACY_KID = "v1"
_HKDF_SALT = b"shuniu data key"


class DataKeyError(ValueError):
    """A data key that is not a key (too short, not base64, not random)."""


def decode_data_key(text: str) -> bytes:
    """The bytes of a data key given as urlsafe base64 (padding optional), refusing keys
    that are short or visibly not random."""
    value = text.strip()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if base64.urlsafe_b64encode(raw).rstrip(b"=") != value.rstrip("=").encode():
            raise ValueError(value)
    except (ValueError, UnicodeEncodeError):
        raise DataKeyError("is not urlsafe base64 (make one with: shuniu keys generate)") from None
    if len(raw) < MIN_KEY_BYTES:
        raise DataKeyError(
            f"has {len(raw)} bytes; at least {MIN_KEY_BYTES} random bytes are needed "
            "(make one with: shuniu keys generate)"
        )
    # 32 random bytes have about 30 distinct values; fewer than half that is a pattern.
    if len(set(raw)) < min(len(raw) // 2, 100):
        raise DataKeyError("is not random (repeated bytes); make one with: shuniu keys generate")
    return raw


def generate_data_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(MIN_KEY_BYTES)).rstrip(b"=").decode()


def data_key_id(text: str) -> str:
    """The key id tokens made with this SHUNIU_DATA_KEY carry."""
    return _derive(decode_data_key(text)).kid


def _hkdf(master: bytes, info: bytes, length: int = 32) -> bytes:
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=SHA256(), length=length, salt=_HKDF_SALT, info=info).derive(master)


@dataclass(frozen=True)
class DataKey:
    kid: str
    aead: AESGCM
    mac_key: bytes
    legacy: bool = False


def _derive(master: bytes) -> DataKey:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return DataKey(
        kid=_hkdf(master, b"shuniu/key-id/v2", KID_LENGTH // 2).hex(),
        aead=AESGCM(_hkdf(master, b"shuniu/id-number/encryption/v2")),
        mac_key=_hkdf(master, b"shuniu/id-number/matching/v2"),
    )


def _derive_legacy(secret: str) -> DataKey:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    master = secret.encode()
    enc = hmac.new(master, b"shuniu-id-encryption", hashlib.sha256).digest()
    mac = hmac.new(master, b"shuniu-id-hash", hashlib.sha256).digest()
    return DataKey(kid=LEGACY_KID, aead=AESGCM(enc), mac_key=mac, legacy=True)


@dataclass(frozen=True)
class Keyring:
    current: DataKey
    previous: tuple[DataKey, ...]  # v2 keys that still decrypt and match
    legacy: tuple[DataKey, ...]  # derivations that made v1 tokens

    def key(self, kid: str) -> DataKey | None:
        for key in (self.current, *self.previous):
            if key.kid == kid:
                return key
        return None

    @property
    def matching(self) -> tuple[DataKey, ...]:
        """Every key a stored hash may have been made with, the current one first."""
        return (self.current, *self.previous, *self.legacy)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@lru_cache(maxsize=8)
def _keyring(current: str, previous: str, secret_key: str) -> Keyring:
    dev_secret = "dev-data-key:" + secret_key
    # Development only (settings refuse production without SHUNIU_DATA_KEY): a key derived
    # from SECRET_KEY, so that a fresh checkout works.
    development = _derive(hashlib.sha256(dev_secret.encode()).digest())
    if current:
        try:
            key = _derive(decode_data_key(current))
        except DataKeyError as exc:
            raise ImproperlyConfigured(f"SHUNIU_DATA_KEY {exc}") from None
    else:
        key = development
    older: list[DataKey] = []
    legacy_secrets = [current] if current else []
    for text in _split(previous):
        # An entry that is not a key is the text of a key of the first scheme (v1 only).
        with contextlib.suppress(DataKeyError):
            older.append(_derive(decode_data_key(text)))
        legacy_secrets.append(text)
    # v1 tokens made without SHUNIU_DATA_KEY came from SECRET_KEY.
    legacy_secrets.append(dev_secret)
    kids = [key.kid, *(k.kid for k in older)]
    if len(set(kids)) != len(kids):
        raise ImproperlyConfigured(
            "SHUNIU_DATA_KEYS_PREVIOUS repeats a key (or holds SHUNIU_DATA_KEY itself)"
        )
    if development.kid not in kids:
        # Rows written before SHUNIU_DATA_KEY was set stay readable until rotated.
        older.append(development)
    legacy = tuple(_derive_legacy(s) for s in dict.fromkeys(legacy_secrets))
    return Keyring(current=key, previous=tuple(older), legacy=legacy)


def keyring() -> Keyring:
    """The keys configured in settings (SHUNIU_DATA_KEY, SHUNIU_DATA_KEYS_PREVIOUS)."""
    previous = getattr(settings, "SHUNIU_DATA_KEYS_PREVIOUS", "")
    if not isinstance(previous, str):
        previous = ",".join(previous)
    return _keyring(settings.SHUNIU_DATA_KEY or "", previous, settings.SECRET_KEY)


def current_kid() -> str:
    return keyring().current.kid


def token_kid(token: str) -> str:
    """The key id a stored token names (``v1`` for tokens of the first scheme)."""
    if token.startswith(LEGACY_PREFIX):
        return LEGACY_KID
    if token.startswith(TOKEN_PREFIX):
        return token[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + KID_LENGTH]
    return "?"


def current_prefix() -> str:
    """Every token made with the current key starts with this."""
    return f"{TOKEN_PREFIX}{current_kid()}."


def _row_data(row: int) -> bytes:
    # The associated data: the person's primary key. Not secret, but authenticated: a
    # token moved to another row fails to decrypt instead of showing another's number.
    return b"shuniu/person/%d" % row


def _mac(key: DataKey, number: str) -> str:
    return hmac.new(key.mac_key, number.encode(), hashlib.sha256).hexdigest()


def id_hash(number: str) -> str:
    """The keyed hash of a normalised number under the current key."""
    return _mac(keyring().current, number)


def match_hashes(number: str) -> list[str]:
    """The hashes a stored person with this number may carry (current key first): during a
    rotation, rows not yet rotated still have a hash made with an older key."""
    return list(dict.fromkeys(_mac(key, number) for key in keyring().matching))


def _seal(key: DataKey, number: str, row: int, nonce: bytes | None = None) -> str:
    nonce = nonce or os.urandom(12)
    sealed = key.aead.encrypt(nonce, number.encode(), _row_data(row))
    return f"{TOKEN_PREFIX}{key.kid}." + base64.urlsafe_b64encode(nonce + sealed).decode()


def encrypt(number: str, *, row: int) -> str:
    """The token of a number stored on the person whose primary key is ``row``."""
    return _seal(keyring().current, number, row)


class UndecryptableToken(ValueError):
    """No configured key opens the token on this row."""


def decrypt(token: str, *, row: int) -> str:
    """The number in a token stored on the person whose primary key is ``row``."""
    from cryptography.exceptions import InvalidTag

    ring = keyring()
    if token.startswith(LEGACY_PREFIX):
        raw = base64.urlsafe_b64decode(token[len(LEGACY_PREFIX) :])
        for key in ring.legacy:
            try:
                return key.aead.decrypt(raw[:12], raw[12:], b"id").decode()
            except InvalidTag:
                continue
        raise UndecryptableToken(f"no configured key opens the v1 token of row {row}")
    kid = token_kid(token)
    found = ring.key(kid) if token.startswith(TOKEN_PREFIX) else None
    if found is None:
        raise UndecryptableToken(f"row {row}: key {kid} is not configured")
    raw = base64.urlsafe_b64decode(token[len(TOKEN_PREFIX) + KID_LENGTH + 1 :])
    try:
        return found.aead.decrypt(raw[:12], raw[12:], _row_data(row)).decode()
    except InvalidTag:
        raise UndecryptableToken(
            f"row {row}: the token does not open with key {kid} on this row"
        ) from None


def decrypt_stored(token: str, *, row: int) -> str:
    """``decrypt`` for the services: a token no configured key opens is logged (ERROR, with
    the row and the key id, never a key) and raised as ``core.errors.Undecryptable``, which
    every interface turns into its clear answer."""
    try:
        return decrypt(token, row=row)
    except UndecryptableToken as exc:
        logger.error(
            "person %s: the stored ID number cannot be opened with the configured keys (%s)",
            row,
            exc,
        )
        raise Undecryptable(pk=row, kid=token_kid(token)) from None


# AES-GCM nonces: 12 random bytes, as _seal draws them; Protector takes them in blocks.
_NONCE_BYTES = 12
_NONCES_AT_ONCE = 4096


class Protector:
    """Hash and encrypt many numbers with the current key looked up once (bulk imports)."""

    def __init__(self) -> None:
        ring = keyring()
        self._key = ring.current
        # The HMAC with its keyed inner and outer states computed once (RFC 2104): the
        # same digest as hmac.new, in half the time per number.
        self._mac = hmac.new(ring.current.mac_key, digestmod=hashlib.sha256)
        self._others = [
            hmac.new(k.mac_key, digestmod=hashlib.sha256)
            for k in ring.matching[1:]
            if k.mac_key != ring.current.mac_key
        ]
        self._nonces = b""
        self._next_nonce = 0

    def match(self, number: str) -> tuple[str, str]:
        """(keyed hash, masked) of a normalised number."""
        mac = self._mac.copy()
        mac.update(number.encode())
        return mac.hexdigest(), mask(number)

    def has_others(self) -> bool:
        return bool(self._others)

    def other_hashes(self, number: str) -> list[str]:
        """Its hashes under the older keys (rows not yet rotated)."""
        data = number.encode()
        found = []
        for state in self._others:
            mac = state.copy()
            mac.update(data)
            found.append(mac.hexdigest())
        return found

    def seal(self, number: str, *, row: int) -> str:
        """The token of the number for the person whose primary key is ``row``."""
        # Random nonces drawn from the system a few thousand at a time: one call per
        # number was a system call per row, each a chance for other threads to take the
        # interpreter lock in the middle of an import.
        nonces = self._nonces
        if self._next_nonce >= len(nonces):
            self._nonces = nonces = os.urandom(_NONCE_BYTES * _NONCES_AT_ONCE)
            self._next_nonce = 0
        start = self._next_nonce
        self._next_nonce = start + _NONCE_BYTES
        return _seal(self._key, number, row, nonces[start : start + _NONCE_BYTES])


def generate_id_number(*, address_code: str, birth_date: dt.date, sequence: int) -> str:
    """A valid number for synthetic people (sequence 0-999; odd = male)."""
    if not (len(address_code) == 6 and address_code.isdigit()):
        raise ValueError("address code must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be 0-999")
    body = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + check_char(body)
