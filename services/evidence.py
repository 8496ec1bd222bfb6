"""Evidence files (tài liệu kiểm chứng): size limit, checksum, original name, stored once.

Where the bytes live (NHACVIEC_EVIDENCE_STORE): `local` — under NHACVIEC_EVIDENCE_DIR, a directory every worker
must see (a shared mount when there are several); `s3` — in a bucket of an S3-compatible store (MinIO, Ceph,
a cloud's object storage) at NHACVIEC_S3_ENDPOINT, so any worker reads what any other wrote. The `Evidence` row
keeps where: a file path, or `s3://bucket/key`.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import threading
from pathlib import Path
from typing import Protocol

from sqlmodel import Session

from i18n import _
from storage.models import Evidence

log = logging.getLogger(__name__)
S3_SCHEME = "s3://"


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


class Store(Protocol):
    """Where evidence bytes are kept."""

    def put(self, name: str, data: bytes, mime: str) -> str:
        """Keep `data` under `name` (a relative path); returns what the Evidence row stores. EvidenceError."""

    def read(self, stored: str) -> bytes | None:
        """The bytes kept at `stored`, or None when they are not there."""


class LocalStore:
    """A directory (NHACVIEC_EVIDENCE_DIR); with several workers it must be a shared mount."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def put(self, name: str, data: bytes, mime: str = "") -> str:
        target = self.folder / name
        if not target.exists():
            _write(target, data)
        return str(target)

    def find(self, stored: str) -> Path | None:
        """Where the file recorded as `stored` is: that path, or, when the evidence folder has moved (copied to a
        shared mount, restored on another machine), the same `<2 hex>/<sha256>_<name>` under this folder."""
        recorded = Path(stored)
        return next((path for path in (recorded, self.folder / recorded.parent.name / recorded.name)
                     if path.is_file()), None)

    def read(self, stored: str) -> bytes | None:
        path = self.find(stored)
        return path.read_bytes() if path else None


def _write(target: Path, data: bytes) -> None:
    """Write through a .part file of this writer's own (workers sharing the folder may keep the same file at the
    same moment: the name is its content's hash, so whichever lands last is the same file); on a full disk (or any
    write error) remove it and say so."""
    tmp = target.with_name(f"{target.name}.{secrets.token_hex(6)}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.error("evidence %s not written: %s", target.name, exc)
        raise EvidenceError(_("Không lưu được tệp: ổ đĩa của máy chủ đã đầy hoặc không ghi được. Chưa có gì thay "
                              "đổi; vui lòng báo Văn phòng Sở và gửi lại tệp sau.")) from exc


class S3Store:
    """A bucket of an S3-compatible store, reached only at the configured endpoint with the configured keys.

    Nothing is looked up from the machine's AWS set-up (environment, ~/.aws files, instance metadata): the
    endpoint, region and keys are the NHACVIEC_S3_* settings, so a misconfiguration fails loudly instead of
    writing somewhere else.
    """

    def __init__(self, *, endpoint: str, bucket: str, access_key: str, secret_key: str, region: str,
                 prefix: str = "") -> None:
        self.endpoint, self.bucket, self.region = endpoint, bucket, region
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._keys = (access_key, secret_key)
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                self._client = _s3_client(self.endpoint, self.region, *self._keys)
            return self._client

    def put(self, name: str, data: bytes, mime: str = "") -> str:
        from botocore.exceptions import BotoCoreError, ClientError
        key = self.prefix + name
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                                   ContentType=mime or "application/octet-stream")
        except (BotoCoreError, ClientError) as exc:
            log.error("evidence %s not stored in bucket %s: %s", name, self.bucket, exc)
            raise EvidenceError(_("Không lưu được tệp vào kho lưu trữ tệp của Sở (S3). Chưa có gì thay đổi; vui "
                                  "lòng báo Văn phòng Sở và gửi lại tệp sau.")) from exc
        return f"{S3_SCHEME}{self.bucket}/{key}"

    def read(self, stored: str) -> bytes | None:
        from botocore.exceptions import ClientError
        bucket, _sep, key = stored.removeprefix(S3_SCHEME).partition("/")
        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NoSuchBucket"):
                return None
            raise


def _s3_client(endpoint: str, region: str, access_key: str, secret_key: str):
    """A boto3 S3 client for exactly this endpoint and these keys, ignoring the machine's AWS configuration."""
    import boto3
    import botocore.session
    from botocore.config import Config
    from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES as KNOWN
    # Every setting botocore would read from an AWS_* variable is cut off from it, and the ~/.aws files are
    # replaced by nothing: only what is passed here counts.
    core = botocore.session.Session(session_vars={name: (config, None, default, convert)
                                                  for name, (config, _env, default, convert) in KNOWN.items()})
    for name in ("config_file", "credentials_file"):
        core.set_config_variable(name, os.devnull)
    session = boto3.session.Session(botocore_session=core, aws_access_key_id=access_key,
                                    aws_secret_access_key=secret_key, region_name=region)
    config = Config(signature_version="s3v4", s3={"addressing_style": "path"}, connect_timeout=10,
                    read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})
    return session.client("s3", endpoint_url=endpoint, config=config)


_stores: dict[tuple, Store] = {}
_stores_lock = threading.Lock()


def problems(settings) -> list[str]:
    """What is missing for the configured evidence store (empty when it is usable)."""
    if settings.evidence_store != "s3":
        return []
    return [name for name, value in (("NHACVIEC_S3_ENDPOINT", settings.s3_endpoint),
                                     ("NHACVIEC_S3_BUCKET", settings.s3_bucket),
                                     ("NHACVIEC_S3_ACCESS_KEY", settings.s3_access_key),
                                     ("NHACVIEC_S3_SECRET_KEY", settings.s3_secret_key)) if not value]


def evidence_store(settings) -> Store:
    """The store NHACVIEC_EVIDENCE_STORE names (one S3 client per configuration, made on first use)."""
    if settings.evidence_store != "s3":
        return LocalStore(settings.evidence_dir)
    missing = problems(settings)
    if missing:
        raise EvidenceError(_("Kho lưu trữ tệp S3 chưa được cấu hình đủ (thiếu {names}); chưa lưu được tệp. Vui "
                              "lòng báo Văn phòng Sở.").format(names=", ".join(missing)))
    key = (settings.s3_endpoint, settings.s3_bucket, settings.s3_access_key.get_secret_value(),
           settings.s3_secret_key.get_secret_value(), settings.s3_region, settings.s3_prefix)
    with _stores_lock:
        if key not in _stores:
            _stores[key] = S3Store(endpoint=key[0], bucket=key[1], access_key=key[2], secret_key=key[3],
                                   region=key[4], prefix=key[5])
        return _stores[key]


def read_evidence(settings, stored: str) -> bytes | None:
    """The bytes of a stored evidence file, from wherever its row says it is (None when gone)."""
    if stored.startswith(S3_SCHEME):
        store = evidence_store(settings)
        if not isinstance(store, S3Store):
            log.error("evidence %s is in S3 but NHACVIEC_EVIDENCE_STORE is not s3", stored)
            return None
        return store.read(stored)
    return LocalStore(settings.evidence_dir).read(stored)


def keep_file(store: Store, *, data: bytes, name: str, mime: str, limit: int) -> tuple[str, str]:
    """Put the file in the store by checksum (blocking I/O: run it in a thread); (stored, sha256)."""
    check_size(len(data), limit)
    if not data:
        raise EvidenceError(_("Tệp rỗng, không lưu được."))
    digest = hashlib.sha256(data).hexdigest()
    return store.put(f"{digest[:2]}/{digest}_{_safe_name(name)}", data, mime), digest


def record_evidence(session: Session, *, assignment_id: int, stored: str, digest: str, size: int, name: str,
                    mime: str, channel: str, uploaded_by: int | None) -> Evidence:
    """The Evidence row for a file already kept; no commit."""
    evidence = Evidence(assignment_id=assignment_id, stored_path=stored,
                        original_name=name or stored.rsplit("/", 1)[-1], size=size, sha256=digest, mime=mime or "",
                        channel=channel, uploaded_by=uploaded_by)
    session.add(evidence)
    session.flush()
    return evidence


def store_evidence(session: Session, *, assignment_id: int, data: bytes, name: str, mime: str, channel: str,
                   uploaded_by: int | None, folder: Path | None = None, limit: int,
                   store: Store | None = None) -> Evidence:
    """Keep the file (in `store`, or under `folder`) by checksum and record it; no commit."""
    stored, digest = keep_file(store or LocalStore(folder), data=data, name=name, mime=mime, limit=limit)
    return record_evidence(session, assignment_id=assignment_id, stored=stored, digest=digest, size=len(data),
                           name=name, mime=mime, channel=channel, uploaded_by=uploaded_by)
