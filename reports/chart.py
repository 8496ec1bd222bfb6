"""The chart of completion by unit (PNG): what goes with /baocao and into the Word and Excel files."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before anything draws

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from i18n import _  # noqa: E402
from reports.summary import Bucket, Report, bucket_label  # noqa: E402

MAX_UNITS = 20
# One colour per bucket, as Vietnamese trackers use them (VN-DOMAIN §4.2): green on time, orange late,
# blue under way, grey not started, red overdue, dark red not done.
COLOURS = {
    Bucket.DONE_ON_TIME: "#2e7d32", Bucket.DONE_LATE: "#f57c00", Bucket.IN_PROGRESS: "#1565c0",
    Bucket.NOT_STARTED: "#9e9e9e", Bucket.OVERDUE: "#d32f2f", Bucket.NOT_DONE: "#4e342e",
}


def completion_chart(report: Report, *, dpi: int = 110) -> bytes:
    """A horizontal stacked bar per unit (the most overdue first, at most MAX_UNITS) as PNG bytes."""
    units = [u for u in report.units if u.counts.dated][:MAX_UNITS]
    figure = Figure(figsize=(8.0, 1.4 + 0.34 * max(len(units), 1)), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [u.code for u in units][::-1]
    left = [0] * len(units)
    for bucket, colour in COLOURS.items():
        values = [getattr(u.counts, bucket) for u in units][::-1]
        if any(values):
            axes.barh(labels, values, left=left, color=colour, label=bucket_label(bucket))
            left = [a + b for a, b in zip(left, values)]
    scope = report.period.label() if report.period else _("Tất cả thời hạn")
    axes.set_title(_("Tình hình thực hiện theo đơn vị — {scope}").format(scope=scope), fontsize=11)
    axes.set_xlabel(_("Số phân công có hạn"))
    axes.xaxis.get_major_locator().set_params(integer=True)
    if units:
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.08), ncol=3, fontsize=8, frameon=False)
    else:
        axes.text(0.5, 0.5, _("Không có nhiệm vụ có hạn trong kỳ"), ha="center", va="center",
                  transform=axes.transAxes)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
