"""Resident ID numbers (公民身份号码, GB 11643-1999): validation, legacy conversion, and the
protection the law asks for (PIPL): stored encrypted, matched by a keyed hash, shown masked.

Encryption is AES-256-GCM (``cryptography``) with a random nonce per value; the token is
``v1.`` + urlsafe base64(nonce + ciphertext). The keys are derived from SHUNIU_DATA_KEY so that the
encryption key and the hash key differ. AES-GCM rather than Fernet: an eighth of the cost per
value, which matters when a million people are imported (docs/decisions.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import operator
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
_ZERO_OFFSET = ord("0") * sum(WEIGHTS)
_FULL_WIDTH_DIGITS = {ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")}
TOKEN_PREFIX = "v1."


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


def _birth_date(digits: str) -> dt.date:
    try:
        return dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError as exc:
        raise InvalidIdNumber(
            _("the birth date %(date)s does not exist") % {"date": digits}
        ) from exc


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise an ID number; 15-digit legacy numbers are converted to 18."""
    value = "".join(str(raw).split()).upper().replace("Ｘ", "X").translate(_FULL_WIDTH_DIGITS)
    if len(value) == 15:
        if not value.isdigit():
            raise InvalidIdNumber(_("a 15-digit ID number has digits only"))
        body = value[:6] + "19" + value[6:]
        value = body + check_char(body)
    if len(value) != 18:
        raise InvalidIdNumber(_("an ID number has 18 characters (or 15 for old ones)"))
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdNumber(_("an ID number is 17 digits and a digit or X"))
    birth = _birth_date(value[6:14])
    today = today or dt.date.today()
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
    return IdNumber(number=value, birth_date=birth, sex="M" if int(value[16]) % 2 else "F")


def mask(number: str) -> str:
    """First 6 and last 4 characters, the rest hidden."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[bytes, bytes]:
    master = secret.encode()
    enc = hmac.new(master, b"shuniu-id-encryption", hashlib.sha256).digest()
    mac = hmac.new(master, b"shuniu-id-hash", hashlib.sha256).digest()
    return enc, mac


def _secret() -> str:
    # SHUNIU_DATA_KEY in production (settings refuse to start without it there); the
    # development default derives from SECRET_KEY so a fresh checkout works.
    return settings.SHUNIU_DATA_KEY or ("dev-data-key:" + settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _aead(secret: str) -> AESGCM:
    return AESGCM(_keys(secret)[0])


def id_hash(number: str) -> str:
    return hmac.new(_keys(_secret())[1], number.encode(), hashlib.sha256).hexdigest()


def encrypt(number: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead(_secret()).encrypt(nonce, number.encode(), b"id")
    return TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError("unknown token version")
    raw = base64.urlsafe_b64decode(token[len(TOKEN_PREFIX) :])
    return _aead(_secret()).decrypt(raw[:12], raw[12:], b"id").decode()


class Protector:
    """Encrypt and hash many numbers with the keys looked up once (bulk imports)."""

    def __init__(self) -> None:
        secret = _secret()
        self._aead = _aead(secret)
        # The HMAC with its keyed inner and outer states computed once (RFC 2104): the
        # same digest as hmac.new, in half the time per number.
        self._mac = hmac.new(_keys(secret)[1], digestmod=hashlib.sha256)

    def protect(self, number: str) -> tuple[str, str, str]:
        """(cipher token, keyed hash, masked) of a normalised number."""
        data = number.encode()
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, data, b"id")
        token = TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()
        mac = self._mac.copy()
        mac.update(data)
        return token, mac.hexdigest(), mask(number)


def generate_id_number(*, address_code: str, birth_date: dt.date, sequence: int) -> str:
    """A valid number for synthetic people (sequence 0-999; odd = male)."""
    if not (len(address_code) == 6 and address_code.isdigit()):
        raise ValueError("address code must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be 0-999")
    body = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + check_char(body)
