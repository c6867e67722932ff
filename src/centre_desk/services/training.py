"""Training stores: a separate store full of synthetic families for practising on.

A training store lives in its own data directory beside the real one, ``<data dir>-training``
(for example ``~/.local/share/CentreDesk-training``), so that practice records can never end up
in the real store. The set-up wizard makes it, when asked, straight after the real store and for
the same administrator; ``centre-desk --training`` opens it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from centre_desk.domain.clock import Clock

from .ports import PasswordPolicy, StoreGate
from .setup import CentreDetails, SetupResult, initialise_store

TRAINING_SUFFIX = "-training"
TRAINING_HOUSEHOLDS = 200


def training_data_dir(data_dir: Path) -> Path:
    """Where the training store of the desk whose data directory is ``data_dir`` lives."""
    data_dir = Path(data_dir)
    if data_dir.name.endswith(TRAINING_SUFFIX):
        return data_dir
    return data_dir.with_name(data_dir.name + TRAINING_SUFFIX)


def create_training_store(gate: StoreGate, details: CentreDetails, admin_username: str, admin_password: str,
                          clock: Clock, policy: PasswordPolicy, households: int = TRAINING_HOUSEHOLDS,
                          seed: int = 1) -> SetupResult:
    """Set up a store marked as training (``gate`` must be the training directory's) and fill it
    with ``households`` synthetic households, so that search and duplicate checks have something
    to find from the first minute."""
    # Imported here: the composition root asks for training_data_dir before its first window is
    # up, and demo data pulls in the form definitions and their YAML parser.
    from .demo_data import make_demo_households

    result = initialise_store(gate, replace(details, training=True), admin_username, admin_password, clock, policy)
    try:
        make_demo_households(result.session, households, seed)
    except BaseException:
        result.session.store.lock()
        raise
    return result
