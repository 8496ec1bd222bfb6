"""Periodic reporting calendar (quý I, 6 tháng, quý III / 9 tháng, năm): the public face.

A calendar is a YAML file per organisation (calendars/presets/*.yaml): for each report its data
cut-off window, the organisation's own deadline upward and earlier deadlines per kind of unit.
`ReportingCalendar.periods(year, work)` turns it into dated `ReportPeriod`s, each deadline both as
written (nominal) and as the working day it effectively means.
"""
from __future__ import annotations

from calendars.reporting_checkins import QUESTIONS, CheckInConfig, checkin_dates, question_text
from calendars.reporting_load import load_calendar, parse_calendar, preset_names
from calendars.reporting_periods import PROBLEMS, ReportingCalendar, ReportPeriod, ReportSpec, period_problems
from calendars.reporting_rules import (
    CUTOFF, DEFAULT_KIND, SO, UNIT_KINDS, CalendarError, DayMonth, DayOfLastMonth, FixedDate, WorkingDaysFrom,
)

__all__ = [
    "CUTOFF", "DEFAULT_KIND", "PROBLEMS", "QUESTIONS", "SO", "UNIT_KINDS",
    "CalendarError", "CheckInConfig", "DayMonth", "DayOfLastMonth", "FixedDate", "ReportPeriod",
    "ReportSpec", "ReportingCalendar", "WorkingDaysFrom",
    "checkin_dates", "load_calendar", "parse_calendar", "period_problems", "preset_names", "question_text",
]
