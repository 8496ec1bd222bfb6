"""The English catalog is complete and faithful, the CLI speaks it, and dates stay dd/mm/yyyy."""
from __future__ import annotations

import gettext
from datetime import date, datetime, timezone
from string import Formatter

import pytest
from babel.messages.pofile import read_po

from i18n import DOMAIN, LOCALES_DIR, _, fmt_date, fmt_datetime, fmt_weekday_date, ngettext, use_locale
from tests.conftest import REPO

EN_PO = LOCALES_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
SAMPLE_UNITS = REPO / "samples" / "units.csv"
SAMPLE_PLAN = REPO / "samples" / "hanoi-so-gddt-kh-cchc-2026.md"


@pytest.fixture(autouse=True)
def _restore_locale():
    # The CLI sets the locale ContextVar for the whole thread; put it back so later tests read Vietnamese.
    with use_locale("vi"):
        yield


def en_messages() -> list:
    with EN_PO.open("rb") as f:
        return [m for m in read_po(f) if m.id]


def pairs(message) -> list[tuple[str, str]]:
    """(source, translation) for each form: singular, and plural for every plural msgstr after the first."""
    if not message.pluralizable:
        return [(message.id, message.string)]
    singular, plural = message.id
    return [(singular if i == 0 else plural, text) for i, text in enumerate(message.string)]


def placeholders(text: str) -> list[str]:
    """The `{name}` fields of a str.format template, sorted, repeats kept; `{{` `}}` are literals."""
    return sorted(field for _lit, field, _spec, _conv in Formatter().parse(text) if field is not None)


def edges(text: str) -> tuple[str, str]:
    """Leading and trailing whitespace (spaces, newlines) that the layout relies on."""
    return text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]


def test_every_english_message_is_translated():
    untranslated = [m.id for m in en_messages()
                    if m.fuzzy or not all(text for _src, text in pairs(m))]
    assert not untranslated, "untranslated or fuzzy in locales/en:\n" + "\n".join(map(repr, untranslated))


def test_english_keeps_the_placeholders_and_edges_of_each_msgid():
    wrong = []
    for message in en_messages():
        for source, text in pairs(message):
            if not text:
                continue  # reported by the completeness test
            try:
                same_fields = placeholders(text) == placeholders(source)
            except ValueError:  # unbalanced braces would crash .format() at run time
                same_fields = False
            if not same_fields or edges(text) != edges(source):
                wrong.append(f"{source!r} -> {text!r}")
    assert not wrong, "placeholders or leading/trailing whitespace differ:\n" + "\n".join(wrong)


def test_compiled_english_catalog_matches_the_po():
    # The bot reads the .mo; a stale one (edit the .po, forget `make`) would show Vietnamese to English readers.
    compiled = gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=["en"])
    stale = [m.id for m in en_messages()
             if not m.pluralizable and not m.fuzzy and m.string and compiled.gettext(m.id) != m.string]
    assert not stale, "run `make` (pybabel compile) — stale .mo for:\n" + "\n".join(map(repr, stale))


def test_vietnamese_msgids_are_the_vietnamese_text_and_english_is_translated():
    with use_locale("vi"):
        assert _("Nhiệm vụ quá hạn") == "Nhiệm vụ quá hạn"
    with use_locale("en"):
        assert _("Nhiệm vụ quá hạn") == "Overdue tasks"
        assert _("Lỗi: {message}").format(message="x") == "Error: x"


@pytest.mark.parametrize(("n", "expected"), [(1, "due 20/03/2026, 1 day left"), (3, "due 20/03/2026, 3 days left")])
def test_english_plurals_follow_the_count(n, expected):
    with use_locale("en"):
        text = ngettext("hạn {date}, còn {n} ngày", "hạn {date}, còn {n} ngày", n)
        assert text.format(date=fmt_date(date(2026, 3, 20)), n=n) == expected


def test_units_commands_print_english(cli):
    empty = cli("--lang", "en", "units", "list")
    assert empty.exit_code == 0
    assert empty.stdout.startswith("The unit directory is empty. Load it with: nhacviec units load")

    loaded = cli("--lang", "en", "units", "load", str(SAMPLE_UNITS))
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded the unit directory from units.csv: 27 new units, 0 updated, 0 unchanged." in loaded.stdout
    assert "Unit groups: cac_phong" in loaded.stdout

    listed = cli("--lang", "en", "units", "list")
    assert listed.stdout.splitlines()[0] == "The directory has 27 units:"
    vp = next(line for line in listed.stdout.splitlines() if line.startswith("VP "))
    assert "Văn phòng Sở — Division; other names: VP" in vp and "groups: cac_phong" in vp
    assert "tên khác" not in listed.stdout and "nhóm:" not in listed.stdout


def test_same_command_stays_vietnamese_without_lang(cli):
    cli("units", "load", str(SAMPLE_UNITS))
    listed = cli("units", "list")
    assert listed.stdout.splitlines()[0] == "Danh bạ có 27 đơn vị:"
    assert "Division" not in listed.stdout


def test_english_from_settings_and_errors_on_stderr(cli):
    result = cli("units", "load", "no-such-file.csv", env={"NHACVIEC_DEFAULT_LANG": "en"})
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: File no-such-file.csv not found"


def test_plan_import_and_task_list_print_english(cli):
    cli("units", "load", str(SAMPLE_UNITS))
    imported = cli("--lang", "en", "import", str(SAMPLE_PLAN), "--year", "2026")
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.startswith("Imported plan #1: ")
    assert "Assignments by unit:" in imported.stdout

    tasks = cli("--lang", "en", "tasks")
    assert tasks.exit_code == 0, tasks.output
    assert "— Not started" in tasks.stdout and "Chưa thực hiện" not in tasks.stdout


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_dates_are_dd_mm_yyyy_in_both_locales(lang):
    with use_locale(lang):
        assert fmt_date(date(2026, 3, 5)) == "05/03/2026"
        # 20:30 UTC on 4 March is already 5 March in Hà Nội.
        evening = datetime(2026, 3, 4, 20, 30, tzinfo=timezone.utc)
        assert fmt_date(evening) == "05/03/2026"
        assert fmt_datetime(evening) == "03:30 05/03/2026"
        assert fmt_date(None) == "—"


@pytest.mark.parametrize(("lang", "expected"), [("vi", "Thứ Năm, 05/03/2026"), ("en", "Thursday, 05/03/2026")])
def test_weekday_dates_use_the_readers_language(lang, expected):
    with use_locale(lang):
        assert fmt_weekday_date(date(2026, 3, 5)) == expected
