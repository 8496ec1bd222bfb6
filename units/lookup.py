"""A unit named loosely in a chat command ("/status Văn phòng", "/status Phòng TCCB"): one unit, or candidates.

The name is read by the resolver plan import uses (names, aliases, abbreviations, near misses). Words that name
more than one unit, or only part of a name, never pick one: the units they may mean come back as candidates.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from storage.models import Unit
from units.normalize import normalize
from units.resolver import PREFIXES, UnitResolver


@dataclass
class UnitLookup:
    """`unit` when the words name exactly one active unit; otherwise the units they may mean (maybe none)."""

    unit: Unit | None = None
    candidates: list[Unit] = field(default_factory=list)


def units_named(session: Session, text: str) -> UnitLookup:
    """The active unit `text` names (by name or alias, as in plan cells), or the candidates when it is not clear."""
    units = session.exec(select(Unit).where(Unit.active == True).order_by(Unit.id)).all()  # noqa: E712
    by_id = {u.id: u for u in units}
    resolution = UnitResolver.from_session(session).resolve(text)
    named = [by_id[uid] for uid in resolution.unit_ids if uid in by_id]
    if len(named) == 1 and not resolution.unresolved:
        return UnitLookup(unit=named[0])
    if named:  # several units (or a group), or a name followed by words that match nothing: ask
        return UnitLookup(candidates=named)
    return UnitLookup(candidates=_containing(units, text))


def _containing(units: list[Unit], text: str) -> list[Unit]:
    """Units whose code, name or an alias contains the words ("Sóc Sơn" → the school and the commune).

    Read first as written ("Phòng Giáo dục": the four phòng), then without a leading "Phòng"/"Trường"/"UBND"…
    ("Trường Chu Văn An" → "Chu Văn An").
    """
    words = tuple(normalize(text).split())
    spelled = {u.id: [tuple(normalize(t).split()) for t in (u.code, u.name, *u.aliases)] for u in units}
    for query in dict.fromkeys((words, _without_prefix(words))):
        if not query:
            continue
        found = [u for u in units if any(_runs_in(query, name) for name in spelled[u.id])]
        if found:
            return found
    return []


def _without_prefix(words: tuple[str, ...]) -> tuple[str, ...]:
    for prefix in PREFIXES:
        if words[:len(prefix)] == prefix and len(words) > len(prefix):
            return words[len(prefix):]
    return words


def _runs_in(query: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """The query's words stand next to each other, in order, in the name."""
    n = len(query)
    return any(name[i:i + n] == query for i in range(len(name) - n + 1))
