"""clvsim_report: one self-contained HTML report (and optionally a workbook) from a clvsim results file.

Run as ``/usr/bin/python3 -m clvsim_report RESULTS.h5 -o report.html``; ``clvsim report`` does this.
Each kind of results file (run, variants, sweep, sensitivity, ...) is one module in ``kinds/``.
"""
