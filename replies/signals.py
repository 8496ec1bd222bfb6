"""What one clause of a reply says: finished, working on it, promised, not done, asking for time, asking."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date

from replies.dates import When, find_dates
from replies.words import Clause

FINISH = {"xong", "hoan thanh", "hoan tat", "done", "finished", "completed", "sent", "submitted", "ban hanh"}
DELIVER = {"gui", "nop", "up", "upload", "tai len", "post", "cap nhat", "nhap", "chuyen", "trinh",
           "sign", "bao cao", "dinh kem", "send", "submit"}
WORK = {"lam", "thuc hien", "tong hop", "soan", "viet", "sua", "chinh sua", "hoan thien", "xu ly",
        "ra soat", "kiem tra", "xay dung", "trien khai", "du thao", "bo sung"}
_VERBS = {**dict.fromkeys(WORK, "work"), **dict.fromkeys(DELIVER, "deliver"), **dict.fromkeys(FINISH, "finish")}
# Which signal a verb gives: by its aspect, else (no aspect word at all) by the kind of verb.
_ASPECT_SIGNAL = {"neg": "not_done", "prog": "progress", "perf": "done", "fut": "promise"}
_BARE_SIGNAL = {"finish": "done", "deliver": "done_weak"}  # "xong ạ" is done; "em gửi ạ" probably

# Aspect words: before the verb ("đã gửi", "sẽ gửi", "đang làm", "chưa nộp") and after it ("gửi rồi", "gửi sau").
_BEFORE = {"da": "perf", "vua": "perf", "xin": "perf", "dang": "prog", "se": "fut", "de": "fut",
           "sap": "fut", "hen": "fut", "dinh": "fut", "chua": "neg", "khong": "neg", "chang": "neg"}
_AFTER_FUTURE = {"sau", "ngay", "luon", "lien", "tiep", "som", "not", "xongif"}
_CONJUNCTIONS = {"va", "nhung", "ma", "thi", "con", "roi"}
_NEG_REACH = 3
_BEFORE_REACH = 4
_PARTICLES = {"a", "ya", "nhe", "nha", "nhi", "vay", "the", "ta", "oi", "day", "do", "ha", "anh", "chi",
              "em", "thay", "co", "ban", "c", "ac", "sep", "moi", "nguoi", "voi"}
_ASKABLE = {w.split()[0] for w in _VERBS} | {"co", "duoc", "kip", "het", "roi", "can", "phai", "nhan", "ok"}


def _rx(pattern: str) -> re.Pattern:
    return re.compile(r"\b(?:" + pattern + r")\b")


# "xong (thì) em gửi" waits on the work; "xong báo cáo (tháng 6)" right after it is the report finished
_CONDITIONAL = re.compile(r"\b(?:(?:khi nao|bao gio|luc nao) (?:lam )?xong|xong(?= (?:"
                          r"(?:(?:thi|la) |(?:thi |la )?(?:em |minh |ben em |chung em |se )+)"
                          r"(?:gui|nop|bao|up|chuyen|trinh)|(?:gui|nop|bao(?! cao)|up|chuyen|trinh))\b)"
                          r"(?!.*\broi\b))")
_QUESTION = _rx(r"nao|bao gio|bao nhieu|gi|ai|(?<!\bban )sao(?! mai)|where|howmany|ask|(?:cho em|em|xin) hoi"
                r"|(?:o|qua|vao|len) dau|ngay may|may (?:gio|ngay|ban|file|lan|cai|trang|bo|muc)"
                r"|phai khong|duoc khong|co phai|co can|hay(?! (?:qua|lam|very)\b)(?= \w)")
_REQUEST = _rx(r"giup|gium|dum")
_EXTENSION = _rx(r"gia han|lui|move|postpone|khat|stretch|extension|extend|them thoi gian"
                 r"|doi (?:han|sang|den|toi|lai)|hoan (?:lai|den|sang|toi)|xin hoan|xin them|can them"
                 r"|cho (?:em |minh )?(?:xin )?(?:them|den|toi|sang|qua)|(?:nop|gui|bao cao) (?:late|muon|cham|tre)"
                 r"|xin phep (?:nop|gui|bao cao)(?: [a-z]+)? sau")
_ASKS_FOR_DAY = _rx(r"xin|cho (?:em|minh)(?! (?:hoi|ask)\b)")
_PROGRESS = _rx(r"dang(?! busy)|in progres|working|doing|do dang|tiep tuc")
_PARTIAL = _rx(r"gan xong|sap xong|gan het|xong (?:1|mot) (?:phan|nua|it)|1 phan|1 nua|phan lon|xong phan"
               r"|con thieu|con 1 (?:chut|it)|(?:chua|khong) (?:xong|hoan thanh) het|chua du|\d{1,2}(?=%)")
_NOT_DONE = _rx(r"(?:khong|chua|chang) (?:kip|the|duoc|co(?! gi))|forgot|quen mat|not yet|not done"
                r"|chua(?! (?:thay|biet|hieu|ro)\b)")
_UNSURE_NOT_DONE = _rx(r"busy|ban qua")
_PAST = _rx(r"hom qua|hom truoc|tuan truoc|luc nay|ban nay|morning nay|sang nay")
_RECEIPT = _rx(r"nhan duoc|da nhan|nhan roi|em nhan|da doc|doc roi|biet roi|ro roi|da ro|noted|got it")
_OK = _rx(r"ok|duoc")


@dataclass
class Signals:
    """What a reply (or one clause of it) says; clauses are merged with `|`."""

    done: bool = False        # "xong", "đã gửi", "nộp rồi"
    done_weak: bool = False   # "ok", "em gửi anh ạ": probably done, ask to be sure
    progress: bool = False    # "đang làm"
    promise: bool = False     # "mai em nộp", "em sẽ gửi"
    partial: bool = False     # "gần xong", "xong 1 phần", "70%"
    not_done: bool = False    # "chưa làm", "không kịp"
    not_done_weak: bool = False  # "dạ không ạ", "bận quá": probably not done, ask to be sure
    extension: bool = False   # "xin gia hạn", "cho em lùi hạn"
    asked: bool = False       # a question ("xong chưa?", "hạn ngày nào?")
    receipt: bool = False     # "đã nhận", "em nhận được rồi": acknowledged, which is not done
    ack: bool = False         # "ok", "vâng", "👍": heard, which in office chat is not "done" either
    dates: list[When] = field(default_factory=list)

    def __or__(self, other: Signals) -> Signals:
        merged = {f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)}
        merged["dates"] = self.dates + other.dates
        return Signals(**merged)


def read_clause(clause: Clause, today: date) -> Signals:
    """The signals in one clause; questions and requests to the bot say nothing about the task."""
    text = _CONDITIONAL.sub("xongif", clause.text)
    words = text.split()
    dates = find_dates(text, today)
    asks_for_day = _ASKS_FOR_DAY.search(text) and any(not d.weak for d in dates)  # "cho em nộp thứ 2"
    extension = bool(_EXTENSION.search(text) or asks_for_day)
    question = clause.asked or bool(_QUESTION.search(text)) or _asks_at_end(words)
    if extension:
        return Signals(extension=True, asked=question, dates=dates)
    if question or (_REQUEST.search(text) and "roi" not in words and "da" not in words):
        return Signals(asked=question)
    firm = [d for d in dates if not d.weak]
    dated_past = bool(firm) and all(d.before_today for d in firm)  # "xong ngày 25/3" said in April
    signals = (_verbs(words, dated=bool(dates) and not dated_past, past=dated_past or bool(_PAST.search(text)))
               | Signals(dates=dates))
    signals.promise |= "xongif" in words
    signals.progress |= bool(_PROGRESS.search(text))
    signals.partial |= bool(_PARTIAL.search(text))
    signals.not_done |= bool(_NOT_DONE.search(text))
    signals.not_done_weak |= bool(_UNSURE_NOT_DONE.search(text)) or _content(words) == ["khong"]
    signals.receipt = bool(_RECEIPT.search(text))
    signals.ack = bool(_OK.search(text)) or (bool(words) and not _content(words))  # "ok", "vâng ạ", "dạ"
    return signals


def _asks_at_end(words: list[str]) -> bool:
    """ "xong chưa", "nộp rồi à": a verb, then "chưa"/"không"/"à" and only particles after it."""
    content = _content(words)
    if not content:
        return False
    if content[-1] == "qtail":
        return True
    return content[-1] in {"chua", "khong"} and any(w in _ASKABLE for w in content[:-1])


def _content(words: list[str]) -> list[str]:
    """The words without the polite "dạ"/"vâng" in front and the particles and vocatives at the end."""
    start, end = 0, len(words)
    while start < end and words[start] in {"ya", "vang"}:
        start += 1
    while end > start and words[end - 1] in _PARTICLES:
        end -= 1
    return words[start:end]


def _verbs(words: list[str], *, dated: bool, past: bool) -> Signals:
    """Classify every task verb in the clause by its aspect."""
    found = Signals()
    spans = list(_verb_spans(words))
    for n, (start, end, kind) in enumerate(spans):
        following = spans[n + 1][0] if n + 1 < len(spans) else len(words)
        aspect = (_aspect_before(words, start) or _aspect_after(words[end:following], following < len(words))
                  or ("perf" if past else "fut" if dated else None))
        signal = _ASPECT_SIGNAL.get(aspect) or _BARE_SIGNAL.get(kind)
        if signal:
            setattr(found, signal, True)
    return found


def _verb_spans(words: list[str]):
    """(start, end, kind) of each task verb, two-word verbs ("hoan thanh") first."""
    i = 0
    while i < len(words):
        pair = " ".join(words[i:i + 2])
        size = 2 if pair in _VERBS else 1
        kind = _VERBS.get(pair if size == 2 else words[i])
        if kind:
            yield i, i + size, kind
        i += size


def _aspect_before(words: list[str], start: int) -> str | None:
    """The nearest aspect word before the verb, not looking past a conjunction."""
    for distance, word in enumerate(reversed(words[max(0, start - _BEFORE_REACH):start]), 1):
        if word in _CONJUNCTIONS:
            return None
        aspect = _BEFORE.get(word)
        if word == "xin" and distance > 1:
            continue  # "em xin gửi" submits; "đang xin chữ ký" does not
        if aspect and (aspect != "neg" or distance <= _NEG_REACH):
            return aspect
    return None


def _aspect_after(after: list[str], verb_follows: bool) -> str | None:
    """ "gửi rồi" is done, "gửi sau"/"gửi ngay" a promise; words up to the next verb count."""
    for i, word in enumerate(after):
        # "tổng hợp rồi gửi": a "rồi" right before the next verb means "then", not "already"
        if word == "roi" and not (i == len(after) - 1 and verb_follows):
            return "perf"
    future = (w for i, w in enumerate(after) if not (w == "ngay" and after[i + 1:i + 2] and after[i + 1][0].isdigit()))
    return "fut" if any(word in _AFTER_FUTURE for word in future) else None  # "xong ngày 25/3" is a date
