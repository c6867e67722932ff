"""Issue 8: on a bare Debian desktop Qt said its xcb plug-in "was found" but could not load, and
nothing named the missing libraries. The app now reads the plug-in's needs and names them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from centre_desk.ui.platform_libraries import missing_libraries, needed_libraries, platform_problem, uses_xcb

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plug-in is Linux only")

PYSIDE = Path(__import__("PySide6").__file__).parent
PLUGIN = PYSIDE / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def loader_without(*absent: str):  # type: ignore[no-untyped-def]
    def load(name: str) -> object:
        if name in absent:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()
    return load


def test_the_plugins_own_list_of_libraries_is_read() -> None:
    needed = needed_libraries(PLUGIN)
    assert "libQt6XcbQpa.so.6" in needed
    assert {"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb.so.1"} <= set(needed)


def test_a_missing_library_is_named_with_its_debian_package() -> None:
    env = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}
    load = loader_without("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    assert missing_libraries(PLUGIN, [PYSIDE / "Qt" / "lib"], load) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    problem = platform_problem(env, [], load)
    assert problem is not None
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in problem
    assert problem.endswith("sudo apt install libxcb-icccm4 libxcb-keysyms1")
    assert "\n" not in problem
    assert platform_problem(env, [], loader_without()) is None


def test_only_xcb_is_checked() -> None:
    load = loader_without("libxcb-icccm.so.4")
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}, [], load) is None
    assert platform_problem({"QT_QPA_PLATFORM": "wayland"}, [], load) is None
    assert uses_xcb({}, ["-platform", "xcb"]) and not uses_xcb({"QT_QPA_PLATFORM": "xcb"}, ["-platform", "offscreen"])
    assert not uses_xcb({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, [])
    assert uses_xcb({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, [])


def test_the_app_prints_one_line_and_exits_when_a_library_is_missing(tmp_path: Path) -> None:
    """A real process over a copy of the real plug-in whose list names a library no machine has."""
    plugins = tmp_path / "platforms"
    plugins.mkdir()
    data = PLUGIN.read_bytes()
    assert data.count(b"libxcb-icccm.so.4\0") == 1
    (plugins / "libqxcb.so").write_bytes(data.replace(b"libxcb-icccm.so.4\0", b"libxcb-icccm.so.9\0"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CENTRE_DESK_", "QT_"))}
    env |= {"QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORM_PLUGIN_PATH": str(plugins), "DISPLAY": ":99"}
    r = subprocess.run([sys.executable, "-m", "centre_desk.app", "--data-dir", str(tmp_path / "data")],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("centre-desk: the window cannot open")
    assert "libxcb-icccm.so.9" in lines[0] and "libxcb-icccm4" in lines[0]
    assert "even though it was found" not in r.stderr
    assert not (tmp_path / "data").exists()


def test_no_display_is_said_plainly() -> None:
    problem = platform_problem({"QT_QPA_PLATFORM": "xcb"}, [], loader_without())
    assert problem is not None and "no X display" in problem
