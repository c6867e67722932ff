"""The bundled DejaVu fonts (``resources/fonts/``), registered with ReportLab once per process.

Only these fonts are used in Centre Desk's PDFs. ReportLab embeds a subset of every TrueType font
it draws with, so a printed name looks the same on any computer, whatever fonts it has installed.
The family mapping makes ``<b>`` and ``<i>`` in paragraphs pick the bold and oblique files.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from centre_desk.domain.errors import DefinitionError
from centre_desk.formspec.resources import resources_dir

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SANS_OBLIQUE = "DejaVuSans-Oblique"
SANS_BOLD_OBLIQUE = "DejaVuSans-BoldOblique"
MONO = "DejaVuSansMono"

# Registered font name -> file in resources/fonts/.
FONT_FILES: dict[str, str] = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SANS_OBLIQUE: "DejaVuSans-Oblique.ttf",
    SANS_BOLD_OBLIQUE: "DejaVuSans-BoldOblique.ttf",
    MONO: "DejaVuSansMono.ttf",
}

_lock = threading.Lock()
_registered = False


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def register_fonts() -> None:
    """Register the bundled fonts and the DejaVuSans family. Safe to call often and from threads.

    Raises DefinitionError naming the file when a font is missing or unreadable: printing with a
    fallback font would drop the letters of many families' names.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = fonts_dir()
        for name, filename in FONT_FILES.items():
            path = folder / filename
            if not path.is_file():
                raise DefinitionError(str(path), "(file)", "this bundled font is missing; reinstall the application")
            try:
                pdfmetrics.registerFont(TTFont(name, str(path)))
            except (TTFError, OSError) as exc:
                raise DefinitionError(str(path), "(file)", f"this font cannot be read ({exc})") from None
        pdfmetrics.registerFontFamily(
            SANS, normal=SANS, bold=SANS_BOLD, italic=SANS_OBLIQUE, boldItalic=SANS_BOLD_OBLIQUE
        )
        # Sans Mono has no bold or oblique file in the bundle; map every style to the regular face
        # so that <b> inside a reference never falls back to a non-embedded standard font.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(MONO, bold, italic, MONO)
        _registered = True
