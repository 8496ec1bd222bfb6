"""Read a reporting calendar from YAML, checking every field and naming the bad one."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from calendars.reporting_checkins import CHECKIN_DAY, CHECKIN_EVERY, CheckInConfig
from calendars.reporting_periods import MONTHLY, ReportingCalendar, ReportSpec
from calendars.reporting_rules import (
    CUTOFF, DEFAULT_KIND, SHIFTS, SO, UNIT_KINDS, CalendarError, DayMonth, Rule, WorkingDaysFrom, parse_rule,
)
from i18n import _

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
_TOP_KEYS = {"name", "organisation", "reports_to", "source", "notes", "shift", "defaults", "check_ins", "reports",
             "compiler", "assumptions", "corrections", "so_deadline_assumed"}
_REPORT_KEYS = {"code", "name", "cutoff", "so_deadline", "unit_deadlines", "shift", "every"}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def preset_names() -> list[str]:
    """Names of the calendars shipped in calendars/presets/."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def load_calendar(path_or_preset: str | Path) -> ReportingCalendar:
    """A calendar from a YAML file path or a preset name ("hanoi-2026", "default")."""
    path = _locate(path_or_preset)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CalendarError(_unreadable(path.name, exc), source=path.name) from exc
    return parse_calendar(data, source=path.name)


def _unreadable(name: str, exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return _("Không đọc được tệp lịch báo cáo {file}: {error}").format(file=name, error=exc)
    message = _("Tệp lịch báo cáo {file} sai cú pháp YAML ở dòng {line}, cột {column}: {problem}.")
    return message.format(file=name, line=mark.line + 1, column=mark.column + 1, problem=exc.problem)


def parse_calendar(data: object, *, source: str) -> ReportingCalendar:
    """A calendar from already-parsed YAML; `source` names the file in error messages."""
    read = _Reader(source)
    top = read.mapping(data, "", _TOP_KEYS)
    # Without `shift` the calendar follows NHACVIEC_DAY_OFF_RULE, like every other deadline.
    shift = None if top.get("shift") is None else read.choice(top["shift"], "shift", SHIFTS)
    defaults = read.mapping(top.get("defaults", {}), "defaults", {"so_deadline", "unit_deadlines"})
    raw_reports = top.get("reports")
    if not isinstance(raw_reports, list) or not raw_reports:
        raise read.error("reports", _("cần một danh sách các báo cáo (ít nhất một báo cáo)"))
    reports = [read.report(raw, i, defaults, shift) for i, raw in enumerate(raw_reports, 1)]
    codes = [spec.code for spec in reports]
    for code in codes:
        if codes.count(code) > 1:
            raise read.error("reports." + code, _("mã báo cáo bị trùng"))
    return ReportingCalendar(
        name=read.text(top.get("name"), "name"), reports=tuple(reports),
        source=str(top.get("source", "")), organisation=str(top.get("organisation", "")),
        reports_to=str(top.get("reports_to", "")), notes=str(top.get("notes", "")),
        check_ins=read.check_ins(top.get("check_ins", {})),
        compiler=read.texts(top.get("compiler", []), "compiler"),
        assumptions=read.texts(top.get("assumptions", []), "assumptions"),
        corrections=read.texts(top.get("corrections", []), "corrections"),
        so_deadline_assumed=read.flag(top.get("so_deadline_assumed", False), "so_deadline_assumed"),
    )


def _locate(path_or_preset: str | Path) -> Path:
    text = str(path_or_preset)
    if isinstance(path_or_preset, Path) or text.endswith((".yaml", ".yml")) or "/" in text:
        return Path(path_or_preset)
    if text in preset_names():
        return PRESETS_DIR / f"{text}.yaml"
    message = _("Không có lịch báo cáo mẫu «{name}». Các mẫu có sẵn: {names}.")
    raise CalendarError(message.format(name=text, names=", ".join(preset_names())), source=text)


class _Reader:
    """Field checks that all raise CalendarError naming the file and the field."""

    def __init__(self, source: str):
        self.source = source

    def error(self, where: str, problem: str) -> CalendarError:
        message = _("Tệp lịch báo cáo {file}, mục {field}: {problem}.")
        return CalendarError(message.format(file=self.source, field=where or _("(gốc)"), problem=problem),
                             source=self.source, field=where)

    def mapping(self, raw: object, where: str, allowed: set[str]) -> dict:
        if not isinstance(raw, dict):
            raise self.error(where, _("cần các cặp «khoá: giá trị»"))
        unknown = sorted(str(k) for k in raw.keys() - allowed)
        if unknown:
            raise self.error(where, _("khoá không dùng được: {keys} (dùng: {allowed})").format(
                keys=", ".join(unknown), allowed=", ".join(sorted(allowed))))
        return raw

    def text(self, raw: object, where: str) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.error(where, _("thiếu nội dung"))
        return raw.strip()

    def texts(self, raw: object, where: str) -> tuple[str, ...]:
        """One text or a list of texts."""
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list):
            raise self.error(where, _("cần một dòng chữ hoặc một danh sách"))
        return tuple(self.text(item, where) for item in items)

    def flag(self, raw: object, where: str) -> bool:
        if not isinstance(raw, bool):
            raise self.error(where, _("giá trị {value} không hợp lệ (dùng: true, false)").format(value=raw))
        return raw

    def choice(self, raw: object, where: str, allowed: tuple[str, ...]) -> str:
        if raw not in allowed:
            raise self.error(where, _("giá trị {value} không hợp lệ (dùng: {allowed})").format(
                value=raw, allowed=", ".join(allowed)))
        return raw

    def day_month(self, raw: object, where: str) -> DayMonth:
        value = DayMonth.parse(raw)
        if value is None:
            raise self.error(where, _("ngày {value} không hợp lệ (viết dạng 14/3 hoặc 15/12 năm trước)").format(
                value=raw))
        return value

    def report(self, raw: object, index: int, defaults: dict, shift: str | None) -> ReportSpec:
        body = self.mapping(raw, f"reports[{index}]", _REPORT_KEYS)
        code = str(body.get("code", ""))
        if not _CODE.match(code):
            raise self.error(f"reports[{index}].code", _("mã báo cáo viết thường, không dấu, ví dụ q1, h1, q3, year"))
        where = "reports." + code
        every = self.choice(body.get("every", ""), where + ".every", ("", MONTHLY))
        # A monthly report's windows are NĐ 09's (15th → 14th); `cutoff` is only for the other reports.
        start, end = (DayMonth(15, 12, -1), DayMonth(14, 12)) if every and "cutoff" not in body else \
            self.cutoff(body.get("cutoff"), where + ".cutoff")
        so_raw = body.get("so_deadline", defaults.get("so_deadline"))
        if so_raw is None:
            raise self.error(where + ".so_deadline", _("thiếu thời hạn gửi báo cáo lên cấp trên"))
        so_rule = parse_rule(so_raw, where=where + ".so_deadline", source=self.source)
        units = self.unit_rules(body, defaults, where)
        self.check_references(so_rule, units, where)
        return ReportSpec(code=code, name=self.text(body.get("name"), where + ".name"), cutoff_from=start,
                          cutoff_to=end, so_rule=so_rule, unit_rules=units,
                          shift=shift if body.get("shift") is None else self.choice(body["shift"], where + ".shift",
                                                                                    SHIFTS), every=every)

    def cutoff(self, raw: object, where: str) -> tuple[DayMonth, DayMonth]:
        body = self.mapping(raw, where, {"from", "to"})
        start = self.day_month(body.get("from"), where + ".from")
        end = self.day_month(body.get("to"), where + ".to")
        # The reporting year is the year the window closes in; a leap year lets 29/2 through.
        if end.year_offset != 0 or start.resolve(2024) > end.resolve(2024):
            raise self.error(where, _("kỳ chốt số liệu phải kết thúc trong năm báo cáo, sau ngày bắt đầu"))
        return start, end

    def unit_rules(self, body: dict, defaults: dict, where: str) -> dict[str, Rule]:
        # A report's own unit_deadlines override the defaults kind by kind.
        merged = dict(self.mapping(defaults.get("unit_deadlines", {}), "defaults.unit_deadlines", _KINDS))
        merged.update(self.mapping(body.get("unit_deadlines", {}), where + ".unit_deadlines", _KINDS))
        field = where + ".unit_deadlines."
        return {kind: parse_rule(raw, where=field + kind, source=self.source) for kind, raw in merged.items()}

    def check_references(self, so_rule: Rule, units: dict[str, Rule], where: str) -> None:
        rules = {SO: so_rule, **units}
        for start in rules:
            chain, key = [start], start
            while isinstance(rules[key], WorkingDaysFrom) and rules[key].of != CUTOFF:
                target = rules[key].of
                field = f"{where}.{'so_deadline' if key == SO else 'unit_deadlines.' + key}.of"
                if target not in rules:
                    raise self.error(field, _("không có thời hạn «{name}» để tính từ đó").format(name=target))
                if target in chain:
                    raise self.error(field, _("các thời hạn tính vòng tròn: {chain}").format(
                        chain=" → ".join([*chain, target])))
                chain.append(target)
                key = target

    def check_ins(self, raw: object) -> CheckInConfig:
        body = self.mapping(raw, "check_ins", {"every", "day", "question"})
        default = CheckInConfig()
        return CheckInConfig(
            every=self.choice(body.get("every", default.every), "check_ins.every", CHECKIN_EVERY),
            day=self.choice(body.get("day", default.day), "check_ins.day", CHECKIN_DAY),
            question=self.text(body.get("question", default.question), "check_ins.question"),
        )


_KINDS = {*UNIT_KINDS, DEFAULT_KIND}
