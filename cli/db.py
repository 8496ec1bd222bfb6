"""`nhacviec db upgrade`, `nhacviec backup FILE`, `nhacviec restore FILE`: the database itself."""
from __future__ import annotations

from pathlib import Path

import click

from cli.app import App, fail, pass_app
from i18n import _


@click.group("db")
def db_group() -> None:
    """Cơ sở dữ liệu: nâng cấp cấu trúc (migrations)."""


@db_group.command("upgrade")
@pass_app
def upgrade_cmd(app: App) -> None:
    """Áp dụng các bản nâng cấp cấu trúc còn thiếu (nên sao lưu trước)."""
    from storage.db import current_revision, head_revision, known_revision, make_engine, migrate
    from storage.errors import describe
    engine = make_engine(app.settings.database_url)
    current = current_revision(engine)
    if current is not None and not known_revision(current):  # the code was rolled back past the database
        engine.dispose()
        fail(_("Cơ sở dữ liệu ở phiên bản {current}, mới hơn phiên bản nhacviec này ({head}); hãy cập nhật "
               "nhacviec.").format(current=current, head=head_revision()))
    try:
        before = migrate(engine)
    except Exception as exc:  # every step is undone: say so, and why, without a traceback
        if describe(exc):  # unreachable, locked, full, read-only
            fail(describe(exc))
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(_("Nâng cấp cơ sở dữ liệu không thành công; không có thay đổi nào được ghi (vẫn ở phiên bản "
               "{current}). Nguyên nhân: {reason}").format(current=current_revision(engine) or "—", reason=reason))
    finally:
        engine.dispose()
    head = head_revision()
    if before == head:
        click.echo(_("Cơ sở dữ liệu đã ở phiên bản mới nhất ({head}).").format(head=head))
    else:
        click.echo(_("Đã nâng cấp cơ sở dữ liệu: {before} → {head}.").format(before=before or "—", head=head))


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def backup_cmd(app: App, file: Path) -> None:
    """Sao lưu cơ sở dữ liệu vào TỆP, kể cả khi bot đang chạy."""
    from storage.backup import BackupError, backup
    if file.exists():
        fail(_("Tệp {name} đã có; chọn tên khác để không ghi đè bản sao lưu cũ.").format(name=file))
    if not file.absolute().parent.is_dir():
        fail(_("Thư mục {folder} chưa có: tạo thư mục đó (người chạy nhacviec phải ghi được vào) rồi sao lưu lại.")
             .format(folder=file.absolute().parent))
    try:
        backup(app.settings.database_url, file)
    except BackupError as exc:
        fail(str(exc))
    click.echo(_("Đã sao lưu cơ sở dữ liệu vào {name} ({size} KB).").format(
        name=file, size=max(1, file.stat().st_size // 1024)))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Không hỏi lại.")
@pass_app
def restore_cmd(app: App, file: Path, yes: bool) -> None:
    """Khôi phục cơ sở dữ liệu từ bản sao lưu TỆP (dừng bot trước; dữ liệu hiện có bị thay thế)."""
    from storage.backup import BackupError, restore
    if not yes and not click.confirm(_("Toàn bộ dữ liệu hiện có sẽ được thay bằng bản sao lưu {name}. Tiếp tục?")
                                     .format(name=file.name)):
        fail(_("Đã huỷ, không thay đổi gì."))
    try:
        restore(app.settings.database_url, file)
    except BackupError as exc:
        fail(str(exc))
    click.echo(_("Đã khôi phục cơ sở dữ liệu từ {name}. Nếu bản sao lưu cũ hơn phiên bản này, chạy: "
                 "nhacviec db upgrade").format(name=file.name))
