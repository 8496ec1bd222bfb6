"""Turn the unit names written in a plan cell into unit ids: names, abbreviations, group phrases, near misses."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from rapidfuzz import fuzz, process
from sqlmodel import Session, select

from storage.models import Unit, UnitGroup, UnitGroupMember
from units.levels import LEVELS, split_level_lists
from units.normalize import HARD_BREAK, Cell, Pattern, Word, pattern_at, read_cell

Key = Pattern

# Words around a name that do not change which unit it is ("Phòng TCCB", "Thanh tra Sở", "UBND phường…").
PREFIXES: tuple[Key, ...] = (("bo", "phan"), ("phong",), ("ubnd",), ("so",), ("truong",))
SUFFIXES: tuple[Key, ...] = (("truc", "thuoc", "so"), ("thuoc", "so"), ("cua", "so"), ("truc", "thuoc"), ("so",))
# Words that join names in one cell ("Văn phòng Sở phối hợp với…", "… và phòng …").
CONNECTORS: tuple[Key, ...] = (("phoi", "hop", "voi"), ("phoi", "hop"), ("chu", "tri"), ("cung", "voi"),
                               ("va",), ("voi",), ("hoac",))
# After a name these narrow it to an unknown part ("Các phòng, đơn vị có liên quan"): not the whole group.
RESTRICTORS: tuple[Key, ...] = (("co", "lien", "quan"), ("lien", "quan"), ("duoc", "giao"), ("duoc", "phan", "cong"))
# Spellings of the same thing, folded to one form before matching.
REWRITES: dict[Key, str] = {
    ("uy", "ban", "nhan", "dan"): "ubnd",
    ("so", "giao", "duc", "va", "dao", "tao"): "so",
    ("so", "gd", "va", "dt"): "so",
    ("so", "gd", "dt"): "so",
    ("so", "gddt"): "so",
}
# A near miss must be this close (rapidfuzz ratio) and clearly closer than any other unit.
FUZZY_MIN_SCORE = 88.0
FUZZY_MARGIN = 6.0
FUZZY_MIN_LENGTH = 5


@dataclass
class Resolution:
    """Units named in one cell, in the order written, and the names that matched nothing."""

    unit_ids: list[int] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    matched: list[tuple[str, str]] = field(default_factory=list)  # (name as written, unit code)
    expanded: list[tuple[str, list[int]]] = field(default_factory=list)  # (group phrase as written, its units)


@dataclass(frozen=True)
class _Target:
    code: str
    unit_ids: tuple[int, ...]
    group: bool


class _Hit(NamedTuple):
    start: int  # first word
    end: int    # one past the last word
    targets: tuple[_Target, ...]


class UnitResolver:
    """Matches names against the unit directory; build it once per import."""

    def __init__(self, *, units: Iterable[tuple[int, str, Iterable[str]]],
                 groups: Iterable[tuple[str, Iterable[str], Iterable[int]]]) -> None:
        """`units`: (id, code, names and aliases); `groups`: (code, phrases, member ids in order)."""
        self._codes: dict[int, str] = {}
        exact: dict[Key, dict[_Target, None]] = {}
        for uid, code, names in units:
            self._codes[uid] = code
            target = _Target(code, (uid,), False)
            for name in (code, *names):
                for key in _unit_keys(name):
                    exact.setdefault(key, {})[target] = None
        for code, phrases, member_ids in groups:
            target = _Target(code, tuple(member_ids), True)
            for phrase in phrases:
                exact.setdefault(tuple(_folded(phrase)), {})[target] = None
        self._exact = {k: tuple(ts) for k, ts in exact.items() if k and _unambiguous(ts)}
        compact: dict[str, dict[_Target, None]] = {}
        for key, targets in self._exact.items():
            compact.setdefault("".join(key), {}).update(dict.fromkeys(targets))
        self._compact = {k: tuple(ts) for k, ts in compact.items() if _unambiguous(ts)}
        self._longest_key = max((len(k) for k in self._exact), default=0)
        self._choices = [key for key in self._exact if len(" ".join(key)) >= FUZZY_MIN_LENGTH]
        self._choice_texts = [" ".join(key) for key in self._choices]
        self.has_units = bool(self._codes)
        self._resolved: dict[str, Resolution] = {}

    @classmethod
    def from_session(cls, session: Session) -> "UnitResolver":
        """A resolver over the active units and the groups stored in the database."""
        units = session.exec(select(Unit).where(Unit.active == True).order_by(Unit.id)).all()  # noqa: E712
        active = {u.id for u in units}
        members: dict[int, list[int]] = {}
        for m in session.exec(select(UnitGroupMember).order_by(UnitGroupMember.unit_id)).all():
            if m.unit_id in active:
                members.setdefault(m.group_id, []).append(m.unit_id)
        groups = session.exec(select(UnitGroup).order_by(UnitGroup.id)).all()
        stored = [(g.code, g.phrases, members.get(g.id, [])) for g in groups]
        # A level nobody has ("Các trường Mầm non" with no kindergarten loaded) names nobody: reported, not
        # read as "Các trường" (every school).
        missing = [(level.group, level.phrases, []) for level in LEVELS if level.group not in {g.code for g in groups}]
        return cls(units=[(u.id, u.code, [u.name, *u.aliases]) for u in units], groups=stored + missing)

    def code_of(self, unit_id: int) -> str:
        """The code of an active unit."""
        return self._codes.get(unit_id, "?")

    def resolve(self, cell_text: str | None) -> Resolution:
        """The units a lead/partner cell names; unknown names come back in `unresolved`."""
        # A plan repeats a few cells ("Các phòng thuộc Sở") on most of its rows: each is read once.
        known = self._resolved.get(cell_text or "")
        if known is None:
            known = self._resolved[cell_text or ""] = self._resolve(cell_text or "")
        return Resolution(list(known.unit_ids), list(known.unresolved), list(known.matched),
                          [(phrase, list(ids)) for phrase, ids in known.expanded])

    def _resolve(self, cell_text: str) -> Resolution:
        cell = read_cell(split_level_lists(cell_text), REWRITES)
        hits = self._exact_hits(cell)
        covered = {i for h in hits for i in range(h.start, h.end)}
        unresolved: list[tuple[int, str]] = []
        for start, end in _uncovered_segments(cell, covered):
            for part in self._settle(cell, start, end, covered):
                if isinstance(part, _Hit):
                    hits.append(part)
                    covered.update(range(part.start, part.end))  # its parenthesis, if any, qualifies it
                else:
                    unresolved.append((part[0], cell.written(*part)))
        return self._assemble(cell, hits, unresolved)

    def _exact_hits(self, cell: Cell) -> list[_Hit]:
        hits, i = [], 0
        while i < len(cell.words):
            hit = self._match_at(cell, i)
            hits += [hit] if hit else []
            i = hit.end if hit else i + 1
        return hits

    def _match_at(self, cell: Cell, i: int) -> _Hit | None:
        # Try the words as written first, then without a leading "Phòng"/"Bộ phận"/"UBND"…
        # ("Trường THPT" names a level's group, "Trường THPT Việt Đức" one school: the longer reading wins.)
        prefix = _attached(cell, i + 1, pattern_at(cell.words, i, PREFIXES))
        found = [(end, targets) for end, targets in (self._longest(cell, j) for j in dict.fromkeys((i, i + prefix)))
                 if targets]
        if not found:
            return None
        end, targets = max(found, key=lambda f: f[0])
        end += _attached(cell, end, pattern_at(cell.words, end, SUFFIXES))
        narrowed = _attached(cell, end, pattern_at(cell.words, end, RESTRICTORS))
        return _Hit(i, _name_end(cell, end + narrowed), ()) if narrowed else _Hit(i, end, targets)

    def _longest(self, cell: Cell, j: int) -> tuple[int, tuple[_Target, ...]]:
        # A name may run over a comma or dash, never over ";", "(" or a new line.
        stop = next((k for k in range(j + 1, len(cell.words)) if cell.breaks[k] == HARD_BREAK), len(cell.words))
        for length in range(min(self._longest_key, stop - j), 0, -1):
            span = tuple(w.folded for w in cell.words[j:j + length])
            targets = self._exact.get(span)
            # "KH-TC", "GD TrH": short pieces written apart still spell an abbreviation.
            if targets is None and all(len(s) <= 5 for s in span):
                targets = self._compact.get("".join(span))
            if targets:
                return j + length, targets
        return j, ()

    def _settle(self, cell: Cell, start: int, end: int, covered: set[int]) -> list[_Hit | tuple[int, int]]:
        """Words no exact name covered: a near miss, a qualifier to skip, or unresolved names."""
        start, end = _trim_connectors(cell.words, start, end)
        if start >= end:
            return []
        whole = self._fuzzy(cell.words, start, end)
        if whole:
            return [whole]
        parts: list[_Hit | tuple[int, int]] = []
        for a, b in _split_on_connectors(cell.words, start, end):
            hit = self._fuzzy(cell.words, a, b)
            if hit:
                parts.append(hit)
            elif not _qualifies_a_match(cell, a, b, covered):
                parts.append((a, b))
        return parts

    def _fuzzy(self, ws: list[Word], start: int, end: int) -> _Hit | None:
        query = " ".join(_core([w.folded for w in ws[start:end]]))
        if len(query) < FUZZY_MIN_LENGTH or not self._choices:
            return None
        best: dict[tuple[str, ...], tuple[float, Key]] = {}
        for _text, score, index in process.extract(query, self._choice_texts, scorer=fuzz.ratio,
                                                   score_cutoff=50, limit=None):
            key = self._choices[index]
            identity = tuple(t.code for t in self._exact[key])
            if score > best.get(identity, (-1.0, key))[0]:
                best[identity] = (score, key)
        ranked = sorted(best.values(), key=lambda item: -item[0])
        if not ranked or ranked[0][0] < FUZZY_MIN_SCORE:
            return None
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < FUZZY_MARGIN:
            return None  # two units about as close: a guess would assign the wrong one
        return _Hit(start, end, self._exact[ranked[0][1]])

    def _assemble(self, cell: Cell, hits: list[_Hit], unresolved: list[tuple[int, str]]) -> Resolution:
        result = Resolution()
        for hit in sorted(hits, key=lambda h: h.start):
            written = cell.written(hit.start, hit.end)
            ids = [uid for t in hit.targets for uid in t.unit_ids]
            if ids and any(t.group for t in hit.targets):
                result.expanded.append((written, list(dict.fromkeys(ids))))
            if not ids:  # a group with no members, or one narrowed to an unknown part, names nobody
                unresolved.append((hit.start, written))
            for uid in ids:
                if uid not in result.unit_ids:
                    result.unit_ids.append(uid)
                if (written, self._codes[uid]) not in result.matched:
                    result.matched.append((written, self._codes[uid]))
        for _pos, name in sorted(unresolved):
            if name not in result.unresolved:
                result.unresolved.append(name)
        return result


def _folded(text: str) -> list[str]:
    return [w.folded for w in read_cell(text, REWRITES).words]


def _unit_keys(name: str) -> list[Key]:
    # Only the core: prefix and suffix words are matched around it, and never across a separator.
    return [tuple(_core(_folded(name)))]


def _core(tokens: list[str]) -> list[str]:
    """The name without one leading "Phòng"/"UBND"… and one trailing "Sở"/"thuộc Sở"."""
    for prefix in PREFIXES:
        if tuple(tokens[:len(prefix)]) == prefix and len(tokens) > len(prefix):
            tokens = tokens[len(prefix):]
            break
    for suffix in SUFFIXES:
        if tuple(tokens[-len(suffix):]) == suffix and len(tokens) > len(suffix):
            return tokens[:-len(suffix)]
    return tokens


def _unambiguous(targets: Iterable[_Target]) -> bool:
    # One unit, or only groups (a phrase listed on two groups names both of them).
    targets = list(targets)
    return len(targets) == 1 or all(t.group for t in targets)


def _attached(cell: Cell, start: int, length: int) -> int:
    """`length` if no separator stands before words start..start+length-1 ("Văn phòng; Sở Nội vụ"), else 0."""
    return length if not any(cell.breaks[start:start + length]) else 0


def _name_end(cell: Cell, end: int) -> int:
    """Where the name running on at `end` stops: at a separator or a connector."""
    while end < len(cell.words) and not cell.breaks[end] and not pattern_at(cell.words, end, CONNECTORS):
        end += 1
    return end


def _trim_connectors(ws: list[Word], start: int, end: int) -> tuple[int, int]:
    while start < end and (n := pattern_at(ws, start, CONNECTORS, end)):
        start += n
    while start < end and (n := _connector_ending(ws, start, end)):
        end -= n
    return start, end


def _connector_ending(ws: list[Word], start: int, end: int) -> int:
    return next((len(c) for c in CONNECTORS if end - len(c) >= start and pattern_at(ws, end - len(c), (c,))), 0)


def _split_on_connectors(ws: list[Word], start: int, end: int) -> list[tuple[int, int]]:
    parts, a, i = [], start, start
    while i < end:
        n = pattern_at(ws, i, CONNECTORS, end)
        if n:
            parts += [(a, i)] if i > a else []
            a = i = i + n
        else:
            i += 1
    return parts + ([(a, end)] if end > a else [])


def _uncovered_segments(cell: Cell, covered: set[int]) -> list[tuple[int, int]]:
    """Runs of words outside any match, cut at separators."""
    segments, start = [], None
    for i in range(len(cell.words) + 1):
        boundary = i == len(cell.words) or i in covered or cell.breaks[i]
        if boundary and start is not None:
            segments.append((start, i))
            start = None
        if i < len(cell.words) and i not in covered and start is None:
            start = i
    return segments


def _qualifies_a_match(cell: Cell, start: int, end: int, covered: set[int]) -> bool:
    """Words in parentheses right after a matched name ("Văn phòng Sở (Bộ phận CNTT)") only qualify it."""
    owners = {cell.owner[i] for i in range(start, end)}
    return len(owners) == 1 and owners.pop() in covered
