#!/usr/bin/env python3
"""Opens an XLSX with openpyxl (the spreadsheet library LibreOffice-free CI
machines have) and prints what a spreadsheet user would see, as JSON:
per sheet the frozen pane, the filter range and every cell's value, type and
number format. Used by tabular's tests; reads only the file it is given."""
import datetime
import json
import sys

import openpyxl

wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": [], "title": wb.properties.title}
for ws in wb.worksheets:
    rows = []
    for row in ws.iter_rows():
        cells = []
        for c in row:
            v = c.value
            if isinstance(v, (datetime.datetime, datetime.date)):
                v = v.isoformat()
            cells.append({"v": v, "t": c.data_type, "f": c.number_format, "py": type(c.value).__name__})
        rows.append(cells)
    out["sheets"].append({"name": ws.title, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "rows": rows})
json.dump(out, sys.stdout, ensure_ascii=False)
