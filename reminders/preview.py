"""What a day's reminders will say, per chat, without writing anything."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from calendars.workdays import WorkCalendar
from config import Settings
from reminders import batches as batching
from reminders import store
from reminders.compose import render
from reminders.planning import plan_day
from reminders.workcal import default_calendar
from storage.models import ReminderState


def preview(session: Session, *, day: date, settings: Settings, work: WorkCalendar | None = None) -> list[dict]:
    """One entry per chat: the message `day`'s round would send (reminders already sent left out)."""
    work = work or default_calendar(settings.day_off_rule)
    if not work.is_working_day(day):
        return []
    dues = plan_day(session, day=day, work=work, settings=settings)
    done = store.stored_keys(session, keys=[d.key for d in dues], states=ReminderState.FINAL)
    dues = [d for d in dues if d.key not in done]
    built = batching.build(session, dues, today=day, work=work, settings=settings)
    out = []
    for batch in built.batches:
        message = render(batch.message, today=day, work=work)
        out.append({"channel": batch.message.channel, "chat_id": batch.message.chat_id,
                    "units": batch.message.units, "kinds": sorted({r.kind for r in batch.rows}),
                    "assignments": message.about, "text": message.text,
                    "buttons": [[b.data for b in row] for row in message.buttons]})
    return out
