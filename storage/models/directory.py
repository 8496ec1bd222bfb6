"""The unit directory: units (phòng, đơn vị, trường, xã-phường) and their groups."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from storage.types import JSONList, UTCDateTime, utcnow


class UnitKind:
    """Kinds of responsible unit; values are stored."""

    PHONG = "phong"            # a phòng of the Sở (Văn phòng, TCCB, KHTC…)
    DON_VI = "don_vi"          # đơn vị trực thuộc
    TRUONG = "truong"          # a school
    XA_PHUONG = "xa_phuong"    # UBND xã, phường
    KHAC = "khac"
    ALL = (PHONG, DON_VI, TRUONG, XA_PHUONG, KHAC)


class Unit(SQLModel, table=True):
    """A responsible unit that can be assigned tasks and reminded."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    name: str
    kind: str = Field(default=UnitKind.PHONG, max_length=32)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSONList, nullable=False))
    level: str | None = Field(default=None, max_length=32)  # school level: mn, th, thcs, thpt, gdtx…
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class UnitGroup(SQLModel, table=True):
    """A named set of units ("Các phòng thuộc Sở") that group phrases in plans expand to."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    name: str
    phrases: list[str] = Field(default_factory=list, sa_column=Column(JSONList, nullable=False))


class UnitGroupMember(SQLModel, table=True):
    """Membership of a unit in a group."""

    group_id: int = Field(foreign_key="unitgroup.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
