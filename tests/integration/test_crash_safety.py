"""A process killed in the middle of writing leaves a store that opens with every committed change."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from centre_desk.services.audit import verify_audit
from centre_desk.services.auth import sign_in, sign_out
from tests.conftest import ADMIN, ADMIN_PASSWORD

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from centre_desk.wiring import Wiring
    from centre_desk.services.auth import sign_in
    w = Wiring(Path(sys.argv[1]))
    s = sign_in(w.gate, w.throttle, w.clock, sys.argv[2], sys.argv[3])
    i = 0
    while True:
        i += 1
        with s.uow() as uow:
            uow.settings.set("crash-test-counter", str(i))
            s.audit(uow, "test.write", detail=str(i))
            uow.commit()
        print(i, flush=True)
    """
)


def test_kill_during_writes_loses_no_committed_change(store, wiring) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store.data_dir), ADMIN, ADMIN_PASSWORD],
        stdout=subprocess.PIPE, text=True, env={**os.environ},
    )
    assert proc.stdout is not None
    last_committed = 0
    for line in proc.stdout:
        last_committed = int(line)
        if last_committed >= 150:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert last_committed >= 150

    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    with session.uow() as uow:
        counter = int(uow.settings.get("crash-test-counter") or 0)
        writes = [e for e in uow.audit.entries() if e.action == "test.write"]
    assert counter >= last_committed
    assert len(writes) == counter
    report = verify_audit(session)
    assert report.intact, report
    sign_out(session)
