"""Statements built once and run many times: what each update asks the database, without rebuilding the query.

Building a SQLAlchemy statement (coercing every operand, then computing its cache key) costs more than running a
small query on SQLite. The hot paths build theirs once (`functools.cache`) with bound parameters and run them here.
"""
from __future__ import annotations

from sqlalchemy import false, or_
from sqlalchemy.engine import CursorResult
from sqlmodel import Session


def run(session: Session, statement, params: dict | list[dict]) -> CursorResult:
    """Run a prebuilt Core statement in the session's transaction, after flushing what the session holds
    (as a query through the session would), so rows added in this update are seen."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def one_of(column, values):
    """column IN (values) for a fixed, short list, written as `=` … OR …: a prebuilt statement with an IN list is
    re-rendered into SQL on every execution (SQLAlchemy's "post-compile" step), which costs as much as running a
    small query; equalities are bound once. Empty: nothing matches, as IN () would."""
    return or_(*(column == value for value in values)) if values else false()
