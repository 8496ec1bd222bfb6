"""`nhacviec` console command: one group, one module per feature, each imported only when its command runs.

Adding a command is one line in COMMANDS below:

    "people": ("cli.people:people_group", "Cán bộ của đơn vị: thêm, xem, gỡ."),

— the command's name, where it lives ("module:attribute", a click command or group), and the one-line help shown
by `nhacviec --help`. `nhacviec --help` reads only this table, so it never imports a feature; running a command
imports that feature's module alone. Keep the feature modules' own top-level imports to what they need: pulling
SQLAlchemy, openpyxl or python-telegram-bot into a light command costs users a second each time.
tests/test_cli_startup.py checks that every line resolves to a command of that name.
"""
from __future__ import annotations

import importlib

import click

# name → ("module:attribute", short help for `nhacviec --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "backup": ("cli.db:backup_cmd", "Sao lưu cơ sở dữ liệu vào TỆP, kể cả khi bot đang chạy."),
    "calendar": ("cli.reminders:calendar_group", "Lịch báo cáo định kỳ và hạn nhiệm vụ trong năm."),
    "classify-reply": ("cli.classify:classify_reply", "Đọc câu trả lời nhắc việc: xong, đang làm, gia hạn…"),
    "console": ("cli.chat:console_cmd", "Trò chuyện với bot ngay trong cửa sổ dòng lệnh."),
    "db": ("cli.db:db_group", "Cơ sở dữ liệu: nâng cấp cấu trúc (migrations)."),
    "deadline": ("cli.deadline:deadline_cmd", "Đọc thời hạn như trong cột \"Thời gian hoàn thành\"."),
    "import": ("cli.plans:import_cmd", "Nhập kế hoạch (DOCX, XLSX, CSV, MD) và phụ lục nhiệm vụ."),
    "invite": ("cli.chat:invite_cmd", "Tạo mã mời để cán bộ (hoặc nhóm chat) của đơn vị tham gia bot."),
    "people": ("cli.people:people_group", "Người đã tham gia bot: xem, gỡ quyền."),
    "plans": ("cli.plans:plans_group", "Các kế hoạch đã nhập."),
    "remind": ("cli.reminders:remind_cmd", "Chạy một lượt nhắc việc và gửi qua các kênh đã cấu hình."),
    "reminders": ("cli.reminders:reminders_group", "Nhắc việc: xem trước những gì sẽ gửi, lịch nhắc riêng."),
    "report": ("cli.report:report_cmd", "Báo cáo tổng hợp: hoàn thành đúng hạn, quá hạn, đang thực hiện."),
    "restore": ("cli.db:restore_cmd", "Khôi phục cơ sở dữ liệu từ bản sao lưu TỆP (dừng bot trước)."),
    "run": ("cli.run:run_cmd", "Chạy bot: mọi kênh đã cấu hình và bộ lập lịch nhắc việc."),
    "tasks": ("cli.tasks:tasks_group", "Liệt kê phân công (nhiệm vụ × đơn vị); đóng hàng loạt các kỳ đã qua."),
    "units": ("cli.units:units", "Danh bạ đơn vị (phòng, đơn vị trực thuộc, trường, xã-phường) và nhóm."),
    "web": ("cli.web:web_group", "Trang làm việc cho cán bộ (web): chạy riêng trang, tạo liên kết đăng nhập."),
    "zalo": ("cli.zalo:zalo_group", "Zalo: webhook của Zalo Bot, token của Zalo OA."),
}


def load_command(name: str) -> click.Command:
    """Import the module holding command `name` and return the command."""
    target, _help = COMMANDS[name]
    module_name, attribute = target.split(":")
    return getattr(importlib.import_module(module_name), attribute)


class LazyGroup(click.Group):
    """A group whose commands are imported when invoked; `--help` lists them from COMMANDS."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        return load_command(cmd_name)

    def invoke(self, ctx: click.Context):
        """Run the command; a database that is read-only, full, locked or unreachable is explained, not traced."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not (type(exc).__module__.startswith("sqlalchemy") or isinstance(exc, OSError)):
                raise
            from storage.errors import describe
            message = describe(exc)
            if message is None:
                raise
            from cli.app import fail
            fail(message)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1] if name in COMMANDS else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None,
              help="Ngôn ngữ hiển thị / output language (vi, en).")
@click.pass_context
def main(ctx: click.Context, lang: str | None) -> None:
    """Nhắc việc: theo dõi kế hoạch CCHC, nhắc hạn và ghi nhận kết quả."""
    from cli.app import App
    from config import Settings
    from i18n import set_locale
    settings = Settings()
    chosen = lang or settings.default_lang
    set_locale(chosen)
    ctx.obj = App(settings=settings, lang=chosen)


if __name__ == "__main__":
    main()
