"""The unit directory: upsert units and group memberships from a checked file, list it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from i18n import N_, _
from storage.models import Unit, UnitGroup, UnitGroupMember, UnitKind
from units.directory_file import DirectoryError, UnitRecord, error_at, read_directory  # noqa: F401 (public API)
from units.levels import BY_CODE, LEVELS, infer_levels
from units.normalize import normalize

KIND_LABELS = {UnitKind.PHONG: N_("Phòng"), UnitKind.DON_VI: N_("Đơn vị trực thuộc"), UnitKind.TRUONG: N_("Trường"),
               UnitKind.XA_PHUONG: N_("UBND xã, phường"), UnitKind.KHAC: N_("Khác")}
_BOTH = ("Các phòng, đơn vị thuộc Sở", "Các phòng, đơn vị trực thuộc", "Các phòng, đơn vị",
         "Các phòng và các đơn vị thuộc Sở", "Các phòng và đơn vị thuộc Sở")
# Built-in groups: a group code named in the file gets this display name and these phrases when first created;
# the phrases are then stored on UnitGroup.phrases, where they can be edited.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cac_phong": ("Các phòng thuộc Sở", (
        "Các phòng thuộc Sở", "Các phòng cơ quan Sở", "Các phòng chuyên môn", "Các phòng chuyên môn, nghiệp vụ",
        "Các phòng chức năng", "Các phòng Sở", *_BOTH)),
    "don_vi_truc_thuoc": ("Các đơn vị trực thuộc", (
        "Các đơn vị trực thuộc", "Các đơn vị thuộc Sở", "Các đơn vị giáo dục trực thuộc",
        "Các đơn vị sự nghiệp trực thuộc", *_BOTH)),
    "xa_phuong": ("UBND xã, phường", (
        "UBND xã, phường", "Các UBND xã, phường", "UBND các xã, phường", "UBND cấp xã", "UBND cấp xã, phường",
        "Các UBND cấp xã", "Các xã, phường")),
    "truong": ("Các trường", (
        "Các trường", "Các trường học", "Các cơ sở giáo dục", "Các nhà trường", "Các đơn vị trường học")),
    # one group per school level; a unit joins its level's group by itself (see units/levels.py)
    **{level.group: (level.title, level.phrases) for level in LEVELS},
}

@dataclass
class LoadReport:
    """Unit codes created, updated and left as they were; group codes the file names."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


def load_directory(session: Session, *, path: Path) -> LoadReport:
    """Upsert the file's units (by code), their parents and group memberships; the caller commits."""
    records = read_directory(path)
    for record in records:  # a school's level (given, else read from its name) puts it in the level's group
        levels = record.levels if record.levels is not None else (
            infer_levels(record.name) if record.kind in (UnitKind.TRUONG, UnitKind.DON_VI) else [])
        record.levels = levels
        record.groups = list(dict.fromkeys([*record.groups, *(BY_CODE[c].group for c in levels)]))
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    _check_parents(records, existing, path.name)
    groups = _ensure_groups(session, records)
    before = _snapshots(session, existing)
    units = dict(existing)
    report = LoadReport(groups=list(groups))
    for record in records:
        unit = units.get(record.code)
        if unit is None:
            unit = units[record.code] = Unit(code=record.code, name=record.name)
            report.created.append(record.code)
        elif before[record.code] == _snapshot_of(record):
            report.unchanged.append(record.code)
        else:
            report.updated.append(record.code)
        unit.name, unit.kind, unit.aliases, unit.active = record.name, record.kind, record.aliases, True
        unit.level = ";".join(record.levels) or None
        session.add(unit)
    session.flush()  # new units need ids before parents and memberships can point at them
    for record in records:
        units[record.code].parent_id = units[record.parent].id if record.parent else None
    _replace_memberships(session, records, units, groups)
    session.flush()
    return report


def _check_parents(records: list[UnitRecord], existing: dict[str, Unit], name: str) -> None:
    # Checked before any write, so a bad file leaves nothing half-loaded even if a caller forgets to roll back.
    codes = {u.id: code for code, u in existing.items()}
    parents = {code: codes.get(u.parent_id, "") for code, u in existing.items()}
    parents.update({r.code: r.parent for r in records})
    for record in records:
        if record.parent and record.parent not in parents:
            raise error_at(name, record.line, _("không có đơn vị cha mã \"{parent}\" trong tệp hay trong danh bạ"),
                            parent=record.parent)
    for record in records:
        seen, code = {record.code}, record.parent
        while code and code not in seen:
            seen.add(code)
            code = parents.get(code, "")
        if code == record.code:
            raise error_at(name, record.line, _("đơn vị cha của \"{code}\" quay vòng về chính nó"), code=record.code)


def _ensure_groups(session: Session, records: list[UnitRecord]) -> dict[str, UnitGroup]:
    codes = list(dict.fromkeys(g for r in records for g in r.groups))
    stored = {g.code: g for g in session.exec(select(UnitGroup)).all()}
    for code in codes:
        if code not in stored:
            title, phrases = GROUPS.get(code, (code, ()))
            stored[code] = UnitGroup(code=code, name=title, phrases=list(phrases))
            session.add(stored[code])
    session.flush()
    return {code: stored[code] for code in codes}


def _snapshots(session: Session, units: dict[str, Unit]) -> dict[str, tuple]:
    """Each stored unit in the shape of a file record, to tell "updated" from "unchanged"."""
    by_id = {u.id: u for u in units.values()}
    groups = _groups_by_unit(session)
    return {u.code: (u.name, u.kind, by_id[u.parent_id].code if u.parent_id in by_id else "", tuple(u.aliases),
                     tuple(sorted(groups.get(u.id, []))), u.active, u.level) for u in units.values()}


def _snapshot_of(record: UnitRecord) -> tuple:
    return (record.name, record.kind, record.parent, tuple(record.aliases), tuple(sorted(record.groups)), True,
            ";".join(record.levels or []) or None)


def _replace_memberships(session: Session, records: list[UnitRecord], units: dict[str, Unit],
                         groups: dict[str, UnitGroup]) -> None:
    """The file says which groups each of its units is in; units not in the file keep theirs."""
    ids = [units[r.code].id for r in records]
    wanted = {(groups[g].id, units[r.code].id) for r in records for g in r.groups}
    stored = session.exec(select(UnitGroupMember).where(UnitGroupMember.unit_id.in_(ids))).all()
    for member in stored:
        if (member.group_id, member.unit_id) not in wanted:
            session.delete(member)
    have = {(m.group_id, m.unit_id) for m in stored}
    for group_id, unit_id in sorted(wanted - have):
        session.add(UnitGroupMember(group_id=group_id, unit_id=unit_id))


def _groups_by_unit(session: Session) -> dict[int, list[str]]:
    rows = session.exec(select(UnitGroupMember.unit_id, UnitGroup.code)
                        .join(UnitGroup, UnitGroup.id == UnitGroupMember.group_id)
                        .order_by(UnitGroup.id)).all()
    groups: dict[int, list[str]] = {}
    for unit_id, code in rows:
        groups.setdefault(unit_id, []).append(code)
    return groups


def list_units(session: Session) -> list[Unit]:
    """All units, phòng first, then đơn vị, trường, xã-phường, in the order they were loaded."""
    units = session.exec(select(Unit).order_by(Unit.id)).all()
    return sorted(units, key=lambda u: UnitKind.ALL.index(u.kind) if u.kind in UnitKind.ALL else len(UnitKind.ALL))


def describe_units(session: Session) -> list[dict]:
    """The directory as plain rows: code, name, kind, parent (code or None), aliases, groups (removed units left out)."""
    units = [u for u in list_units(session) if u.active]
    codes = {u.id: u.code for u in units}
    groups = _groups_by_unit(session)
    return [{"code": u.code, "name": u.name, "kind": u.kind, "parent": codes.get(u.parent_id),
             "aliases": list(u.aliases), "groups": groups.get(u.id, []),
             "level": u.level.split(";") if u.level else []} for u in units]


def kind_label(kind: str) -> str:
    """The kind as the reader says it ("Phòng", "Trường"…)."""
    return _(KIND_LABELS.get(kind, KIND_LABELS[UnitKind.KHAC]))


def describe_groups(session: Session) -> list[dict]:
    """Every group with the phrases that name it and its member units' codes."""
    members: dict[int, list[str]] = {}
    for group_id, code in session.exec(select(UnitGroupMember.group_id, Unit.code)
                                       .join(Unit, Unit.id == UnitGroupMember.unit_id)
                                       .where(Unit.active == True).order_by(Unit.id)):  # noqa: E712
        members.setdefault(group_id, []).append(code)
    return [{"code": g.code, "name": g.name, "phrases": list(g.phrases), "units": members.get(g.id, [])}
            for g in session.exec(select(UnitGroup).order_by(UnitGroup.id))]


@dataclass
class GroupEdit:
    """What to change in a group; empty lists change nothing."""

    name: str | None = None
    add_phrases: list[str] = field(default_factory=list)
    remove_phrases: list[str] = field(default_factory=list)
    add_units: list[str] = field(default_factory=list)
    remove_units: list[str] = field(default_factory=list)


def edit_group(session: Session, *, code: str, edit: GroupEdit) -> UnitGroup:
    """Create or change a group (name, phrases, members); DirectoryError for an unknown unit. No commit."""
    code = code.strip().lower()
    group = session.exec(select(UnitGroup).where(UnitGroup.code == code)).first()
    if group is None:
        title, phrases = GROUPS.get(code, (edit.name or "", ()))
        if not title:
            raise DirectoryError(_("Chưa có nhóm {code}; tạo nhóm mới cần --name \"Tên nhóm\"").format(code=code))
        group = UnitGroup(code=code, name=title, phrases=list(phrases))
    if edit.name:
        group.name = edit.name
    folded = {normalize(p) for p in edit.remove_phrases}
    phrases = [p for p in group.phrases if normalize(p) not in folded]
    phrases += [p.strip() for p in edit.add_phrases if p.strip() and normalize(p) not in map(normalize, phrases)]
    group.phrases = phrases
    session.add(group)
    session.flush()
    units = {u.code: u for u in session.exec(select(Unit))}
    for unit_code in edit.add_units + edit.remove_units:
        if unit_code.strip().upper() not in units:
            raise DirectoryError(_("Không có đơn vị mã {code}").format(code=unit_code))
    have = {m.unit_id: m for m in session.exec(select(UnitGroupMember).where(UnitGroupMember.group_id == group.id))}
    for unit_code in edit.add_units:
        unit = units[unit_code.strip().upper()]
        if unit.id not in have:
            have[unit.id] = UnitGroupMember(group_id=group.id, unit_id=unit.id)
            session.add(have[unit.id])
    for unit_code in edit.remove_units:
        member = have.pop(units[unit_code.strip().upper()].id, None)
        if member is not None:
            session.delete(member)
    session.flush()
    return group
