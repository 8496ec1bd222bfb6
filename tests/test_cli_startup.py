"""The console command starts light: `--help` and the text-only commands import no database, chat or Excel library."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click

from cli.main import COMMANDS, load_command

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "telegram", "openpyxl", "docx", "httpx", "apscheduler")

PROBE = """
import json, sys
from cli.main import main
try:
    main(sys.argv[1:], prog_name="nhacviec")
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def _run(*args: str) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    *_, modules = done.stderr.strip().splitlines()
    return done.stdout, set(json.loads(modules))


def test_every_registered_command_resolves_to_a_command_of_that_name():
    for name in COMMANDS:
        command = load_command(name)
        assert isinstance(command, click.Command)
        assert command.name == name


def test_help_lists_every_command_without_importing_any_feature():
    out, modules = _run("--help")
    for name in COMMANDS:
        assert f"  {name} " in out
    assert not modules & set(HEAVY), modules & set(HEAVY)
    assert not {m for m in modules if m in {"plans", "reminders", "bot", "handlers", "storage", "services"}}


def test_deadline_reads_a_phrase_without_loading_the_database_or_chat_libraries():
    out, modules = _run("deadline", "--year", "2026", "Quý I/2026")
    assert json.loads(out.splitlines()[0])["dues"] == ["2026-03-31"]
    assert not modules & set(HEAVY), modules & set(HEAVY)
