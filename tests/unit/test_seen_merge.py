"""Who has seen a household across devices: which households an audit entry names, and the merge
of this desk's list with the server's entries (pure functions, no store, no server)."""

from __future__ import annotations

from typing import Any

from centre_desk.domain.audit import LISTING_ACTIONS, households_shown
from centre_desk.services.disclosures import DISCLOSURE_LOG, THIS_DEVICE, Receipt
from centre_desk.services.households import SEARCHED
from centre_desk.services.seen import device_label, merge_receipts
from centre_desk.services.sessions import REGISTER_VIEWED

H1 = "0192f0a0-0000-7000-8000-000000000001"
H2 = "0192f0a0-0000-7000-8000-000000000002"
OWN = "0192f0a0-1111-7000-8000-00000000aaaa"
OTHER = "0192f0a0-2222-7000-8000-00000000bbbb"


def test_the_entries_that_name_a_household() -> None:
    assert households_shown("household.viewed", H1, None) == (H1,)
    assert households_shown("print.summary", H1, None) == (H1,)
    assert households_shown("export.portability", H1, "6 files") == (H1,)
    assert households_shown("subject-access.previewed", H1, None) == (H1,)
    assert households_shown(SEARCHED, None, f"2 shown: {H1} {H2}") == (H1, H2)
    assert households_shown(REGISTER_VIEWED, "session-id", f"1 shown: {H2}") == (H2,)
    assert {SEARCHED, REGISTER_VIEWED} <= set(LISTING_ACTIONS)  # the services' names are the domain's
    # Not about a household, or naming none: nothing.
    assert households_shown("sign-in", None, None) == ()
    assert households_shown("household.edited", H1, None) == ()
    assert households_shown("print.recovery-sheet", None, None) == ()
    assert households_shown(SEARCHED, None, "no ids here") == ()
    assert households_shown(SEARCHED, None, "1 shown: <script> " + H1) == (H1,)  # only id-shaped words


def _remote(device: str, seq: int, at: str, action: str, actor: str = "s-bob", username: str | None = "bob",
            hash_: str | None = None) -> dict[str, Any]:
    return {"device_id": device, "device_enrolled_by": "alice", "device_enrolled_at": "2026-03-01T09:00:00+00:00",
            "device_revoked": False, "seq": seq, "at": at, "actor_id": actor, "actor_username": username,
            "action": action, "hash": hash_ or f"{device}:{seq}"}


def test_merge_lists_other_devices_once_with_their_device_and_drops_this_desks_own() -> None:
    local = [Receipt("2026-03-02T10:00:00+00:00", "alice", "opened the household", THIS_DEVICE, OWN),
             Receipt("2026-03-02", "Public health teams", "received: names (purpose; consent)", DISCLOSURE_LOG)]
    remote = [
        _remote(OTHER, 7, "2026-03-02T12:00:00+00:00", "print.summary"),
        _remote(OTHER, 5, "2026-03-02T11:00:00Z", "household.viewed"),
        _remote(OWN, 3, "2026-03-02T10:00:00+00:00", "household.viewed", "s-alice", "alice"),  # ours, pushed
        # This desk's chain under an older enrolment's device id: recognised by its hash.
        _remote("0192f0a0-3333-7000-8000-00000000cccc", 2, "2026-03-01T10:00:00+00:00", "household.viewed",
                hash_="local-hash"),
        _remote(OTHER, 9, "2026-03-03T08:00:00+00:00", "household.searched", "s-carol", None),
    ]
    merged, added = merge_receipts(local, frozenset({"local-hash"}), remote, OWN, {"s-carol": "carol"})
    assert added == 3
    assert [(r.who, r.what, r.device_id) for r in merged] == [
        ("Public health teams", "received: names (purpose; consent)", None),
        ("alice", "opened the household", OWN),
        ("bob", "opened the household", OTHER),
        ("bob", "printed summary", OTHER),
        ("carol", "saw it in search results", OTHER),  # the username this desk knows, when the server has none
    ]
    assert merged[2].at == "2026-03-02T11:00:00+00:00"  # times in one form, so they sort together
    assert merged[2].device == device_label(remote[1]) == "device …0000bbbb, enrolled by alice"
    assert merged[1].device == THIS_DEVICE


def test_merge_without_the_server_is_the_local_list() -> None:
    local = [Receipt("2026-03-02T10:00:00+00:00", "alice", "printed summary", THIS_DEVICE, None)]
    assert merge_receipts(local, frozenset(), [], None, {}) == (local, 0)
    assert device_label({"device_id": OTHER, "device_enrolled_by": None, "device_revoked": True}) == \
        "device …0000bbbb (revoked)"
