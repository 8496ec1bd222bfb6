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


def test_two_workers_keeping_the_same_file_at_once_both_succeed(tmp_path, monkeypatch):
    """The same report sent twice at once (a retried webhook at another worker, or two staff of a unit) reaches two
    workers sharing the evidence folder: each writes its own temporary file, so neither is told the disk is full."""
    import threading

    from services.evidence import LocalStore

    store, data = LocalStore(tmp_path / "evidence"), b"%PDF-1.4\n% bao cao quy IV\n%%EOF\n"
    first_written, second_done = threading.Event(), threading.Event()
    write_bytes, calls = Path.write_bytes, []

    def paused_write(path, content):   # the first writer stops between writing and moving into place
        written = write_bytes(path, content)
        calls.append(path)
        if len(calls) == 1:
            first_written.set()
            assert second_done.wait(60), "the second writer never finished"
        return written

    monkeypatch.setattr(Path, "write_bytes", paused_write)
    results: dict[str, object] = {}

    def keep(who: str) -> None:
        try:
            results[who] = store.put("ab/abcdef_bao-cao.pdf", data)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test reads
            results[who] = exc
        finally:
            if who == "second":
                second_done.set()

    first = threading.Thread(target=keep, args=("first",))
    first.start()
    assert first_written.wait(60)
    keep("second")
    first.join(60)
    assert results == {"first": str(tmp_path / "evidence/ab/abcdef_bao-cao.pdf"),
                       "second": str(tmp_path / "evidence/ab/abcdef_bao-cao.pdf")}, results
    assert (tmp_path / "evidence/ab/abcdef_bao-cao.pdf").read_bytes() == data
    assert list((tmp_path / "evidence").rglob("*.part")) == []
