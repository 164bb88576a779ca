"""Every figure of the portal as CSV (opco.lists.stream_csv: semicolons, BOM, no formula) or XLSX."""

import io
from datetime import date

from django.http import HttpResponse
from openpyxl import Workbook

from opco.lists import _cell, stream_csv

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_response(fmt: str, filename: str, header: list[str], rows: list[list]):
    """`fmt` « csv » or « xlsx »; `filename` without extension."""
    stamp = f"{filename}-{date.today():%Y%m%d}"
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Chiffres")
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(value) for value in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{stamp}.xlsx"'
        return response
    return stream_csv(f"{stamp}.csv", header, iter(rows))
