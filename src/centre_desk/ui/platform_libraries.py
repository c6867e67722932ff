"""Before Qt starts on Linux: are the system libraries its X11 (xcb) platform plug-in needs there?

Without them Qt prints "could not load the Qt platform plugin "xcb" ... even though it was
found", which sends people reinstalling Qt. A bare Debian desktop lacks ``libxcb-icccm4``,
``libxcb-keysyms1`` and others, so the app reads the plug-in's own list of libraries (the ELF
``DT_NEEDED`` entries), tries each the way the dynamic loader would, and names what is missing and
the packages to install, in one line. No Qt is imported here; ctypes and the file are enough.
"""

from __future__ import annotations

import ctypes
import struct
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib.util import find_spec
from pathlib import Path

PLUGIN = "libqxcb.so"
# Debian packages by library name (the part before ".so"); names not listed are shown as they are.
DEBIAN_PACKAGES = {
    "libxcb": "libxcb1",
    "libxcb-cursor": "libxcb-cursor0",
    "libxcb-icccm": "libxcb-icccm4",
    "libxcb-image": "libxcb-image0",
    "libxcb-keysyms": "libxcb-keysyms1",
    "libxcb-randr": "libxcb-randr0",
    "libxcb-render": "libxcb-render0",
    "libxcb-render-util": "libxcb-render-util0",
    "libxcb-shape": "libxcb-shape0",
    "libxcb-shm": "libxcb-shm0",
    "libxcb-sync": "libxcb-sync1",
    "libxcb-util": "libxcb-util1",
    "libxcb-xfixes": "libxcb-xfixes0",
    "libxcb-xinerama": "libxcb-xinerama0",
    "libxcb-xkb": "libxcb-xkb1",
    "libxkbcommon": "libxkbcommon0",
    "libxkbcommon-x11": "libxkbcommon-x11-0",
    "libX11": "libx11-6",
    "libX11-xcb": "libx11-xcb1",
    "libGL": "libgl1",
    "libEGL": "libegl1",
    "libOpenGL": "libopengl0",
    "libfontconfig": "libfontconfig1",
    "libdbus-1": "libdbus-1-3",
    "libglib-2.0": "libglib2.0-0",
    "libgthread-2.0": "libglib2.0-0",
}

_DT_NEEDED, _DT_STRTAB, _PT_LOAD, _PT_DYNAMIC = 1, 5, 1, 2

Loader = Callable[[str], object]


def needed_libraries(path: Path) -> list[str]:
    """The shared libraries an ELF file asks for by name; [] when it is not a 64-bit little-endian ELF."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads: list[tuple[int, int, int]] = []
    dynamic: tuple[int, int] | None = None
    for i in range(phnum):
        p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == _PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == _PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return []
    entries = [struct.unpack_from("<qQ", data, dynamic[0] + off) for off in range(0, dynamic[1], 16)]
    strtab_addr = next((value for tag, value in entries if tag == _DT_STRTAB), None)
    if strtab_addr is None:
        return []
    # DT_STRTAB is an address in memory; the loadable segment holding it says where it is in the file.
    strtab = next((offset + strtab_addr - vaddr for vaddr, offset, size in loads
                   if vaddr <= strtab_addr < vaddr + size), None)
    if strtab is None:
        return []
    names = []
    for tag, value in entries:
        if tag == _DT_NEEDED:
            start = strtab + value
            names.append(data[start:data.index(b"\0", start)].decode("ascii", "replace"))
    return names


def _pyside_dir() -> Path | None:
    spec = find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _can_load(name: str, load: Loader) -> bool:
    try:
        load(name)
    except OSError:
        return False
    return True


def missing_libraries(plugin: Path, bundled_dirs: Sequence[Path], load: Loader = ctypes.CDLL) -> list[str]:
    """The libraries ``plugin`` needs, directly or through Qt's own libraries, that cannot be loaded.

    A library found in ``bundled_dirs`` (Qt's ``lib`` folder, a frozen bundle) is shipped with the
    app, and what it needs is checked in turn; any other is left to the system's loader.
    """
    missing: list[str] = []
    seen: set[str] = set()
    pending = needed_libraries(plugin)
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        shipped = next((d / name for d in bundled_dirs if (d / name).is_file()), None)
        if shipped is not None:
            # Only Qt's xcb glue is followed: Core and Gui already loaded when PySide6 was imported.
            if name.startswith("libQt6XcbQpa"):
                pending.extend(needed_libraries(shipped))
        elif not _can_load(name, load):
            missing.append(name)
    return missing


def uses_xcb(environ: Mapping[str, str], qt_args: Sequence[str]) -> bool:
    """Whether Qt will start on X11 through xcb, as Qt 6 decides it on Linux."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if "-platform" in qt_args[:-1]:
        chosen = qt_args[qt_args.index("-platform") + 1]
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    # Unset: Qt tries Wayland first in a Wayland session (and falls back to xcb only if that fails).
    return not (environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"))


def platform_problem(environ: Mapping[str, str], qt_args: Sequence[str], load: Loader = ctypes.CDLL) -> str | None:
    """One line naming the missing libraries and the packages that hold them; None when Qt can start."""
    if not uses_xcb(environ, qt_args):
        return None
    if not environ.get("DISPLAY") and "-display" not in qt_args:
        # Qt blames a missing xcb-cursor library for this too.
        return ("the window cannot open: there is no X display (DISPLAY is not set); start it from a "
                "desktop session")
    pyside = _pyside_dir()
    plugin_dir = Path(environ["QT_QPA_PLATFORM_PLUGIN_PATH"]) if environ.get("QT_QPA_PLATFORM_PLUGIN_PATH") else (
        pyside / "Qt" / "plugins" / "platforms" if pyside is not None else None)
    if plugin_dir is None or not (plugin_dir / PLUGIN).is_file():
        return None  # not the layout this knows; Qt's own message will have to do
    bundled = [pyside / "Qt" / "lib"] if pyside is not None else []
    if getattr(sys, "frozen", False):
        bundled.append(Path(getattr(sys, "_MEIPASS", "")))
    try:
        missing = missing_libraries(plugin_dir / PLUGIN, bundled, load)
    except (OSError, struct.error, ValueError):
        return None
    if not missing:
        return None
    packages = sorted({DEBIAN_PACKAGES[stem] for name in missing if (stem := name.split(".so")[0]) in DEBIAN_PACKAGES})
    how = (f"on Debian or Ubuntu install them with: sudo apt install {' '.join(packages)}" if packages
           else "install the packages that provide them")
    return (f"the window cannot open: Qt's X11 (xcb) platform plug-in needs {', '.join(missing)}, missing on "
            f"this machine; {how}")
