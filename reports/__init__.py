"""The officers' summary report as text (CLI and chat), its JSON and its ready paragraph; counting lives in
`reports.summary`, the files in `reports.xlsx`, `reports.docx` and `reports.chart` (`reports.files` builds them)."""
from __future__ import annotations

from i18n import _, fmt_date
from reports.summary import BUCKETS, DUE_SOON_DAYS, Bucket, Counts, Report, bucket_label

# Buckets inside a period's totals, in report order; the other two are reported apart.
COUNTED = (Bucket.DONE_ON_TIME, Bucket.DONE_LATE, Bucket.IN_PROGRESS, Bucket.NOT_STARTED, Bucket.OVERDUE,
           Bucket.NOT_DONE)


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def headline(counts: Counts) -> str:
    """'2 hoàn thành đúng hạn, 1 hoàn thành quá hạn, 3 quá hạn chưa hoàn thành, …' (zero buckets after the
    first five left out)."""
    parts = []
    for key in COUNTED:
        n = getattr(counts, key)
        if n or key != Bucket.NOT_DONE:
            parts.append(_("{n} {label}").format(n=n, label=_lower(bucket_label(key))))
    return ", ".join(parts)


def count_lines(counts: Counts, *, extras: bool = True) -> list[str]:
    """One line per bucket, indented, then due soon and extensions."""
    lines = [_("  - {label}: {n}").format(label=bucket_label(key), n=getattr(counts, key)) for key in COUNTED]
    if extras:
        lines.append(_("  - Sắp đến hạn (trong {days} ngày): {n}").format(days=DUE_SOON_DAYS, n=counts.due_soon))
        lines.append(_("  - Gia hạn đã duyệt: {n} lần").format(n=counts.extensions))
    return lines


def apart_line(report: Report) -> str | None:
    """'Báo cáo riêng: 13 nhiệm vụ chưa xác định hạn (14 phân công, đã hoàn thành 1); …' or None."""
    t, a = report.tasks, report.assignments
    parts = []
    if t.undated:
        parts.append(_("{n} nhiệm vụ {label} ({m} phân công, đã hoàn thành {d})").format(
            n=t.undated, label=_lower(bucket_label(Bucket.UNDATED)), m=a.undated, d=a.undated_done))
    if t.not_tracked:
        parts.append(_("{n} nhiệm vụ {label} ({m} phân công)").format(
            n=t.not_tracked, label=_lower(bucket_label(Bucket.NOT_TRACKED)), m=a.not_tracked))
    return _("Báo cáo riêng, không tính vào tổng: {parts}.").format(parts="; ".join(parts)) if parts else None


def unit_line(code: str, name: str, c: Counts) -> str:
    """One unit's row: dated assignments and the split; undated and untracked ones apart, named, never a bare 0."""
    split = ", ".join(_("{label} {n}").format(label=_lower(bucket_label(k)), n=getattr(c, k))
                      for k in COUNTED if getattr(c, k))
    apart = "; ".join(_("{label} {n}").format(label=_lower(bucket_label(k)), n=getattr(c, k))
                      for k in Bucket.APART if getattr(c, k))
    line = _("  {code} {name}: {total} — {split}").format(code=code, name=name, total=c.dated,
                                                          split=split or apart or "—")
    return line + "; " + apart if split and apart else line


def scope_line(report: Report) -> str:
    """'Kỳ báo cáo: Quý I/2026 (số liệu từ 15/12/2025 đến 14/03/2026); tính đến ngày 15/04/2026'."""
    scope = report.period.label() if report.period else _("Tất cả thời hạn")
    window = report.period.window_label() if report.period and report.period.code else ""
    if window:
        scope = f"{scope} ({window})"
    return _("Kỳ báo cáo: {scope}; tính đến ngày {date}").format(scope=scope, date=fmt_date(report.as_of))


def report_lines(report: Report, *, unit_limit: int | None = None) -> list[str]:
    """The whole report as lines of text; `unit_limit` keeps the most overdue units only (chat)."""
    lines = [_("BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CCHC"), scope_line(report)]
    if report.plan is not None:
        lines.append(_("Kế hoạch: {title} (#{id})").format(title=report.plan.title, id=report.plan.id))
    if report.unit is not None:
        lines.append(_("Đơn vị: {name} ({code})").format(name=report.unit.name, code=report.unit.code))
    if "partner" not in report.roles:
        lines.append(_("Chỉ tính đơn vị chủ trì."))
    if not report.rows:
        lines.append(_("Không có nhiệm vụ nào trong kỳ báo cáo."))
        return lines
    t, a = report.tasks, report.assignments
    lines.append(_("{n} nhiệm vụ: {summary}").format(n=t.dated, summary=headline(t)))
    lines.append(_("Tính theo nhiệm vụ: {n} nhiệm vụ có hạn ({occ} lượt theo kỳ hạn; nhiệm vụ định kỳ tính một lần, "
                   "hoàn thành khi mọi kỳ, mọi đơn vị chủ trì đã hoàn thành):").format(
        n=t.dated, occ=_counted_occurrences(report)))
    lines += count_lines(t, extras=False)
    lines.append(_("Tính theo phân công (mỗi đơn vị × mỗi kỳ hạn): {n} phân công có hạn:").format(n=a.dated))
    lines += count_lines(a)
    apart = apart_line(report)
    if apart:
        lines.append(apart)
    if report.unit is None:
        lines.append(_("Theo đơn vị, tính theo phân công (quá hạn nhiều nhất trước):"))
        shown = report.units if unit_limit is None else report.units[:unit_limit]
        lines += [unit_line(u.code, u.name, u.counts) for u in shown]
        if len(shown) < len(report.units):
            lines.append(_("  … và {n} đơn vị khác").format(n=len(report.units) - len(shown)))
    return lines


def _counted_occurrences(report: Report) -> int:
    """Occurrences (task × due day) of the tasks the totals count, each task's counted ones only: an untracked or
    undated occurrence of a task that also has counted ones is reported apart, so it is not one of its "lượt"."""
    return sum(t.counted_occurrences for t in report.task_rows if t.bucket not in Bucket.APART)


def paragraph(report: Report) -> str:
    """The ready sentence in the style of the Sở's 9-month report, with this report's numbers.

    Three-way as that document (đúng hạn; hoàn thành nhưng quá hạn; đang thực hiện), the open-and-overdue
    count as its own clause, then what is outside the split (không hoàn thành; chưa xác định hạn).
    """
    t = report.tasks
    text = _("Tổng số nhiệm vụ trong kỳ báo cáo có {total} nhiệm vụ; Số nhiệm vụ đã hoàn thành đúng hạn {on_time}; "
             "Số nhiệm vụ đã hoàn thành nhưng quá hạn {late}; Số nhiệm vụ đang thực hiện {open}, trong đó quá hạn "
             "chưa hoàn thành {overdue}").format(total=_n(t.dated), on_time=_n(t.done_on_time), late=_n(t.done_late),
                                                 open=_n(t.open), overdue=_n(t.overdue))
    if t.not_done:
        text += _("; Số nhiệm vụ không hoàn thành {n}").format(n=_n(t.not_done))
    text += "."
    if t.undated:
        text += " " + _("Ngoài ra có {n} nhiệm vụ chưa xác định hạn.").format(n=_n(t.undated))
    return text


def _n(n: int) -> str:
    """Numbers as the Sở writes them: two digits at least ("03")."""
    return f"{n:02d}"


def report_json(report: Report) -> dict:
    """The JSON of `report --json`: the counts and the paragraph."""
    return {**report.to_json(), "paragraph": paragraph(report)}


__all__ = ["BUCKETS", "apart_line", "count_lines", "headline", "paragraph", "report_json", "report_lines",
           "scope_line", "unit_line"]
