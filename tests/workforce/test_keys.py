"""The key protecting ID numbers: HKDF-derived encryption and matching keys with key ids in the
tokens, tokens bound to their row, previous keys and first-scheme (v1) tokens still readable,
and ``shuniu keys rotate`` moving every row to the current key in resumable batches."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from shuniu.core.actors import cli_actor
from shuniu.core.errors import Undecryptable, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.workforce import identity
from shuniu.workforce.bulk import PersonRow, people_import
from shuniu.workforce.keys import person_key_counts, person_keys_rotate
from shuniu.workforce.models import Person
from shuniu.workforce.selectors import PersonFilter, person_list
from shuniu.workforce.services import person_id_number, person_register
from tests.workforce.factories import id_number

KEY_A = base64.urlsafe_b64encode(bytes(range(7, 39))).decode().rstrip("=")
KEY_B = base64.urlsafe_b64encode(hashlib.sha256(b"key b").digest()).decode().rstrip("=")
SYSTEM = cli_actor("test")


def v1_token(number: str, secret: str) -> str:
    """A token of the first scheme, made as the code before key ids made it."""
    key = hmac.new(secret.encode(), b"shuniu-id-encryption", hashlib.sha256).digest()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, number.encode(), b"id")
    return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()


def v1_hash(number: str, secret: str) -> str:
    key = hmac.new(secret.encode(), b"shuniu-id-hash", hashlib.sha256).digest()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def people(n: int) -> list[tuple[Person, str]]:
    made = []
    for index in range(n):
        number = id_number()
        made.append((person_register(actor=SYSTEM, name=f"轮换{index}", id_number=number), number))
    return made


def kids() -> dict[str, int]:
    return {c.kid: c.rows for c in person_key_counts()}


# --- the key itself ----------------------------------------------------------------------


def test_a_generated_key_has_32_random_bytes_and_a_stable_key_id():
    # when
    key = identity.generate_data_key()
    # then
    assert len(identity.decode_data_key(key)) == 32
    assert identity.data_key_id(key) == identity.data_key_id(key + "=")
    assert len(identity.data_key_id(key)) == 8
    assert identity.data_key_id(key) != identity.data_key_id(identity.generate_data_key())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("too-short", "not urlsafe base64"),
        ("tooshort", "has 6 bytes"),
        (base64.urlsafe_b64encode(b"x" * 31).decode(), "has 31 bytes"),
        (base64.urlsafe_b64encode(b"ab" * 16).decode(), "not random"),
        ("not base64 at all! " * 3, "not urlsafe base64"),
        (base64.b64encode(b"\xfb" * 40).decode(), "not urlsafe base64"),
    ],
)
def test_short_non_random_or_mis_encoded_keys_are_refused(text, reason):
    with pytest.raises(identity.DataKeyError, match=reason):
        identity.decode_data_key(text)


@given(st.binary(min_size=0, max_size=31))
def test_any_key_shorter_than_32_bytes_is_refused(raw):
    with pytest.raises(identity.DataKeyError):
        identity.decode_data_key(base64.urlsafe_b64encode(raw).decode())


def test_encryption_and_matching_keys_are_distinct_hkdf_derivations():
    # given the key's two derivations, recomputed here
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    master = identity.decode_data_key(KEY_A)

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=SHA256(), length=32, salt=b"shuniu data key", info=info).derive(
            master
        )

    enc, mac = derive(b"shuniu/id-number/encryption/v2"), derive(b"shuniu/id-number/matching/v2")
    ring = identity._keyring(KEY_A, "", "secret")
    # then the matching key is the one derived for matching, not the encryption key
    assert ring.current.mac_key == mac != enc
    number = "11010519491231002X"
    token = identity._seal(ring.current, number, 5)
    raw = base64.urlsafe_b64decode(token.split(".", 2)[2])
    assert AESGCM(enc).decrypt(raw[:12], raw[12:], b"shuniu/person/5") == number.encode()


def test_a_configured_key_that_is_not_a_key_stops_the_first_use(settings):
    settings.SHUNIU_DATA_KEY = "shortkey"
    with pytest.raises(ImproperlyConfigured, match="SHUNIU_DATA_KEY has 6 bytes"):
        identity.id_hash("11010519491231002X")


# --- tokens ------------------------------------------------------------------------------


def test_a_token_carries_the_key_id_and_opens_only_on_its_row(settings):
    settings.SHUNIU_DATA_KEY = KEY_A
    # when
    token = identity.encrypt("11010519491231002X", row=41)
    # then
    assert token.startswith(f"v2.{identity.data_key_id(KEY_A)}.")
    assert identity.decrypt(token, row=41) == "11010519491231002X"
    with pytest.raises(identity.UndecryptableToken, match="row 42"):
        identity.decrypt(token, row=42)


def test_a_protector_seals_every_number_with_a_nonce_of_its_own_across_blocks(
    settings, monkeypatch
):
    # given a protector drawing its nonces three at a time
    settings.SHUNIU_DATA_KEY = KEY_A
    monkeypatch.setattr(identity, "_NONCES_AT_ONCE", 3)
    protector = identity.Protector()
    numbers = [
        identity.generate_id_number(
            address_code="110101", birth_date=dt.date(1980, 1, 1), sequence=n
        )
        for n in range(7)
    ]
    # when seven numbers are sealed (three blocks)
    tokens = [protector.seal(number, row=100 + n) for n, number in enumerate(numbers)]
    # then each token has its own 12-byte nonce and opens on its row to its number
    prefix = len(f"v2.{identity.data_key_id(KEY_A)}.")
    nonces = {base64.urlsafe_b64decode(token[prefix:])[:12] for token in tokens}
    assert len(nonces) == 7
    assert [identity.decrypt(token, row=100 + n) for n, token in enumerate(tokens)] == numbers


def test_a_cipher_copied_to_another_person_does_not_reveal_the_number(db, settings):
    # given two people, and someone with write access to the table who copies alice's
    # cipher onto bob's row
    settings.SHUNIU_DATA_KEY = KEY_A
    (alice, _), (bob, _) = people(2)
    Person.objects.filter(pk=bob.pk).update(id_cipher=alice.id_cipher)
    bob.refresh_from_db()
    # when an administrator asks for bob's number, then alice's is not shown
    with pytest.raises(Undecryptable) as caught:
        person_id_number(actor=SYSTEM, person=bob, purpose="check")
    assert caught.value.pk == bob.pk


def test_first_scheme_tokens_keep_decrypting_until_rotated(db, settings):
    # given a person stored by the code before key ids (key derived from SECRET_KEY)
    settings.SHUNIU_DATA_KEY = KEY_A
    [(person, number)] = people(1)
    secret = "dev-data-key:" + settings.SECRET_KEY
    Person.objects.filter(pk=person.pk).update(
        id_cipher=v1_token(number, secret), id_hash=v1_hash(number, secret)
    )
    person.refresh_from_db()
    # then the number opens, the person is found by number, and the same number is refused
    assert person_id_number(actor=SYSTEM, person=person, purpose="check") == number
    found, total = person_list(actor=SYSTEM, filters=PersonFilter(q=number))
    assert ([p.pk for p in found], total) == ([person.pk], 1)
    with pytest.raises(ValidationError, match="already registered"):
        person_register(actor=SYSTEM, name="重复", id_number=number)


def test_a_v1_token_of_an_older_data_key_text_opens_when_listed_as_previous(settings):
    settings.SHUNIU_DATA_KEY = KEY_B
    settings.SHUNIU_DATA_KEYS_PREVIOUS = "an old key text"
    token = v1_token("11010519491231002X", "an old key text")
    assert identity.decrypt(token, row=1) == "11010519491231002X"
    settings.SHUNIU_DATA_KEYS_PREVIOUS = ""
    with pytest.raises(identity.UndecryptableToken, match="v1 token of row 1"):
        identity.decrypt(token, row=1)


# --- rotation ----------------------------------------------------------------------------


def test_rotation_interrupted_after_a_batch_resumes_and_the_old_key_can_then_go(db, settings):
    # given five people on key A, then key B made current with A as previous
    settings.SHUNIU_DATA_KEY = KEY_A
    made = people(5)
    kid_a, kid_b = identity.data_key_id(KEY_A), identity.data_key_id(KEY_B)
    settings.SHUNIU_DATA_KEY, settings.SHUNIU_DATA_KEYS_PREVIOUS = KEY_B, KEY_A
    assert kids() == {kid_a: 5}
    calls = []

    def interrupt(done: int, total: int) -> None:
        calls.append((done, total))
        if done:  # Ctrl-C after the first committed batch
            raise KeyboardInterrupt

    # when the rotation is interrupted after its first batch of two
    with pytest.raises(KeyboardInterrupt):
        person_keys_rotate(actor=SYSTEM, batch_size=2, progress=interrupt)
    # then that batch is committed and every row still opens
    assert calls == [(0, 5), (2, 5)]
    assert kids() == {kid_b: 2, kid_a: 3}
    assert [identity.decrypt(p.id_cipher, row=p.pk) for p in Person.objects.order_by("pk")] == [
        n for _, n in made
    ]
    # when it runs again, it resumes with the three rows left
    result = person_keys_rotate(actor=SYSTEM, batch_size=2)
    assert (result.total, result.rotated, result.batches) == (3, 3, 2)
    assert kids() == {kid_b: 5}
    # and with key A removed, every number opens and every hash matches
    settings.SHUNIU_DATA_KEYS_PREVIOUS = ""
    for person, number in made:
        stored = Person.objects.get(pk=person.pk)
        assert identity.decrypt(stored.id_cipher, row=stored.pk) == number
        assert stored.id_hash == identity.id_hash(number)
    # and the trail has one record per batch, none per row, without any number
    records = AuditRecord.objects.filter(action="person.keys.rotate").order_by("id")
    assert [r.after["rows"] for r in records] == [2, 2, 1]
    assert [r.before for r in records] == [{"keys": {kid_a: 2}}] * 2 + [{"keys": {kid_a: 1}}]
    assert not any(n in str(r.after) for r in records for _, n in made)


def test_a_rotation_with_nothing_to_do_writes_nothing(db, settings):
    settings.SHUNIU_DATA_KEY = KEY_A
    people(2)
    result = person_keys_rotate(actor=SYSTEM)
    assert (result.total, result.rotated, result.batches) == (0, 0, 0)
    assert not AuditRecord.objects.filter(action="person.keys.rotate").exists()


def test_first_scheme_rows_rotate_to_the_current_key(db, settings):
    settings.SHUNIU_DATA_KEY = KEY_A
    [(person, number)] = people(1)
    secret = "dev-data-key:" + settings.SECRET_KEY
    Person.objects.filter(pk=person.pk).update(
        id_cipher=v1_token(number, secret), id_hash=v1_hash(number, secret)
    )
    assert kids() == {"v1": 1}
    person_keys_rotate(actor=SYSTEM)
    stored = Person.objects.get()
    assert stored.id_cipher.startswith(f"v2.{identity.data_key_id(KEY_A)}.")
    assert (identity.decrypt(stored.id_cipher, row=stored.pk), stored.id_hash) == (
        number,
        identity.id_hash(number),
    )


def test_a_row_no_key_opens_stops_the_rotation_naming_it_and_its_batch_is_not_written(db, settings):
    # given two people on key A, and key B current without A
    settings.SHUNIU_DATA_KEY = KEY_A
    (first, _), _second = people(2)
    settings.SHUNIU_DATA_KEY = KEY_B
    before = list(Person.objects.order_by("pk").values_list("id_cipher", "id_hash"))
    # when
    with pytest.raises(Undecryptable) as caught:
        person_keys_rotate(actor=SYSTEM)
    # then
    assert caught.value.pk == first.pk
    assert list(Person.objects.order_by("pk").values_list("id_cipher", "id_hash")) == before


def test_during_a_rotation_the_import_matches_people_still_on_the_old_key(db, settings):
    # given a person on key A, key B current with A previous
    settings.SHUNIU_DATA_KEY = KEY_A
    [(person, number)] = people(1)
    settings.SHUNIU_DATA_KEY, settings.SHUNIU_DATA_KEYS_PREVIOUS = KEY_B, KEY_A
    # when a file names the same number
    rows = [PersonRow(row=2, name=person.name, id_number=number, major="社会工作")]
    result = people_import(actor=SYSTEM, rows=rows, dry_run=False)
    # then the stored person is updated, not duplicated
    assert (result.error_count, result.people_created, result.people_updated) == (0, 0, 1)
    assert list(Person.objects.values_list("pk", "major")) == [(person.pk, "社会工作")]


def test_a_new_person_imported_is_sealed_to_its_own_row(db, settings):
    settings.SHUNIU_DATA_KEY = KEY_A
    numbers = [id_number(dt.date(1990, 1, 1)) for _ in range(3)]
    rows = [PersonRow(row=i + 2, name=f"导入{i}", id_number=n) for i, n in enumerate(numbers)]
    result = people_import(actor=SYSTEM, rows=rows, dry_run=False)
    assert result.people_created == 3
    stored = Person.objects.order_by("pk")
    assert [identity.decrypt(p.id_cipher, row=p.pk) for p in stored] == numbers


# --- the command -------------------------------------------------------------------------


def test_keys_status_and_rotate_from_the_command_line(db, settings, capsys):
    settings.SHUNIU_DATA_KEY = KEY_A
    people(3)
    settings.SHUNIU_DATA_KEY, settings.SHUNIU_DATA_KEYS_PREVIOUS = KEY_B, KEY_A
    kid_a, kid_b = identity.data_key_id(KEY_A), identity.data_key_id(KEY_B)
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert out.getvalue().splitlines() == [
        f"current key id: {kid_b}",
        f"{kid_a}\t3\tprevious key: rotate",
    ]
    call_command("keys", "rotate", "--batch-size", "2")
    assert "3 ID numbers moved to key" in capsys.readouterr().err
    out = io.StringIO()
    call_command("keys", "status", "--format", "json", stdout=out)
    assert out.getvalue().replace(" ", "").replace("\n", "") == (
        f'{{"current":"{kid_b}","keys":[{{"kid":"{kid_b}","rows":3,"state":"current"}}]}}'
    )


def test_keys_rotate_refuses_a_batch_size_below_one_in_one_line(db):
    with pytest.raises(CommandError, match="batch_size: The batch size is a whole number"):
        call_command("keys", "rotate", "--batch-size", "0")


def test_keys_generate_prints_a_usable_key(capsys):
    call_command("keys", "generate")
    captured = capsys.readouterr()
    key = captured.out.strip()
    assert len(identity.decode_data_key(key)) == 32
    assert identity.data_key_id(key) in captured.err


def test_keys_rotate_interrupted_says_in_one_line_how_far_it_got(db, settings, monkeypatch):
    # given three people on key A, key B current, and a Ctrl-C after the first batch of two
    settings.SHUNIU_DATA_KEY = KEY_A
    people(3)
    settings.SHUNIU_DATA_KEY, settings.SHUNIU_DATA_KEYS_PREVIOUS = KEY_B, KEY_A
    real = person_keys_rotate

    def interrupted(**kwargs):
        def stop(done: int, total: int) -> None:
            kwargs["progress"](done, total)
            if done:
                raise KeyboardInterrupt

        return real(**{**kwargs, "progress": stop})

    monkeypatch.setattr("shuniu.workforce.management.commands.keys.person_keys_rotate", interrupted)
    # when
    with pytest.raises(CommandError) as caught:
        call_command("keys", "rotate", "--batch-size", "2")
    # then
    assert str(caught.value) == (
        "Interrupted after 2 rows (all committed); run shuniu keys rotate again to resume."
    )
    assert caught.value.returncode == 130
    assert kids() == {identity.data_key_id(KEY_B): 2, identity.data_key_id(KEY_A): 1}


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2010, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
    row=st.integers(min_value=1, max_value=2**62),
    other=st.integers(min_value=1, max_value=2**62),
)
def test_any_number_opens_on_its_own_row_and_on_no_other(birth, sequence, row, other):
    number = identity.generate_id_number(address_code="110102", birth_date=birth, sequence=sequence)
    token = identity.encrypt(number, row=row)
    assert identity.decrypt(token, row=row) == number
    assert number not in token
    if other != row:
        with pytest.raises(identity.UndecryptableToken):
            identity.decrypt(token, row=other)


def test_numbers_stored_before_a_data_key_was_set_open_until_rotated(db, settings):
    # given a person stored with the development key (derived from SECRET_KEY)
    settings.SHUNIU_DATA_KEY = ""
    [(person, number)] = people(1)
    development = identity.current_kid()
    # when a real key is set, then the number still opens and the row shows as to rotate
    settings.SHUNIU_DATA_KEY = KEY_A
    assert identity.decrypt(Person.objects.get().id_cipher, row=person.pk) == number
    assert [(c.kid, c.rows, c.state) for c in person_key_counts()] == [(development, 1, "previous")]
    person_keys_rotate(actor=SYSTEM)
    assert kids() == {identity.data_key_id(KEY_A): 1}
