"""`nhacviec reminders preview`, `nhacviec remind`, `nhacviec calendar [apply]`."""
from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlmodel import Session

from calendars import ics
from calendars.apply import SOURCE_PREFIX, apply_calendar, find_compiler, find_plan, task_deadlines
from calendars.reporting import CalendarError, load_calendar
from calendars.reporting_warnings import calendar_warnings
from cli.app import ROW_ID, App, fail, pass_app
from i18n import _, fmt_date, fmt_datetime
from bot.channels import build_messengers, open_messengers
from reminders import cadence_config
from reminders.preview import preview
from reminders.rounds import RoundReport, run_round
from reminders.workcal import default_calendar
from services.labels import task_ref
from services.queries import unit_by_code
from storage.types import utcnow
from units.directory import kind_label


def register(main: click.Group) -> None:
    main.add_command(reminders_group)
    main.add_command(remind_cmd)
    main.add_command(calendar_group)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(_("Ngày {value} không hợp lệ; viết dạng YYYY-MM-DD, ví dụ 2026-03-10.").format(value=text))


def _moment(text: str, tz: str) -> datetime:
    """ISO date-time; without a zone it is Vietnam time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(_("Thời điểm {value} không hợp lệ; viết dạng 2026-03-10T08:30.").format(value=text))
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))


@click.group("reminders")
def reminders_group() -> None:
    """Nhắc việc: xem trước những gì sẽ gửi."""


@reminders_group.command("preview")
@click.option("--date", "day_text", required=True, help="Ngày cần xem (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@pass_app
def preview_cmd(app: App, day_text: str, as_json: bool) -> None:
    """Liệt kê nhắc việc sẽ gửi trong một ngày (theo từng cuộc trò chuyện), không ghi gì."""
    day = _day(day_text)
    with Session(app.engine) as session:
        chats = preview(session, day=day, settings=app.settings)
    if as_json:
        click.echo(json.dumps({"date": day.isoformat(), "working_day": default_calendar().is_working_day(day),
                               "chats": chats}, ensure_ascii=False, indent=1))
        return
    if not default_calendar().is_working_day(day):
        click.echo(_("{date} là ngày nghỉ: không gửi nhắc việc.").format(date=fmt_date(day)))
        return
    click.echo(_("Ngày {date}: {n} cuộc trò chuyện sẽ nhận nhắc việc.").format(date=fmt_date(day), n=len(chats)))
    for chat in chats:
        click.echo(f"\n— {chat['channel']} {chat['chat_id']} —\n{chat['text']}")


DEFAULT_WORDS = ("default", "mac-dinh", "mặc định", "macdinh")


@reminders_group.command("cadence")
@click.option("--plan", "plan_id", type=ROW_ID, required=True, help="Mã kế hoạch (xem nhacviec plans list).")
@click.option("--task", "task_number", default=None, help="Số thứ tự nhiệm vụ trong kế hoạch (bỏ trống: cả kế hoạch).")
@click.option("--offsets", default=None,
              help='Nhắc trước hạn bao nhiêu ngày, ví dụ "7,3,1,0"; "default" để dùng mặc định.')
@click.option("--checkin", type=click.Choice(["monthly", "weekly", "default"]), default=None,
              help="Nhịp hỏi tiến độ của nhiệm vụ không có hạn (chỉ với --task).")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@pass_app
def cadence_cmd(app: App, plan_id: int, task_number: str | None, offsets: str | None, checkin: str | None,
                as_json: bool) -> None:
    """Xem hoặc đặt lịch nhắc riêng cho một kế hoạch hay một nhiệm vụ."""
    offsets_value = cadence_config.KEEP if offsets is None else (None if offsets.strip().lower() in DEFAULT_WORDS
                                                                 else offsets)
    checkin_value = cadence_config.KEEP if checkin is None else (None if checkin == "default" else checkin)
    with Session(app.engine, expire_on_commit=False) as session:
        try:
            plan, task = cadence_config.find(session, plan_id=plan_id, task_number=task_number)
            cadence_config.change(session, plan=plan, task=task, offsets=offsets_value, checkin=checkin_value)
        except cadence_config.CadenceError as exc:
            fail(_cadence_error(str(exc), plan_id, task_number))
        session.commit()
        shown = cadence_config.current(plan, task, app.settings)
    if as_json:
        click.echo(json.dumps(shown.as_json(), ensure_ascii=False, indent=1))
        return
    click.echo(cadence_text(shown))


def _cadence_error(code: str, plan_id: int, task_number: str | None) -> str:
    kind, _sep, value = code.partition(":")
    if kind == "plan":
        return _("Không có kế hoạch #{plan}.").format(plan=plan_id)
    if kind == "task":
        return _("Kế hoạch #{plan} không có nhiệm vụ {number}.").format(plan=plan_id, number=task_number)
    if kind == "offsets":
        return _("Số ngày nhắc {value} không hợp lệ; viết dạng 7,3,1,0 (0 là sáng ngày đến hạn, tối đa 60).").format(
            value=value)
    return _("Nhịp hỏi tiến độ chỉ đặt được cho từng nhiệm vụ (--task).")


def cadence_text(shown: cadence_config.Cadence) -> str:
    """ "Kế hoạch #1: nhắc trước hạn 7, 3, 1, 0 ngày làm việc (mặc định)." and, for a task, its check-ins."""
    sources = {"task": _("riêng nhiệm vụ"), "plan": _("theo kế hoạch"), "default": _("mặc định")}
    days = ", ".join(map(str, shown.offsets))
    if shown.task_number is None:
        return _("Kế hoạch #{plan}: nhắc trước hạn {days} ngày làm việc ({source}).").format(
            plan=shown.plan_id, days=days, source=sources[shown.offsets_from])
    every = {"monthly": _("hằng tháng"), "weekly": _("hằng tuần")}.get(shown.checkin, shown.checkin)
    return _("Nhiệm vụ {number} (kế hoạch #{plan}): nhắc trước hạn {days} ngày làm việc ({source}); hỏi tiến độ khi chưa "
             "có hạn: {every} ({checkin_source}).").format(
        number=shown.task_number, plan=shown.plan_id, days=days, source=sources[shown.offsets_from], every=every,
        checkin_source=sources[shown.checkin_from])


@click.command("remind")
@click.option("--at", "at_text", required=True, help="Thời điểm (ISO, giờ Việt Nam nếu không ghi múi giờ).")
@click.option("--dry-run", is_flag=True, help="Chỉ cho biết sẽ gửi gì; không gửi, không ghi.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@pass_app
def remind_cmd(app: App, at_text: str, dry_run: bool, as_json: bool) -> None:
    """Chạy một lượt nhắc việc tại thời điểm đó và gửi qua các kênh đã cấu hình."""
    moment = _moment(at_text, app.settings.timezone)
    messengers = build_messengers(app.settings)
    if not messengers and not dry_run and not as_json:
        click.echo(_("Chưa cấu hình kênh nào (Telegram, Zalo): nhắc việc được ghi lại và chờ đến khi có kênh."))
    try:
        report = asyncio.run(_remind(app, messengers, moment, dry_run))
    except Exception as exc:  # the channel could not even be reached (getMe): say so plainly
        from bot.serve import startup_problem
        fail(_("Không kết nối được kênh gửi tin: {error}").format(error=startup_problem(exc, app.settings)))
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        return
    click.echo(summary(report))
    if dry_run:
        for chat in report.tally.outcomes:
            click.echo(f"\n— {chat['channel']} {chat['chat_id']} —\n{chat['text']}")


RETRY_WITHIN = timedelta(seconds=60)  # a 429 asking to wait up to this long is waited out before returning


async def _remind(app: App, messengers: dict, moment: datetime, dry_run: bool) -> RoundReport:
    if dry_run:
        return await run_round(app.engine, app.settings, messengers, moment, dry_run=True)
    async with open_messengers(messengers):  # sent now, whatever moment the round is as of
        report = await run_round(app.engine, app.settings, messengers, moment, wall_clock=utcnow)
        for _attempt in range(5):  # a short retry_after: wait it out, so the officer's one command delivers
            wait = max((until - moment for until in report.tally.held.values()), default=timedelta(0))
            if not report.tally.deferred or not report.tally.held or wait > RETRY_WITHIN:
                break
            await asyncio.sleep(wait.total_seconds())
            moment += wait
            again = await run_round(app.engine, app.settings, messengers, moment, wall_clock=utcnow)
            report = _merged(report, again)
        return report


def _merged(first: RoundReport, again: RoundReport) -> RoundReport:
    """One report for a round and its retry: counts added, what is still deferred from the retry."""
    t, a = first.tally, again.tally
    t.messages, t.sent, t.late, t.failed = t.messages + a.messages, t.sent + a.sent, t.late + a.late, t.failed + a.failed
    t.skipped, t.held = t.skipped + a.skipped, a.held
    t.states.update(a.states)  # a row deferred first and not tried again (a 500's backoff) is still waiting
    t.deferred = sum(state == "deferred" for state in t.states.values())
    t.outcomes = [o for o in t.outcomes if o.get("state") != "deferred"] + a.outcomes
    first.planned += again.planned
    return first


def summary(report: RoundReport) -> str:
    """What a round did, in one or two sentences."""
    when = fmt_datetime(report.at)
    if not report.working:
        return _("{when}: ngoài giờ làm việc hoặc ngày nghỉ, không gửi nhắc việc nào.").format(when=when)
    t = report.tally
    head = _("Chạy thử lúc {when} (không gửi, không ghi): sẽ gửi") if report.dry_run else _(
        "Nhắc việc lúc {when}: đã gửi")
    return (head.format(when=when) + " " + _(
        "{messages} tin nhắn ({sent} nhắc việc, {late} gửi muộn); không gửi được {failed}; bỏ qua {skipped}; "
        "chờ gửi lại {deferred}.").format(messages=t.messages, sent=t.sent, late=t.late, failed=t.failed,
                                           skipped=t.skipped, deferred=t.deferred))


@click.group("calendar", invoke_without_command=True)
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="Năm (mặc định: năm nay).")
@click.option("--unit", "unit_code", default=None, help="Chỉ hạn của một đơn vị (mã đơn vị).")
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Ghi thêm tệp lịch .ics.")
@click.option("--preset", default=None, help="Lịch báo cáo mẫu hoặc tệp YAML (mặc định theo cấu hình).")
@click.pass_context
def calendar_group(ctx: click.Context, year: int | None, unit_code: str | None, ics_path: Path | None,
                   preset: str | None) -> None:
    """Lịch báo cáo định kỳ và hạn nhiệm vụ trong năm; `calendar apply` tạo các kỳ báo cáo thành nhiệm vụ."""
    if ctx.invoked_subcommand:
        return
    app = ctx.find_object(App)
    year = year or datetime.now(ZoneInfo(app.settings.timezone)).year
    work = default_calendar(app.settings.day_off_rule)
    with Session(app.engine) as session:
        applied = find_plan(session, year=year)
        if preset is None and applied is not None:  # show the calendar the year's plan was made from
            preset = applied.source_name.removeprefix(SOURCE_PREFIX)
        calendar, name = _calendar(app, preset)
        unit = unit_by_code(session, unit_code) if unit_code else None
        if unit_code and unit is None:
            fail(_("Không có đơn vị mã {code}.").format(code=unit_code))
        tasks = task_deadlines(session, year=year, work=work, unit=unit)
        compiler = find_compiler(session, names=calendar.compiler)
    periods = calendar.periods(year, work)
    click.echo(_("{name}: các kỳ báo cáo năm {year}").format(name=calendar.name, year=year))
    if unit is None:
        click.echo(_("Đơn vị tổng hợp, gửi báo cáo lên cấp trên: {unit}").format(
            unit=compiler.name if compiler else _("chưa xác định (thêm «compiler» vào tệp lịch hoặc dùng "
                                                  "calendar apply --compiler MÃ)")))
    for period in periods:
        _show_period(period, unit, work, compiler)
    _show_warnings(calendar_warnings(calendar, year, work))
    _show_tasks(tasks, year, unit, work)
    if ics_path:
        _write_ics(ics_path, periods, tasks, name, unit, work, calendar.name, _kind(unit, compiler))


def _calendar(app: App, preset: str | None):
    name = preset or app.settings.reporting_calendar
    try:
        return load_calendar(name), Path(name).stem
    except CalendarError as exc:
        fail(str(exc))


def effective_label(nominal: date, effective: date, work) -> str:
    """ "20/06/2026 (thứ Bảy) → 19/06/2026", or just the date when it is a working day."""
    if nominal == effective:
        return fmt_date(nominal)
    return f"{fmt_date(nominal)} ({ics.day_label(nominal, work)}) → {fmt_date(effective)}"


def _show_period(period, unit, work, compiler=None) -> None:
    click.echo("\n" + _("{name} (số liệu từ {start} đến {end})").format(
        name=period.name, start=fmt_date(period.cutoff_start), end=fmt_date(period.cutoff_end)))
    if unit is not None:
        # The compiling unit's deadline is the one upward (the assignment `calendar apply` gives it).
        nominal, effective = period.deadline_for(_kind(unit, compiler))
        click.echo("  " + _("Hạn của {unit}: {date}").format(unit=unit.name,
                                                           date=effective_label(nominal, effective, work)))
        return
    click.echo("  " + _("Cơ quan gửi lên cấp trên: {date}").format(
        date=effective_label(period.so_deadline, period.so_effective, work)))
    for kind, nominal in period.unit_deadlines.items():
        label = _("Các đơn vị khác") if kind == "default" else kind_label(kind)
        click.echo(f"  {label}: {effective_label(nominal, period.unit_effective[kind], work)}")


def _kind(unit, compiler) -> str:
    """Whose deadlines a view shows: the compiling unit (and the whole calendar) the one upward, else its kind's."""
    return "so" if unit is None or compiler is not None and compiler.id == unit.id else unit.kind


def _show_warnings(lines: list[str]) -> None:
    if lines:
        click.echo("\n" + _("Cần lưu ý ({n}):").format(n=len(lines)))
        click.echo("\n".join("  ⚠ " + line for line in lines))


def _show_tasks(tasks, year: int, unit, work) -> None:
    click.echo("\n" + (_("Hạn nhiệm vụ năm {year} của {unit}:").format(year=year, unit=unit.name) if unit
                       else _("Hạn nhiệm vụ năm {year}:").format(year=year)))
    if not tasks:
        click.echo("  " + _("(chưa có nhiệm vụ nào có hạn trong năm)"))
    for t in tasks:
        units = "" if unit else " [" + ", ".join(t.units[:5]) + (" …" if len(t.units) > 5 else "") + "]"
        click.echo(f"  {effective_label(t.nominal, t.effective, work)}  " + _("{ref}: {title}").format(
            ref=task_ref(t.number, "calendar" if t.from_calendar else ""), title=t.title[:90]) + units)


def _write_ics(path: Path, periods, tasks, scope: str, unit, work, title: str, kind: str) -> None:
    events = ics.period_events(periods, scope=scope, kind=kind, unit=unit.code if unit else "", work=work)
    for t in (t for t in tasks if not t.from_calendar):
        events.append(ics.CalendarEvent(
            uid=ics.event_uid(f"{t.plan}.{t.number}", unit.code if unit else "all", t.nominal), day=t.effective,
            summary=_("Hạn NV {number}: {title}").format(number=t.number, title=t.title[:120]),
            description=ics.deadline_text(t.nominal, t.effective, work) + "\n" + t.plan))
    try:
        path.write_bytes(ics.to_ics(events, name=title, alarm_days_before=3))
    except OSError as exc:
        fail(_("Không ghi được tệp {name}: {error}").format(name=path, error=exc.strerror or exc))
    click.echo("\n" + _("Đã ghi {n} sự kiện vào {name}.").format(n=len(events), name=path))


@calendar_group.command("apply")
@click.option("--preset", default=None, help="Lịch báo cáo mẫu hoặc tệp YAML (mặc định theo cấu hình).")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="Năm báo cáo.")
@click.option("--compiler", "compiler_code", default=None,
              help="Mã đơn vị tổng hợp, gửi báo cáo lên cấp trên (mặc định theo tệp lịch, ví dụ VP).")
@click.option("--track-from", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
              help="Bắt đầu theo dõi từ ngày này: các kỳ đến hạn trước đó ghi là không theo dõi "
                   "(mặc định: hôm nay, nếu năm đã bắt đầu).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@pass_app
def apply_cmd(app: App, preset: str | None, year: int, compiler_code: str | None, track_from, as_json: bool) -> None:
    """Tạo/cập nhật kế hoạch "Lịch báo cáo CCHC định kỳ" của năm: mỗi kỳ báo cáo là một nhiệm vụ."""
    calendar, name = _calendar(app, preset)
    work = default_calendar(app.settings.day_off_rule)
    with Session(app.engine, expire_on_commit=False) as session:
        compiler = find_compiler(session, names=(compiler_code,) if compiler_code else calendar.compiler)
        if compiler_code and compiler is None:
            fail(_("Không có đơn vị mã {code}.").format(code=compiler_code))
        today = datetime.now(ZoneInfo(app.settings.timezone)).date()
        start = track_from.date() if track_from else (today if year <= today.year else None)
        report = apply_calendar(session, calendar=calendar, preset=name, year=year, work=work, compiler=compiler,
                                track_from=start)
        session.commit()
    warnings = calendar_warnings(calendar, year, work)
    if compiler is None:
        warnings.insert(0, _("Chưa xác định đơn vị tổng hợp báo cáo: hạn gửi lên cấp trên chưa giao cho ai "
                             "(dùng --compiler MÃ)."))
    if as_json:
        click.echo(json.dumps({"plan_id": report.plan_id, "created": report.created, "updated": report.updated,
                               "removed": report.removed, "assignments_created": report.assignments_created,
                               "assignments_cancelled": report.assignments_cancelled,
                               "unchanged": report.unchanged, "compiler": compiler.code if compiler else None,
                               "not_tracked": report.not_tracked,
                               "warnings": warnings}, ensure_ascii=False, indent=1))
        return
    click.echo(_("Đã áp dụng {name} cho năm {year} (kế hoạch #{plan}): {tasks} kỳ báo cáo mới, {updated} cập "
                 "nhật, {assignments} giao việc mới.").format(
        name=calendar.name, year=year, plan=report.plan_id, tasks=len(report.created), updated=len(report.updated),
        assignments=report.assignments_created) if not report.unchanged else
        _("Lịch báo cáo năm {year} đã khớp, không có gì thay đổi.").format(year=year))
    if compiler is not None:
        click.echo(_("Đơn vị tổng hợp, gửi báo cáo lên cấp trên: {unit}").format(unit=compiler.name))
    if report.not_tracked:
        click.echo(_("Bắt đầu theo dõi từ {date}: {n} phân công đến hạn trước ngày này được ghi là không theo dõi "
                     "(không nhắc, không tính quá hạn; đổi bằng --track-from).").format(
            date=fmt_date(report.track_from), n=report.not_tracked))
    _show_warnings(warnings)
