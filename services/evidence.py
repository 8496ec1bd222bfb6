"""Evidence files (tài liệu kiểm chứng): size limit, checksum, original name, stored once."""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from sqlmodel import Session

from i18n import _
from storage.models import Evidence

log = logging.getLogger(__name__)


class EvidenceError(Exception):
    """A file that cannot be kept as evidence."""


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", Path(name or "tep").name, flags=re.UNICODE)
    return cleaned[:120] or "tep"


def check_size(size: int | None, limit: int) -> None:
    """Refuse files over the limit before downloading them."""
    if size is not None and size > limit:
        raise EvidenceError(_("Tệp quá lớn ({size} MB). Giới hạn là {limit} MB.").format(
            size=round(size / 1048576, 1), limit=round(limit / 1048576, 1)))


def _write(target: Path, data: bytes) -> None:
    """Write through a .part file; on a full disk (or any write error) remove it and say so."""
    tmp = target.with_suffix(target.suffix + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.error("evidence %s not written: %s", target.name, exc)
        raise EvidenceError(_("Không lưu được tệp: ổ đĩa của máy chủ đã đầy hoặc không ghi được. Chưa có gì thay "
                              "đổi; vui lòng báo Văn phòng Sở và gửi lại tệp sau.")) from exc


def store_evidence(session: Session, *, assignment_id: int, data: bytes, name: str, mime: str, channel: str,
                   uploaded_by: int | None, folder: Path, limit: int) -> Evidence:
    """Write the file under `folder` by checksum and record it; no commit."""
    check_size(len(data), limit)
    if not data:
        raise EvidenceError(_("Tệp rỗng, không lưu được."))
    digest = hashlib.sha256(data).hexdigest()
    target = folder / digest[:2] / f"{digest}_{_safe_name(name)}"
    if not target.exists():
        _write(target, data)
    evidence = Evidence(assignment_id=assignment_id, stored_path=str(target), original_name=name or target.name,
                        size=len(data), sha256=digest, mime=mime or "", channel=channel, uploaded_by=uploaded_by)
    session.add(evidence)
    session.flush()
    return evidence
