"""An Excel workbook of a results file's tables, with number formats (python3-xlsxwriter).

Each kind module may define ``workbook(ctx, book)``; every workbook ends with a provenance sheet.
Numbers are written as numbers (not text) with a display format: money in the scenario's currency
with thousands separators, rates as percentages, so that a finance team can compute with them.
"""
import io
import math

from .errors import Failure
from .fmt import INTERVAL_LABEL
from .reader import attr

_CURRENCY_FORMATS = {"USD": '"$"#,##0', "EUR": '"€"#,##0', "GBP": '"£"#,##0', "JPY": '"¥"#,##0'}


class Book:
    """A workbook with the formats of clvsim's units."""

    def __init__(self, ctx):
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buffer, {"in_memory": True, "nan_inf_to_errors": True,
                                                    "strings_to_numbers": False})
        self.wb.set_properties({"title": f"clvsim results: {attr(ctx.f, 'scenario_name', '')}",
                                "comments": "Written by clvsim report"})
        cur = ctx.currency or ""
        money = _CURRENCY_FORMATS.get(cur, f'#,##0 "{cur}"' if cur else "#,##0")
        self.formats = {
            "money": self.wb.add_format({"num_format": money}),
            "money/customer": self.wb.add_format({"num_format": money.replace("#,##0", "#,##0.00")}),
            "customers": self.wb.add_format({"num_format": "#,##0"}),
            "count": self.wb.add_format({"num_format": "#,##0"}),
            "ratio": self.wb.add_format({"num_format": "0.00"}),
            "percent": self.wb.add_format({"num_format": "0.0%"}),
            "periods": self.wb.add_format({"num_format": "0.0"}),
            "number": self.wb.add_format({"num_format": "#,##0.####"}),
            "int": self.wb.add_format({"num_format": "0"}),
            "text": self.wb.add_format({}),
        }
        self.header = self.wb.add_format({"bold": True, "bg_color": "#F4F6FA", "bottom": 1, "text_wrap": True,
                                          "valign": "top"})
        self.note = self.wb.add_format({"italic": True, "font_color": "#4A5568"})
        self.title = self.wb.add_format({"bold": True, "font_size": 13})

    def fmt(self, unit):
        if unit.startswith("money/"):
            return self.formats["money/customer"]
        return self.formats.get(unit, self.formats["number"])

    def sheet(self, name, title, header, rows, units, note="", widths=None):
        """A table: header row, then rows; units[i] is column i's format ("text", "money", ...), or a
        function of the row returning it (for long tables whose rows hold different quantities)."""
        ws = self.wb.add_worksheet(name[:31])
        ws.write(0, 0, title, self.title)
        if note:
            ws.write(1, 0, note, self.note)
        top = 3
        for j, h in enumerate(header):
            ws.write(top, j, h, self.header)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                unit = units[j](row) if callable(units[j]) else units[j]
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(top + 1 + i, j, v)
                elif isinstance(v, float) and not math.isfinite(v):
                    ws.write_string(top + 1 + i, j, "n/a" if math.isnan(v) else ("never" if v > 0 else "-inf"))
                else:
                    ws.write_number(top + 1 + i, j, float(v), self.fmt(unit))
        ws.freeze_panes(top + 1, 0)
        if rows:
            ws.autofilter(top, 0, top + len(rows), len(header) - 1)
        for j in range(len(header)):
            ws.set_column(j, j, (widths or {}).get(j, 16 if j else 28))
        return ws

    def close(self):
        self.wb.close()
        return self.buffer.getvalue()


def provenance_sheet(ctx, book):
    rows = []
    for key in ("scenario_name", "scenario_file", "clvsim_version", "git_revision", "build_type", "seed",
                "replications", "replications_per_point", "samples", "streams", "threads", "ranks",
                "wall_time_seconds", "created_utc", "command_line"):
        v = attr(ctx.f, key)
        if v is not None:
            rows.append([key, str(v)])
    rows.append(["results_file", ctx.path])
    ws = book.sheet("Provenance", "Provenance", ["attribute", "value"], rows, ["text", "text"],
                    widths={0: 26, 1: 90})
    text = attr(ctx.f, "scenario_text")
    if text:
        r = len(rows) + 6
        ws.write(r, 0, "scenario text", book.header)
        for i, line in enumerate(text.splitlines()):
            ws.write_string(r + 1 + i, 0, line)


def check_available():
    try:
        import xlsxwriter  # noqa: F401
    except ImportError:
        raise Failure("--xlsx needs python3-xlsxwriter (tools/install-deps.sh installs it)") from None


def build(ctx, module):
    """The workbook as bytes."""
    check_available()
    book = Book(ctx)
    if hasattr(module, "workbook"):
        module.workbook(ctx, book)
    provenance_sheet(ctx, book)
    return book.close()


__all__ = ["Book", "build", "INTERVAL_LABEL"]
