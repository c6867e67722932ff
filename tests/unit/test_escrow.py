"""The device's half of key escrow (``security/escrow.py``): the box the server keeps is not the
key, opens only on this device, for this store and this key generation."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from centre_desk.domain.errors import StoreError
from centre_desk.security import escrow


def _ticket(tmp_path: Path) -> escrow.EscrowTicket:
    return escrow.create(tmp_path / "escrow.json", "https://sync.example.org", "ab" * 32, "device-1")


def test_the_box_opens_with_the_device_secret_and_holds_no_spelling_of_the_key(tmp_path: Path) -> None:
    ticket = _ticket(tmp_path)
    key = bytes(range(32))
    box = ticket.seal(key, "store-1", 3)
    text = json.dumps(box)
    for spelling in (key.hex(), base64.b64encode(key).decode()):
        assert spelling not in text
    assert box["generation"] == 3 and len(box["release_hash"]) == 64
    again = escrow.load(tmp_path / "escrow.json")
    assert again is not None and bytes(again.unseal(box, "store-1", 3)) == key


def test_a_box_for_another_store_generation_or_device_opens_nothing(tmp_path: Path) -> None:
    ticket = _ticket(tmp_path)
    box = ticket.seal(bytes(32), "store-1", 3)
    with pytest.raises(StoreError, match="out of date"):
        ticket.unseal(box, "store-1", 4)
    with pytest.raises(StoreError, match="does not belong"):
        ticket.unseal(box, "store-2", 3)
    other = escrow.create(tmp_path / "other.json", "https://sync.example.org", None, "device-1")
    with pytest.raises(StoreError, match="does not belong"):
        other.unseal(box, "store-1", 3)
    forged = {**box, "generation": 4}
    with pytest.raises(StoreError, match="does not belong"):
        ticket.unseal(forged, "store-1", 4)  # the generation is bound into the box


def test_the_release_token_is_not_the_share_and_nothing_secret_is_shown(tmp_path: Path) -> None:
    ticket = _ticket(tmp_path)
    token = ticket.release_token()
    assert token.startswith("cdr_") and token == _reload(tmp_path).release_token()
    secret = json.loads((tmp_path / "escrow.json").read_text())["secret"]
    assert secret not in repr(ticket) and token not in repr(ticket)
    assert stat.S_IMODE((tmp_path / "escrow.json").stat().st_mode) == 0o600
    assert escrow.create(tmp_path / "escrow.json", "https://x.example", None, "d").release_token() != token


def _reload(tmp_path: Path) -> escrow.EscrowTicket:
    loaded = escrow.load(tmp_path / "escrow.json")
    assert loaded is not None
    return loaded


def test_a_damaged_file_is_a_clear_error_and_a_missing_one_means_not_enrolled(tmp_path: Path) -> None:
    assert escrow.load(tmp_path / "none.json") is None
    (tmp_path / "bad.json").write_text('{"format": "centre-desk-escrow/1", "secret": "!!"}')
    with pytest.raises(StoreError, match="damaged"):
        escrow.load(tmp_path / "bad.json")
