"""Sheet writers with one interface for xlsx and csv (title rows, group row, header, data rows, totals).

xlsx goes through xlsxwriter's public API only, in ``constant_memory`` mode: rows are streamed to
disk as they are finished (memory stays flat at province scale) and strings are written inline, which
is also what a district's export tool produces."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import xlsxwriter

from tools.demo_data.common import XLSX_CREATED


class Num:
    """A numeric xlsx cell with a number format (NIK typed as a number, Excel serial date)."""

    __slots__ = ("value", "fmt")

    def __init__(self, value: float, fmt: str) -> None:
        self.value = value
        self.fmt = fmt


class XlsxBook:
    def __init__(self, path: Path | io.BytesIO) -> None:
        opts = {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        }
        if isinstance(path, io.BytesIO):
            opts = {"in_memory": True, **opts}
            self.wb = xlsxwriter.Workbook(path, opts)
        else:
            self.wb = xlsxwriter.Workbook(str(path), opts)
        self.wb.set_properties(
            {
                "title": "Pendataan Program 3 Juta Rumah",
                "author": "Dinas Perkim",
                "company": "Pemerintah Daerah",
                "created": XLSX_CREATED,
            }
        )
        self.bold = self.wb.add_format({"bold": True})
        self.title = self.wb.add_format({"bold": True, "align": "center"})
        self.head = self.wb.add_format(
            {"bold": True, "border": 1, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"}
        )
        self._fmts: dict[str, Any] = {}

    def fmt(self, num_format: str) -> Any:
        f = self._fmts.get(num_format)
        if f is None:
            f = self._fmts[num_format] = self.wb.add_format({"num_format": num_format})
        return f

    def sheet(self, name: str) -> XlsxSheet:
        return XlsxSheet(self, self.wb.add_worksheet(name), name)

    def close(self) -> None:
        self.wb.close()


class XlsxSheet:
    kind = "xlsx"

    def __init__(self, book: XlsxBook, ws: Any, name: str) -> None:
        self.book, self.ws, self.name = book, ws, name
        self.r = 0  # next 0-based row index

    def title(self, text: str, span: int) -> None:
        if span > 1:
            self.ws.merge_range(self.r, 0, self.r, span - 1, text, self.book.title)
        else:
            self.ws.write_string(self.r, 0, text, self.book.title)
        self.r += 1

    def blank(self) -> None:
        self.r += 1

    def groups(self, spans: list[tuple[int, int, str]]) -> None:
        for c1, c2, text in spans:
            if c2 > c1:
                self.ws.merge_range(self.r, c1, self.r, c2, text, self.book.head)
            else:
                self.ws.write_string(self.r, c1, text, self.book.head)
        self.r += 1

    def header(self, names: list[str], trailing: int = 0) -> int:
        for c, n in enumerate(names):
            self.ws.write_string(self.r, c, n, self.book.head)
        for c in range(len(names), len(names) + trailing):
            self.ws.write_blank(self.r, c, None, self.book.head)
        self.r += 1
        return self.r

    def data(self, values: list[Any]) -> int:
        """One data row; empty cells (``None``, ``''``) are left out. Returns the 1-based row number."""
        ws, r = self.ws, self.r
        write_string, write_number = ws.write_string, ws.write_number
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            t = type(v)
            if t is str:
                write_string(r, c, v)
            elif t is int or t is float:
                write_number(r, c, v)
            elif t is Num:
                write_number(r, c, v.value, self.book.fmt(v.fmt))
            else:
                raise TypeError(v)
        self.r += 1
        return r + 1

    def plain(self, values: list[Any], bold: bool = False) -> int:
        fmt = self.book.bold if bold else None
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                self.ws.write_string(self.r, c, v, fmt)
            else:
                self.ws.write_number(self.r, c, v, fmt)
        self.r += 1
        return self.r


class CsvSheet:
    kind = "csv"
    name = ""

    def __init__(self, path: Path, ncols: int, delimiter: str, encoding: str, newline: str, trailing: int) -> None:
        self.fh = open(path, "w", encoding=encoding, newline="")
        self.w = csv.writer(self.fh, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
        self.line = 0
        self.ncols = ncols
        self.pad = [""] * trailing

    def title(self, text: str, span: int) -> None:
        self.w.writerow([text] + [""] * (self.ncols - 1) + self.pad)
        self.line += 1

    def blank(self, empty: bool = False) -> None:
        self.w.writerow([] if empty else [""] * self.ncols + self.pad)
        self.line += 1

    def groups(self, spans: list[tuple[int, int, str]]) -> None:
        row = [""] * self.ncols
        for c1, _c2, text in spans:
            row[c1] = text
        self.w.writerow(row + self.pad)
        self.line += 1

    def header(self, names: list[str], trailing: int = 0) -> int:
        self.w.writerow(names + self.pad)
        self.line += 1
        return self.line

    def data(self, values: list[Any]) -> int:
        row = ["" if v is None else v for v in values]
        self.w.writerow(row + self.pad if self.pad else row)
        self.line += 1
        return self.line

    def plain(self, values: list[Any], bold: bool = False) -> int:
        return self.data(values)

    def close(self) -> None:
        self.fh.close()
