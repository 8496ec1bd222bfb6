"""Evidence files (tài liệu kiểm chứng): size limit, checksum, original name, stored once."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlmodel import Session

from i18n import _
from storage.models import Evidence


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


def store_evidence(session: Session, *, assignment_id: int, data: bytes, name: str, mime: str, channel: str,
                   uploaded_by: int | None, folder: Path, limit: int) -> Evidence:
    """Write the file under `folder` by checksum and record it; no commit."""
    check_size(len(data), limit)
    if not data:
        raise EvidenceError(_("Tệp rỗng, không lưu được."))
    digest = hashlib.sha256(data).hexdigest()
    target = folder / digest[:2] / f"{digest}_{_safe_name(name)}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    evidence = Evidence(assignment_id=assignment_id, stored_path=str(target), original_name=name or target.name,
                        size=len(data), sha256=digest, mime=mime or "", channel=channel, uploaded_by=uploaded_by)
    session.add(evidence)
    session.flush()
    return evidence
