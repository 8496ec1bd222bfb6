"""`nhacviec` console command: one group, one module per feature."""
from __future__ import annotations

import importlib

import click

from cli.app import App
from config import Settings
from i18n import set_locale

FEATURES = ("cli.units", "cli.plans", "cli.deadline", "cli.chat", "cli.reminders", "cli.run", "cli.classify",
            "cli.zalo", "cli.report")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None,
              help="Ngôn ngữ hiển thị / output language (vi, en).")
@click.pass_context
def main(ctx: click.Context, lang: str | None) -> None:
    """Nhắc việc: theo dõi kế hoạch CCHC, nhắc hạn và ghi nhận kết quả."""
    settings = Settings()
    chosen = lang or settings.default_lang
    set_locale(chosen)
    ctx.obj = App(settings=settings, lang=chosen)


def _register() -> None:
    for name in FEATURES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(main)


_register()

if __name__ == "__main__":
    main()
