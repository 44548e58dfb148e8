#!/usr/bin/python3
"""Check a workbook written by clvsim report --xlsx against its results file.

Usage: check_workbook.py REPORT.xlsx RESULTS.h5 SHEET [SHEET ...]

Reads the .xlsx as what it is (zipped XML), without a spreadsheet library, and checks that:
  - it has the named sheets, in addition to Provenance;
  - money cells carry a thousands-separator format, not the General format;
  - for run files, the Summary's NPV mean equals the mean of the file's per-replication NPV totals,
    and its 5% and 95% cells the type-7 quantiles of those totals (the interval the tables state);
  - where the file holds yearly values, the Yearly sheet's revenue mean, 5% and 95% are theirs.
"""
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

import h5py
import numpy as np

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def sheet_rows(z, index, shared):
    root = ET.fromstring(z.read(f"xl/worksheets/sheet{index}.xml"))
    rows = []
    for row in root.iterfind(".//m:sheetData/m:row", NS):
        cells = {}
        for c in row.iterfind("m:c", NS):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            v = c.find("m:v", NS)
            if v is None:
                is_ = c.find("m:is/m:t", NS)
                cells[col] = is_.text if is_ is not None else None
            elif c.get("t") == "s":
                cells[col] = shared[int(v.text)]
            elif c.get("t") in ("str", "inlineStr"):
                cells[col] = v.text
            else:
                cells[col] = float(v.text)
        rows.append(cells)
    return rows


def main(xlsx, results, sheets):
    z = zipfile.ZipFile(xlsx)
    names = re.findall(r'<sheet name="([^"]*)"', z.read("xl/workbook.xml").decode())
    for s in sheets + ["Provenance"]:
        if s not in names:
            fail(f"{xlsx} has no sheet {s!r} (sheets: {names})")
    styles = z.read("xl/styles.xml").decode()
    if "#,##0" not in styles:
        fail("no thousands-separator number format in the workbook")
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iterfind(".//m:t", NS)) for si in root.iterfind("m:si", NS)]
    if "Summary" in sheets:
        rows = sheet_rows(z, names.index("Summary") + 1, shared)
        header = next(r for r in rows if r.get("A") == "total over the horizon")
        col = {v: k for k, v in header.items()}
        npv = next((r for r in rows if r.get("A") == "NPV"), None)
        if npv is None:
            fail("no NPV row in the Summary sheet")
        with h5py.File(results, "r") as f:
            totals = f["totals/npv"][()]
        for lab, want in (("mean", totals.mean()), ("5%", np.quantile(totals, 0.05)),
                          ("95%", np.quantile(totals, 0.95))):
            got = npv.get(col[lab])
            if not isinstance(got, float) or abs(got - want) > 1e-9 * abs(want):
                fail(f"Summary NPV {lab} is {got}, the file's totals give {want}")
    if "Yearly" in sheets:
        # The spread of a yearly figure is that of the file's per-replication yearly values.
        with h5py.File(results, "r") as f:
            revenue = f["yearly/revenue"][()] if "yearly/revenue" in f else None
        if revenue is not None:
            rows = sheet_rows(z, names.index("Yearly") + 1, shared)
            header = next(r for r in rows if r.get("A") == "scenario")
            col = {v: k for k, v in header.items()}
            for y in range(revenue.shape[0]):
                row = next((r for r in rows if r.get(col["quantity"]) == "revenue"
                            and r.get(col["year"]) == y + 1), None)
                if row is None:
                    fail(f"no revenue row for year {y + 1} in the Yearly sheet")
                for lab, want in (("mean", revenue[y].mean()), ("5%", np.quantile(revenue[y], 0.05)),
                                  ("95%", np.quantile(revenue[y], 0.95))):
                    got = row.get(col[lab])
                    if not isinstance(got, float) or abs(got - want) > 1e-9 * abs(want):
                        fail(f"Yearly revenue year {y + 1} {lab} is {got}, the file's yearly values give {want}")
    print(f"ok: workbook sheets {names}")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
