"""Evidence on a full disk: no half-written .part file is left, nothing is recorded, and the person is told."""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from storage.models import Evidence

LIMIT = 4 * 1024 * 1024


def _small_disk() -> None:
    """In the child: files cannot grow past LIMIT (the kernel answers EFBIG, like ENOSPC on a full disk)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_a_file_that_cannot_be_written_is_cleaned_up_and_explained(tmp_path, db_url, engine):
    report = tmp_path / "bao-cao.pdf"
    report.write_bytes(b"%PDF-1.4\n" + os.urandom(LIMIT + 1024))
    evidence_dir = tmp_path / "evidence"
    env = {**os.environ, "NHACVIEC_DATABASE_URL": db_url, "NHACVIEC_DATA_DIR": str(tmp_path),
           "NHACVIEC_EVIDENCE_DIR": str(evidence_dir)}
    lines = f"/viec\n3\n#2 /file {report} xong\n/quit\n"
    done = subprocess.run([sys.executable, "-m", "cli.main", "console", "--as", "VP", "--sample"], input=lines,
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[1],
                          preexec_fn=_small_disk, timeout=600)
    assert "Không lưu được tệp" in done.stdout and "Traceback" not in done.stdout + done.stderr
    assert list(evidence_dir.rglob("*.part")) == []
    with Session(engine) as s:
        assert s.exec(select(Evidence)).all() == []
