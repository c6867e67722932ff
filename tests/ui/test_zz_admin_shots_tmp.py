from __future__ import annotations

from PySide6.QtWidgets import QApplication

from centre_desk.domain.staff import Role
from centre_desk.services.staff import add_staff
from tests.conftest import STAFF_RULES

from .test_admin_window import open_as, idle

OUT = "/tmp/admin-shots"


def test_shots(qtbot, store, tasks, shell_factory, family, tmp_path):  # type: ignore[no-untyped-def]
    main = open_as(qtbot, store, tasks, shell_factory, Role.ADMINISTRATOR)
    add_staff(main.session, "jo.ward", Role.OUTREACH, "a long desk password", "Jo Ward", **STAFF_RULES)
    main.resize(1024, 768)
    idle(qtbot, tasks)
    main.admin.recovery_panel.words.setText("This store has no working recovery key: if every administrator forgets their password, nobody can open it. Make a new recovery key now.")
    main.admin.recovery_panel.show()
    qtbot.wait(100)
    main.grab().save(f"{OUT}/start.png")
    main.admin.recovery_panel.hide()
    main.admin.show_staff(); qtbot.waitUntil(lambda: main.admin.staff_page.model.rowCount() == 2); idle(qtbot, tasks); qtbot.wait(50)
    main.grab().save(f"{OUT}/staff.png")
    d = main.admin.staff_page.add(); qtbot.waitExposed(d); d.grab().save(f"{OUT}/add-staff.png"); d.reject()
    main.admin.staff_page.select("jo.ward")
    q = main.admin.staff_page.disable(); qtbot.waitExposed(q); qtbot.wait(50); q.grab().save(f"{OUT}/disable.png"); q.reject()
    main.admin.show_backups(); qtbot.wait(50); main.grab().save(f"{OUT}/backups.png")
    bad = tmp_path / "list.csv"
    bad.write_text("household,first_name,last_name,date_of_birth,role,address_line1,town,postcode\n"
                   "A,Zofia,Nowak,1990-13-01,parent,1 Sea Road,Clevedon,BS21 7AA\n"
                   "B,Adam,Nowak,2020-05-05,child,,Clevedon,XX\n", encoding="utf-8")
    main.admin.show_import(); main.admin.import_page.file.setText(str(bad)); main.admin.import_page.check()
    qtbot.waitUntil(lambda: main.admin.import_page.problems.rowCount() > 0, timeout=15000); qtbot.wait(50)
    main.grab().save(f"{OUT}/import-problems.png")
    good = tmp_path / "good.csv"
    good.write_text("household,first_name,last_name,date_of_birth,role,address_line1,town,postcode\n"
                    "OLD-1,Zofia,Nowak,1990-01-01,parent,1 Sea Road,Clevedon,BS21 7AA\n", encoding="utf-8")
    main.admin.import_page.file.setText(str(good)); main.admin.import_page.check()
    qtbot.waitUntil(main.admin.import_page.import_button.isEnabled, timeout=15000)
    main.admin.import_page.run_import()
    qtbot.waitUntil(lambda: "Imported" in main.admin.import_page.summary.text(), timeout=15000); qtbot.wait(50)
    main.grab().save(f"{OUT}/import-done.png")
    main.admin.show_audit(); qtbot.waitUntil(lambda: main.admin.audit_page.model.rowCount() > 0, timeout=15000)
    main.admin.audit_page.verify(); qtbot.waitUntil(lambda: "intact" in main.admin.audit_page.chain.text(), timeout=15000)
    qtbot.wait(50); main.grab().save(f"{OUT}/audit.png")
    b = main.admin.blank_form(); qtbot.waitExposed(b); b.grab().save(f"{OUT}/blank.png"); b.reject()
    from centre_desk.ui.admin.recovery import NewRecoveryKeyDialog
    k = NewRecoveryKeyDialog("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789", main.printing.printer, main); k.open(); qtbot.waitExposed(k); k.grab().save(f"{OUT}/newkey.png"); k.stored.setChecked(True); k.accept()
    main.resize(1920, 1080); qtbot.wait(50); main.grab().save(f"{OUT}/audit-1920.png")
    main.sign_out_action.trigger()
    from centre_desk.ui.signin import SignInWindow
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), SignInWindow), timeout=20000)
    w = QApplication.activeWindow(); w.grab().save(f"{OUT}/signin.png")
    r = w.open_restore(); qtbot.waitExposed(r); r.grab().save(f"{OUT}/restore.png"); r.reject()
