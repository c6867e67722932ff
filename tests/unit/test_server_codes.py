"""Enrolment code format, username folding, the password policy, URL masking, loopback checks."""

from __future__ import annotations

import pytest

from centre_desk.domain.errors import ValidationFailed
from centre_desk.server.codes import EnrolmentCode, new_code, parse_code
from centre_desk.server.config import mask_url, scrub
from centre_desk.server.credentials import check_strength, fold_username, hash_password, verify_password
from centre_desk.server.serve import check_options, is_loopback

FINGERPRINT = "ab" * 32


@pytest.mark.parametrize("fingerprint", [None, FINGERPRINT])
def test_a_code_reads_back_as_written_however_it_is_typed(fingerprint: str | None) -> None:
    code = new_code(fingerprint)
    text = str(code)
    assert len(text.replace("-", "")) == (37 if fingerprint is None else 88)
    for typed in (text, text.lower(), text.replace("-", ""), " ".join(text.split("-"))):
        again = parse_code(typed)
        assert again.secret == code.secret and again.fingerprint == fingerprint


def test_every_single_letter_typo_is_caught_or_reported() -> None:
    # A fixed code: the 16-bit check misses about one random typo in 65,536, so a random code
    # would make this test fail now and then for no fault of the code.
    text = str(EnrolmentCode(bytes(range(20)), FINGERPRINT)).replace("-", "")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    undetected = 0
    for i in range(len(text)):  # 55 bytes are exactly 88 letters: no padding bits to change harmlessly
        wrong = text[:i] + alphabet[(alphabet.index(text[i]) + 1) % 32] + text[i + 1:]
        try:
            parse_code(wrong)
            undetected += 1
        except ValidationFailed as exc:
            assert exc.problems[0].field == "code"
            assert wrong not in str(exc)
    assert undetected == 0


@pytest.mark.parametrize(("typed", "problem"), [
    ("ABC-1", "not an enrolment code"), ("AAAAA-AAAAA", "wrong length"), ("", "wrong length")])
def test_a_code_that_is_not_a_code_is_named_plainly(typed: str, problem: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_code(typed)
    assert problem in str(err.value)


def test_usernames_fold_with_nfkc_and_case() -> None:
    assert fold_username(" ＡＬＩ ") == fold_username("ali") == fold_username("Ali") == "ali"
    assert fold_username("Straße") == fold_username("STRASSE")
    assert fold_username("ali") != fold_username("all")


@pytest.mark.parametrize("weak", ["Password123!", "aaaaaaaaaaaa", "qwertyuiop", "kim-kim-kim-kim"])
def test_guessable_passwords_are_refused(weak: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_strength(weak, "kim", "Somerset Children's Services")
    assert err.value.problems[0].field == "password" and weak not in str(err.value)


def test_the_username_and_organisation_count_as_guessable() -> None:
    check_strength("Mendip Centre Team", "someone")  # acceptable without context...
    with pytest.raises(ValidationFailed):
        check_strength("Mendip Centre Team", "someone", "Mendip Centre Team")


def test_a_strong_password_hashes_with_argon2id_and_verifies() -> None:
    password = check_strength("purple elephant trombone", "kim")
    stored = hash_password(password)
    assert stored.startswith("$argon2id$") and password not in stored
    assert verify_password(stored, password)
    assert not verify_password(stored, password + "x")
    assert not verify_password(None, password)  # unknown user: same work, never true
    assert not verify_password("not a hash", password)


def test_database_urls_are_shown_without_their_password() -> None:
    url = "postgresql://desk:S3cret-pw@db.example:5432/centre"
    assert mask_url(url) == "postgresql://desk:***@db.example:5432/centre"
    assert "S3cret-pw" not in scrub(f"could not connect with {url} (password S3cret-pw)", url)
    assert mask_url("sqlite:////var/lib/cd/server.db") == "sqlite:////var/lib/cd/server.db"


def test_plain_http_only_on_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("desk.example")  # noqa: S104
    check_options("127.0.0.1", 8765, 2, None, None)
    with pytest.raises(ValidationFailed) as err:
        check_options("192.168.1.10", 8765, 1, None, None)
    assert err.value.problems[0].field == "--host"
    for bad in ((0, 1), (8765, 0), (70000, 1)):
        with pytest.raises(ValidationFailed):
            check_options("127.0.0.1", bad[0], bad[1], None, None)
