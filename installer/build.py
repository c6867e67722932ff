"""Build the frozen Centre Desk app for this platform. One command, from the repository root:

    python installer/build.py

It renders the icons if the SVG changed, runs PyInstaller with ``installer/centre-desk.spec``
(one folder, ``dist/centre-desk/``, holding ``centre-desk`` and ``centre-desk-admin`` over one
shared set of libraries), and on Linux packs ``dist/centre-desk-<version>-linux-x86_64.tar.gz``
with the folder, the ``.desktop`` file and the icon. On Windows the next step is
``iscc installer\\windows\\centre-desk.iss`` (see installer/README.md).

Prints one JSON line: bundle size in MB, archive size, and build time in seconds.

Options: ``--icons`` only re-renders the icons; ``--clean`` empties PyInstaller's cache first;
``--no-archive`` skips the Linux archive.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "centre-desk.spec"
DIST = ROOT / "dist"
WORK = HERE / "build"
APP_DIR_NAME = "centre-desk"
ICON_SVG = ROOT / "resources" / "icons" / "centre-desk.svg"
ICON_PNG = ROOT / "resources" / "icons" / "centre-desk.png"
ICON_ICO = WORK / "centre-desk.ico"
DESKTOP_FILE = HERE / "linux" / "centre-desk.desktop"
ICON_SIZE = 256

INSTALL_TXT = """\
Centre Desk {version} for Linux (x86-64)
=========================================

Install (or upgrade: the same steps replace the program and never touch staff data, which lives
in each user's ~/.local/share/CentreDesk):

    sudo rm -rf /opt/centre-desk
    sudo cp -a centre-desk /opt/centre-desk
    sudo install -Dm644 centre-desk.desktop /usr/share/applications/centre-desk.desktop
    sudo install -Dm644 centre-desk.png /usr/share/icons/hicolor/256x256/apps/centre-desk.png
    sudo install -Dm644 centre-desk.svg /usr/share/icons/hicolor/scalable/apps/centre-desk.svg

Then start "Centre Desk" from the applications menu. Administration without a window:

    /opt/centre-desk/centre-desk-admin --help

The Qt platform plug-in needs the usual X11/xcb libraries, present on any desktop
(on Debian/Ubuntu: libxcb-cursor0 libxkbcommon-x11-0 libegl1).
"""


def version() -> str:
    text = (ROOT / "src" / "centre_desk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit("build.py: cannot find __version__ in src/centre_desk/__init__.py")
    return match.group(1)


def platform_tag() -> str:
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    return f"{system}-{machine}"


def render_icons(force: bool = False) -> list[str]:
    """The 256 px PNG (kept in the repository) and, for Windows, an ICO in the build folder.

    Rendered with Qt's SVG renderer so the PNG always matches the SVG it comes from.
    """
    written: list[str] = []
    need_png = force or not ICON_PNG.exists() or ICON_PNG.stat().st_mtime < ICON_SVG.stat().st_mtime
    need_ico = sys.platform == "win32" and (force or not ICON_ICO.exists())
    if not (need_png or need_ico):
        return written
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(ICON_SVG))
    if not renderer.isValid():
        raise SystemExit(f"build.py: {ICON_SVG} is not a valid SVG")
    image = QImage(ICON_SIZE, ICON_SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if need_png:
        if not image.save(str(ICON_PNG), "PNG"):
            raise SystemExit(f"build.py: could not write {ICON_PNG}")
        written.append(str(ICON_PNG.relative_to(ROOT)))
    if need_ico:
        WORK.mkdir(parents=True, exist_ok=True)
        if not image.save(str(ICON_ICO), "ICO"):
            raise SystemExit(f"build.py: could not write {ICON_ICO}")
        written.append(str(ICON_ICO.relative_to(ROOT)))
    del app
    return written


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def run_pyinstaller(clean: bool) -> None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit("build.py: PyInstaller is not installed: run  "
                         "pip install --require-hashes -r requirements/installer.lock") from None
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(WORK)]
    if clean:
        cmd.append("--clean")
    cmd.append(str(SPEC))
    subprocess.run(cmd, check=True, cwd=ROOT)


def _tar_filter(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def make_archive(app_dir: Path, ver: str) -> Path:
    base = f"centre-desk-{ver}"
    out = DIST / f"{base}-{platform_tag()}.tar.gz"
    part = out.with_name(out.name + ".part")
    with tarfile.open(part, "w:gz", compresslevel=6) as tar:
        tar.add(app_dir, arcname=f"{base}/{APP_DIR_NAME}", filter=_tar_filter)
        tar.add(DESKTOP_FILE, arcname=f"{base}/centre-desk.desktop", filter=_tar_filter)
        tar.add(ICON_PNG, arcname=f"{base}/centre-desk.png", filter=_tar_filter)
        tar.add(ICON_SVG, arcname=f"{base}/centre-desk.svg", filter=_tar_filter)
        install = INSTALL_TXT.format(version=ver).encode("utf-8")
        info = _tar_filter(tarfile.TarInfo(f"{base}/INSTALL.txt"))
        info.size, info.mode, info.mtime = len(install), 0o644, int(time.time())
        import io

        tar.addfile(info, io.BytesIO(install))
    os.replace(part, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the frozen Centre Desk app (see installer/README.md).")
    parser.add_argument("--icons", action="store_true", help="only re-render the icons from the SVG")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--no-archive", action="store_true", help="do not make the Linux .tar.gz")
    args = parser.parse_args(argv)

    if args.icons:
        print(json.dumps({"icons": render_icons(force=True)}))
        return 0

    started = time.perf_counter()
    ver = version()
    icons = render_icons()
    app_dir = DIST / APP_DIR_NAME
    if app_dir.exists():
        shutil.rmtree(app_dir)
    t0 = time.perf_counter()
    run_pyinstaller(args.clean)
    pyinstaller_s = time.perf_counter() - t0
    exe = app_dir / ("centre-desk-admin.exe" if sys.platform == "win32" else "centre-desk-admin")
    if not exe.is_file():
        raise SystemExit(f"build.py: PyInstaller finished but {exe} is missing")

    result: dict[str, object] = {
        "version": ver,
        "platform": platform_tag(),
        "bundle_dir": str(app_dir.relative_to(ROOT)),
        "bundle_mb": round(folder_size(app_dir) / 1_000_000, 1),
        "icons_rendered": icons,
        "pyinstaller_s": round(pyinstaller_s, 1),
    }
    if sys.platform.startswith("linux") and not args.no_archive:
        t1 = time.perf_counter()
        archive = make_archive(app_dir, ver)
        result["archive"] = str(archive.relative_to(ROOT))
        result["archive_mb"] = round(archive.stat().st_size / 1_000_000, 1)
        result["archive_s"] = round(time.perf_counter() - t1, 1)
    elif sys.platform == "win32":
        (WORK / "version.ini").write_text(f"[app]\nversion={ver}\n", encoding="ascii")
        result["next"] = r"iscc installer\windows\centre-desk.iss"
    result["build_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
