"""The in-app help pages (``resources/help/<topic>.md``) and the order of the quick guide for reception.

The format is a small, strict subset of Markdown (see ``resources/help/README.md``), so that the same
words show in the window (Qt renders the Markdown) and print in the quick guide (``HelpTopic`` is
turned into a plain document). A page that breaks the format is a DefinitionError naming the file and
the line, found by the tests rather than by a receptionist pressing F1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from centre_desk.domain.errors import DefinitionError

from .resources import resources_dir

HELP_DIR = "help"
QUICK_GUIDE = "quick-guide.txt"
_TOPIC = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class HelpPart:
    heading: str
    paragraphs: tuple[str, ...] = ()
    keys: tuple[tuple[str, str], ...] = ()  # (keys, what they do)


@dataclass(frozen=True)
class HelpTopic:
    topic: str
    title: str
    markdown: str  # the file as written, for the window
    paragraphs: tuple[str, ...]
    parts: tuple[HelpPart, ...]


def help_dir(root: Path | None = None) -> Path:
    return (root or resources_dir()) / HELP_DIR


def topics(root: Path | None = None) -> list[str]:
    return sorted(p.stem for p in help_dir(root).glob("*.md") if p.stem != "README")


def parse_topic(topic: str, source: str, where: str) -> HelpTopic:
    lines = source.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise DefinitionError(where, "line 1", "a help page starts with '# Title'")
    title = lines[0][2:].strip()
    intro: list[str] = []
    parts: list[HelpPart] = []
    heading: str | None = None
    paragraphs: list[str] = []
    keys: list[tuple[str, str]] = []
    current: list[str] = []

    def end_paragraph() -> None:
        if current:
            (paragraphs if heading is not None else intro).append(" ".join(current))
            current.clear()

    def end_part() -> None:
        end_paragraph()
        if heading is not None:
            parts.append(HelpPart(heading, tuple(paragraphs), tuple(keys)))

    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if line.startswith("## "):
            end_part()
            heading, paragraphs, keys = line[3:].strip(), [], []
        elif line.startswith("#"):
            raise DefinitionError(where, f"line {number}", "only '# Title' and '## Heading' are used")
        elif line.startswith("- "):
            end_paragraph()
            keys_text, sep, what = line[2:].partition(": ")
            if not sep or not keys_text.strip() or not what.strip():
                raise DefinitionError(where, f"line {number}", "a list line is '- Keys: what they do'")
            keys.append((keys_text.strip(), what.strip()))
            if heading is None:
                raise DefinitionError(where, f"line {number}", "a key list belongs under a '## Heading'")
        elif not line:
            end_paragraph()
        else:
            current.append(line)
    end_part()
    if not intro:
        raise DefinitionError(where, "line 2", "say what the screen is for under the title")
    return HelpTopic(topic, title, source, tuple(intro), tuple(parts))


def load_topic(topic: str, root: Path | None = None) -> HelpTopic:
    """The help page for ``topic`` (a page or dialog name, e.g. ``household-search``)."""
    if not _TOPIC.match(topic):
        raise DefinitionError(topic, "topic", "is not a help page name")
    path = help_dir(root) / f"{topic}.md"
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError(str(path), "topic", "there is no help page for this screen") from None
    return parse_topic(topic, source, str(path))


def quick_guide_topics(root: Path | None = None) -> list[HelpTopic]:
    """The pages of the quick guide for reception, in the order ``quick-guide.txt`` gives."""
    path = help_dir(root) / QUICK_GUIDE
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return [load_topic(name, root) for name in names]
