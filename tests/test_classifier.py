"""Replies to reminders, as unit staff type them on phones, and what the bot understands."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from i18n import LOCAL_TZ
from replies.classifier import INTENTS, MAX_CHARS, Reply, classify
from replies.words import plain

TABLE = Path(__file__).parent / "data" / "replies.tsv"
THURSDAY = date(2026, 3, 5)
# Meaning that lives only in the diacritics: "à" makes "đã gửi rồi à" a question.
NEEDS_DIACRITICS = {"đã gửi rồi à"}


def _rows() -> list[dict]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = _rows()


def _today(row: dict) -> date:
    return date.fromisoformat(row["today"]) if row["today"] else THURSDAY


def _expected(row: dict) -> Reply:
    day = None if row["date"] == "-" else date.fromisoformat(row["date"])
    return Reply(row["intent"], day, row["sure"] == "1")


@pytest.mark.parametrize("row", ROWS, ids=[f"{n + 2}:{r['text'][:40]}" for n, r in enumerate(ROWS)])
def test_reply_table(row):
    assert classify(row["text"], today=_today(row)) == _expected(row)


def test_table_is_broad():
    intents = {r["intent"] for r in ROWS}
    assert len(ROWS) >= 150 and intents == set(INTENTS)
    assert len({r["today"] for r in ROWS if r["today"]}) >= 4
    assert sum(r["text"].isascii() for r in ROWS) >= 40  # typed without diacritics


@pytest.mark.parametrize("row", [r for r in ROWS if r["text"] not in NEEDS_DIACRITICS and not r["text"].isascii()],
                         ids=lambda r: r["text"][:40])
def test_same_reading_without_diacritics(row):
    stripped = classify(plain(row["text"]), today=_today(row))
    assert (stripped.intent, stripped.date) == (row["intent"], _expected(row).date)


@pytest.mark.parametrize("text", ["chưa xong", "xong chưa?", "đã xong chưa", "xong hết chưa anh",
                                  "Hạn nộp là ngày nào?", "khi nào phải nộp ạ", "đã nhận",
                                  "em nhận được rồi ạ", "không xong kịp", "chẳng xong được"])
def test_negations_questions_and_receipts_are_never_done(text):
    assert classify(text, today=THURSDAY).intent != "done"


def test_to_json_has_exactly_intent_and_date():
    assert classify("mai em nộp", today=THURSDAY).to_json() == {"intent": "in_progress", "date": "2026-03-06"}
    assert classify("xong r nha", today=THURSDAY).to_json() == {"intent": "done", "date": None}


def test_reply_is_frozen():
    reply = classify("xong", today=THURSDAY)
    with pytest.raises(FrozenInstanceError):
        reply.intent = "not_done"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80))
def test_any_text_gives_a_well_formed_reply(text):
    reply = classify(text, today=THURSDAY)
    assert reply.intent in INTENTS
    assert json.loads(json.dumps(reply.to_json())) == reply.to_json()
    assert reply.date is None or reply.intent in ("in_progress", "extension") or (
        reply.intent == "done" and reply.date <= THURSDAY)  # a completion day is never in the future
    assert reply.intent != "unknown" or not reply.confident


@pytest.mark.parametrize("text", ["xong ngày 20/3 " * 2700, "mai " * 10_000, "đã xong " * 5000, "a" * 40_000])
def test_a_40_kb_message_is_read_in_bounded_work(text):
    """Classification is linear and bounded: a 40 KB message reads like its opening words."""
    assert classify(text, today=THURSDAY) == classify(text[:MAX_CHARS], today=THURSDAY)
    assert len(text.encode()) >= 40_000  # bench/bench_classify.py times it


def test_is_fast():
    texts = [r["text"] for r in ROWS] * 5
    started = time.perf_counter()
    for text in texts:
        classify(text, today=THURSDAY)
    assert (time.perf_counter() - started) / len(texts) < 0.002


def test_is_pure():
    """Importing the classifier pulls in no database, network or bot library."""
    code = ("import sys, replies.classifier; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sqlalchemy', 'sqlmodel', 'httpx', 'telegram', 'storage', 'config'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


def test_cli_prints_one_json_line_per_text(cli):
    result = cli("classify-reply", "--today", "2026-03-05", "mai em nộp", "Xin gia hạn đến 20/3 ạ",
                 "xong chưa?", "Dạ em chào anh, bên em xong rồi ạ")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        '{"intent": "in_progress", "date": "2026-03-06"}',
        '{"intent": "extension", "date": "2026-03-20"}',
        '{"intent": "unknown", "date": null}',
        '{"intent": "done", "date": null}',
    ]


def test_cli_today_defaults_to_vietnam_date(cli):
    before = datetime.now(LOCAL_TZ).date()
    result = cli("classify-reply", "ngày kia em gửi")
    after = datetime.now(LOCAL_TZ).date()
    promised = json.loads(result.output)["date"]
    assert promised in {(d + timedelta(days=2)).isoformat() for d in (before, after)}


def test_cli_rejects_a_bad_today(cli):
    result = cli("classify-reply", "--today", "05/03/2026", "xong")
    assert result.exit_code == 2
    assert "--today" in result.output


def test_cli_needs_a_text(cli):
    assert cli("classify-reply").exit_code == 2
