"""Database failures in words an officer can act on: read-only, disk full, locked, unreachable."""
from __future__ import annotations

import errno

from i18n import _

_READ_ONLY = ("readonly database", "read-only", "read only")
_FULL = ("database or disk is full", "no space left", "disk full", "could not extend file")
_LOCKED = ("database is locked", "lock timeout", "could not obtain lock", "deadlock detected")
_UNREACHABLE = ("unable to open database", "connection refused", "could not connect", "connection failed",
                "server closed the connection", "name or service not known", "could not translate host name")


def describe(exc: BaseException) -> str | None:
    """A clear Vietnamese explanation of a storage failure, or None when `exc` is not one."""
    code = getattr(exc, "errno", None) or getattr(getattr(exc, "orig", None), "errno", None)
    text = " ".join(str(part) for part in (exc, getattr(exc, "orig", ""))).lower()
    if code == errno.ENOSPC or any(word in text for word in _FULL):
        return _("Ổ đĩa đã đầy: không ghi được dữ liệu, thay đổi vừa rồi chưa được lưu. Hãy giải phóng dung lượng "
                 "(hoặc báo quản trị máy chủ) rồi thử lại.")
    if code == errno.EROFS or any(word in text for word in _READ_ONLY):
        return _("Cơ sở dữ liệu đang ở chế độ chỉ đọc: không lưu được thay đổi. Kiểm tra quyền ghi của tệp/thư mục "
                 "dữ liệu (NHACVIEC_DATA_DIR) hoặc tài khoản PostgreSQL.")
    if any(word in text for word in _LOCKED):
        return _("Cơ sở dữ liệu đang bị một tiến trình khác khoá quá lâu. Vui lòng thử lại sau ít phút; nếu vẫn "
                 "lỗi, kiểm tra xem có lệnh nhacviec nào khác đang chạy.")
    if any(word in text for word in _UNREACHABLE):
        return _("Không mở được cơ sở dữ liệu. Kiểm tra NHACVIEC_DATABASE_URL (đường dẫn tệp, máy chủ PostgreSQL "
                 "đang chạy, tên người dùng).")
    return None


def is_storage_error(exc: BaseException) -> bool:
    """True for SQLAlchemy operational failures and disk errors that `describe` explains."""
    from sqlalchemy.exc import DBAPIError
    return isinstance(exc, (DBAPIError, OSError)) and describe(exc) is not None
