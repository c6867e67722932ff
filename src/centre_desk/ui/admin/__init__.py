"""Running the desk from the window: staff, backups, import, blank forms, the audit trail, the
recovery key. ``AdminDesk`` (``desk.py``) plugs them into the main window for those allowed."""
