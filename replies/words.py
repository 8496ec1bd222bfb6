"""A reply as typed on a phone → clauses of plain, canonical words.

Matching happens on words without diacritics, so "da xong" and "đã xong" read the same. Where the
diacritics carry the meaning ("mốt" day after tomorrow / "một" one, "dạ" yes / "đã" already,
"đầu tuần" / "ở đâu") the written form is turned into a tag before they are dropped.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_EMOJI = {"✅": " xong ", "✔": " xong ", "☑": " xong ", "👍": " ok ", "👌": " ok ", "🆗": " ok "}
_BREAK = re.compile(r"[!;\n…]+|(?<!\d)[.,:]|[.,:](?!\d)|(?<=\?)|\s[-–]\s")
_TOKEN = re.compile(r"\d+(?:[/.\-]\d+){1,2}|\d{1,2}:\d{2}|\d+(?:h\d*|%)?|[^\W\d_]+\d*")
_REPEAT = re.compile(r"([^\W\d_])\1+")
# "KH số 45/KH-SGDĐT", "Công văn 12/SGDĐT-VP": a document's number says nothing about the task
_DOCUMENT = re.compile(r"(?:\b(?:kh|kế hoạch|ke hoach|qđ|qd|quyết định|quyet dinh|cv|công văn|cong van|tb|thông báo"
                       r"|thong bao|bc|báo cáo|bao cao|vb|văn bản|van ban|tờ trình|to trinh|tt|nq|ct)\s+)?"
                       r"(?:\b(?:số|so)\s*)?\b\d{1,5}(?:/\d{1,4})?/[^\W\d_][\w.]*(?:-[\w.]+)*")

# Teencode, abbreviations and meaning-bearing diacritics: written form → canonical word(s).
_FORMS = {
    # rồi, được, không, em, ...
    "r": "roi", "rui": "roi", "rùi": "roi", "roai": "roi", "roy": "roi",
    "dc": "duoc", "đc": "duoc", "dk": "duoc", "đk": "duoc",
    "ko": "khong", "k": "khong", "kh": "khong", "khg": "khong", "kg": "khong", "hok": "khong",
    "hong": "khong", "hông": "khong", "hem": "khong", "khum": "khong", "hk": "khong", "k0": "khong",
    "e": "em", "vs": "voi", "ms": "moi", "j": "gi", "z": "vay", "v": "vay", "lm": "lam",
    "dg": "dang", "đg": "dang", "g": "gio", "ntn": "nhu the nao", "bh": "bao gio", "bgio": "bao gio",
    "cn": "chu nhat", "xog": "xong", "xg": "xong", "lun": "luon", "mik": "minh", "mk": "minh",
    "tks": "cam on", "thanks": "cam on", "thank": "cam on", "camon": "cam on",
    "okie": "ok", "oki": "ok", "oke": "ok", "okê": "ok", "okay": "ok", "okela": "ok", "oce": "ok",
    "uk": "vang", "uh": "vang", "ừ": "vang", "ờ": "vang", "ừm": "vang",
    "bc": "bao cao", "bcao": "bao cao", "htanh": "hoan thanh", "hthanh": "hoan thanh",
    **{f"t{n}": f"thu {n}" for n in range(2, 8)}, **{f"th{n}": f"thu {n}" for n in range(2, 8)},
    # numbers written out
    "một": "1", "hai": "2", "ba": "3", "bốn": "4", "tư": "4", "sáu": "6", "bảy": "7", "bẩy": "7",
    "tám": "8", "chín": "9", "mười": "10",
    # words that collide once the diacritics are gone
    "dạ": "ya", "mốt": "mot", "đầu": "start", "đâu": "where", "tối": "evening", "tôi": "minh",
    "sáng": "morning", "đăng": "post", "muộn": "late", "trễ": "late", "chậm": "late",
    "hoãn": "postpone", "dời": "move", "giãn": "stretch", "hỏi": "ask", "hả": "qtail",
    "hở": "qtail", "à": "qtail", "chứ": "qtail", "mấy": "howmany", "thư": "letter", "ký": "sign",
    "kí": "sign", "nháp": "draft", "lắm": "very", "quên": "forgot", "bận": "busy", "muốn": "want",
    "hộ": "giup", "đợi": "wait", "mải": "busy",
    "mãi": "always", "mái": "roof", "mại": "sale",  # not "mai" (tomorrow)
}
_NEGATIONS = {"chua", "khong", "chang"}
_PLACE_WORDS = {"o", "qua", "vao", "len", "ve", "tu", "den", "toi", "cho"}
_UNIT_NOUNS = {"phan", "nua", "chut", "it", "ngay", "hom", "tuan", "thang", "lan", "so", "vai", "ban",
               "file", "cai", "van", "tep", "muc", "ti", "xiu", "bo", "nam"}
_YES_FOLLOWERS = {"em", "minh", "anh", "chi", "vang", "chua", "khong", "ok", "a", "ben", "truong",
                  "thay", "co", "oi", "ya", "don", "phong", "ngay", "mai", "thu", "tuan", "chieu",
                  "toi", "cuoi", "hom", "sang", "evening", "morning"}


@dataclass(frozen=True)
class Clause:
    """One stretch of a reply between punctuation; `asked` when it ended with "?"."""

    words: tuple[str, ...]
    asked: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


def plain(text: str) -> str:
    """Lower-case `text` without Vietnamese diacritics ("Đã gửi" → "da gui")."""
    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def clauses(text: str) -> list[Clause]:
    """Split a reply into clauses of canonical words, dropping empty ones."""
    text = _DOCUMENT.sub(" vanban ", unicodedata.normalize("NFC", text).lower())
    for emoji, word in _EMOJI.items():
        text = text.replace(emoji, word)
    found = []
    for part in _BREAK.split(text):
        words = _context([w for token in _TOKEN.findall(part) for w in _canonical(token).split()])
        if words or "?" in part:
            found.append(Clause(tuple(words), asked="?" in part))
    return found


def _canonical(token: str) -> str:
    squeezed = _REPEAT.sub(r"\1", token)
    for form in (token, squeezed):
        if form in _FORMS:
            return _FORMS[form]
    flat = _REPEAT.sub(r"\1", plain(squeezed))
    return _FORMS.get(flat, flat) if token.isascii() else flat  # "hồng" is a name, "hong" is "không"


def _context(words: list[str]) -> list[str]:
    """Settle the ambiguous plain words that their neighbours explain."""
    out = list(words)
    for i, word in enumerate(out):
        after = out[i + 1] if i + 1 < len(out) else ""
        if word == "da" and i == 0 and (not after or after in _YES_FOLLOWERS or after[0].isdigit()):
            out[i] = "ya"  # a reply opening "Da em ..." is "Dạ" (yes), not "Đã" (already)
        elif word == "mot" and after in _UNIT_NOUNS:
            out[i] = "1"  # "mot phan" is "một phần"; "mot e gui" is "mốt em gửi"
        elif word == "where" and _NEGATIONS & set(out[:i]) and (i == 0 or out[i - 1] not in _PLACE_WORDS):
            out[i] = "a"  # "chưa xong đâu ạ" stresses the "not"; "nộp ở đâu" asks where
        elif word == "dang" and "da" in out[:i] and after in {"tai", "len", "web", "tin"}:
            out[i] = "post"  # "da ... dang tai len web" is "đã ... đăng tải lên web"
    if out[:2] == ["kinh", "gui"]:
        out = out[2:]  # "Kính gửi anh" is a salutation, not a submission
    return out
