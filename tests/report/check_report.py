#!/usr/bin/python3
"""Check that a clvsim report renders in a real browser.

Usage: check_report.py REPORT.html DOM.html SCREENSHOT.png MIN_CHARTS

DOM.html is Chromium's --dump-dom of the report (after its scripts ran), SCREENSHOT.png its
--screenshot. Checks:
  - the report is self-contained: no http(s) URL in src/href attributes, no <link> or external script;
  - the browser laid out every chart: each <figure class="chart"> holds one <svg> or <img>, the
    page's script recorded a non-zero size for each, and there are at least MIN_CHARTS of them;
  - every chart drew something: each inline SVG has at least 3 path or text elements;
  - the screenshot is not blank: its pixels vary (standard deviation of the grey level) and more
    than 3% of them are not background.
"""
import re
import sys

import numpy as np
from matplotlib import image


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def main(report, dom_path, png, min_charts):
    source = open(report, encoding="utf-8").read()
    dom = open(dom_path, encoding="utf-8").read()
    external = re.findall(r'(?:src|href)\s*=\s*"(?:https?:)?//[^"]*"', source) + re.findall(r"<link\b", source)
    if external:
        fail(f"{report} loads external resources: {external[:3]}")

    expected = int(re.search(r'data-charts-expected="(\d+)"', source).group(1))
    figures = re.findall(r'<figure class="chart[^"]*"(.*?)</figure>', dom, re.S)
    if expected < min_charts:
        fail(f"{report}: {expected} charts, expected at least {min_charts}")
    if len(figures) != expected:
        fail(f"DOM has {len(figures)} chart figures, the report declares {expected}")
    m = re.search(r'data-charts-rendered="(\d+)"', dom)
    if not m:
        fail("the report's layout check did not run in the browser (no data-charts-rendered on <body>)")
    if int(m.group(1)) != expected:
        fail(f"only {m.group(1)} of {expected} charts have a non-zero size in the browser")
    for i, fig in enumerate(figures):
        size = re.search(r'data-rendered="(\d+)x(\d+)"', fig)
        if not size or int(size.group(1)) < 100 or int(size.group(2)) < 50:
            fail(f"chart {i + 1} laid out at {size.group(0) if size else 'no size'}")
        marks = len(re.findall(r"<(?:path|text|use)\b", fig))
        if "<svg" in fig and marks < 3:
            fail(f"chart {i + 1} has {marks} drawn elements")

    pixels = image.imread(png)
    grey = pixels[..., :3].mean(axis=2)
    background = np.median(grey)
    ink = float(np.mean(np.abs(grey - background) > 0.05))
    if grey.std() < 0.02 or ink < 0.03:
        fail(f"screenshot {png} looks blank (grey-level sd {grey.std():.4f}, {100 * ink:.1f}% non-background)")
    print(f"ok: {expected} charts rendered; screenshot {pixels.shape[1]}x{pixels.shape[0]}, grey-level sd "
          f"{grey.std():.3f}, {100 * ink:.1f}% non-background")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
