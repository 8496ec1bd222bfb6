"""The officers' summary report; counting lives in `reports.summary`, this is its text (CLI and chat)."""
from __future__ import annotations

from i18n import _, fmt_date
from reports.summary import DUE_SOON_DAYS, Counts, Report


def headline(counts: Counts) -> str:
    """'224 nhiệm vụ: 166 hoàn thành đúng hạn, 3 quá hạn, 55 đang thực hiện' (with the rest when there is any)."""
    parts = [_("{n} hoàn thành đúng hạn").format(n=counts.done_on_time)]
    if counts.done_late:
        parts.append(_("{n} hoàn thành quá hạn").format(n=counts.done_late))
    parts.append(_("{n} quá hạn").format(n=counts.overdue))
    parts.append(_("{n} đang thực hiện").format(n=counts.pending))
    if counts.not_done:
        parts.append(_("{n} không hoàn thành").format(n=counts.not_done))
    if counts.undated:
        parts.append(_("{n} chưa xác định hạn").format(n=counts.undated))
    return ", ".join(parts)


def count_lines(counts: Counts) -> list[str]:
    """One line per bucket, indented, for the assignments."""
    return [
        _("  - Hoàn thành đúng hạn: {n}").format(n=counts.done_on_time),
        _("  - Hoàn thành quá hạn: {n}").format(n=counts.done_late),
        _("  - Quá hạn chưa hoàn thành: {n}").format(n=counts.overdue),
        _("  - Đang thực hiện, chưa đến hạn: {n} (đang thực hiện {p}, chưa thực hiện {o})").format(
            n=counts.pending, p=counts.in_progress, o=counts.not_started),
        _("  - Sắp đến hạn (trong {days} ngày): {n}").format(days=DUE_SOON_DAYS, n=counts.due_soon),
        _("  - Không hoàn thành: {n}").format(n=counts.not_done),
        _("  - Chưa xác định hạn: {n} (đã hoàn thành {d})").format(n=counts.undated, d=counts.undated_done),
        _("  - Gia hạn đã duyệt: {n} lần").format(n=counts.extensions),
    ]


def unit_line(code: str, name: str, c: Counts) -> str:
    """One unit's row: totals and the four-way split."""
    return _("  {code} {name}: {total} — đúng hạn {on_time}, hoàn thành quá hạn {late}, quá hạn {overdue}, "
             "đang thực hiện {pending}, chưa xác định hạn {undated}").format(
        code=code, name=name, total=c.total, on_time=c.done_on_time, late=c.done_late, overdue=c.overdue,
        pending=c.pending, undated=c.undated)


def report_lines(report: Report, *, unit_limit: int | None = None) -> list[str]:
    """The whole report as lines of text; `unit_limit` keeps the most overdue units only (chat)."""
    scope = report.period.label() if report.period else _("Tất cả thời hạn")
    lines = [_("BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CCHC"),
             _("Kỳ báo cáo: {scope}; tính đến ngày {date}").format(scope=scope, date=fmt_date(report.as_of))]
    if report.unit is not None:
        lines.append(_("Đơn vị: {name} ({code})").format(name=report.unit.name, code=report.unit.code))
    if "partner" not in report.roles:
        lines.append(_("Chỉ tính đơn vị chủ trì."))
    if not report.rows:
        lines.append(_("Không có nhiệm vụ nào trong kỳ báo cáo."))
        return lines
    lines.append(_("{n} nhiệm vụ: {summary}").format(n=report.tasks.total, summary=headline(report.tasks)))
    lines.append(_("(Nhiệm vụ có nhiều đơn vị chủ trì chỉ tính hoàn thành khi mọi đơn vị đã hoàn thành.)"))
    lines.append(_("{n} phân công:").format(n=report.assignments.total))
    lines += count_lines(report.assignments)
    if report.unit is None:
        lines.append(_("Theo đơn vị (quá hạn nhiều nhất trước):"))
        shown = report.units if unit_limit is None else report.units[:unit_limit]
        lines += [unit_line(u.code, u.name, u.counts) for u in shown]
        if len(shown) < len(report.units):
            lines.append(_("  … và {n} đơn vị khác").format(n=len(report.units) - len(shown)))
    return lines
