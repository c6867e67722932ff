"""The quick guide for reception from the admin tool: a real PDF, read back, and audited."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from centre_desk.formspec.help import quick_guide_topics
from tests.integration.test_admin_cli import run


def test_the_quick_guide_is_printed_from_the_admin_tool(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside Centre",
               "--admin", "admin")
    assert made.returncode == 0, made.stderr
    out = tmp_path / "guide.pdf"
    r = run(data, "--user", "admin", "quick-guide", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "quick guide for reception" in r.stdout
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(out).pages)
    assert "Quick guide for reception" in text and "Seaside Centre" in text
    for page in quick_guide_topics():
        assert page.title in text
    trail = run(data, "--user", "admin", "audit", "list", "--action", "print.quick-guide")
    assert trail.returncode == 0 and "print.quick-guide" in trail.stdout, trail.stderr
