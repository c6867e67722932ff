"""Duplicate matching adapter: string similarity (rapidfuzz) and phonetic keys (jellyfish).

Satisfies ``services.ports.PersonMatcher``. See ``people.py``.
"""

from .people import PeopleMatcher, load_nicknames

__all__ = ["PeopleMatcher", "load_nicknames"]
