"""`nhacviec classify-reply`: how the bot reads a unit's answer to a reminder."""
from __future__ import annotations

import json
from datetime import datetime

import click

from i18n import LOCAL_TZ, _
from replies.classifier import classify


def register(main: click.Group) -> None:
    """Add `classify-reply` to the console command."""
    main.add_command(classify_reply)


@click.command("classify-reply")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=_("Ngày viết câu trả lời (YYYY-MM-DD); mặc định là hôm nay theo giờ Việt Nam."))
@click.argument("texts", nargs=-1, required=True)
def classify_reply(today: datetime | None, texts: tuple[str, ...]) -> None:
    """Đọc câu trả lời nhắc việc: xong, đang làm, chưa làm, xin gia hạn hay chưa rõ (mỗi câu một dòng JSON)."""
    day = today.date() if today else datetime.now(LOCAL_TZ).date()
    for text in texts:
        click.echo(json.dumps(classify(text, today=day).to_json(), ensure_ascii=False))
