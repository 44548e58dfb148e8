"""A self-contained HTML page: sections, tables and inline SVG charts, no external resources."""
import html

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2430;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:1.7em;margin:0.2em 0}
h2{font-size:1.3em;margin-top:2em;border-bottom:2px solid #e3e7ee;padding-bottom:4px}
h3{font-size:1.05em;margin-top:1.4em}
p.lead{color:#4a5568;margin-top:0}
p.note,figcaption,.tablenote{color:#4a5568;font-size:0.9em}
nav{background:#f4f6fa;padding:8px 12px;border-radius:6px;font-size:0.92em}
nav a{margin-right:14px;color:#2b5797;text-decoration:none}
table{border-collapse:collapse;margin:8px 0 4px;font-size:0.9em;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid #e3e7ee;text-align:right;white-space:nowrap}
th{white-space:normal;vertical-align:bottom;overflow-wrap:anywhere}
table{max-width:100%}
td.l{min-width:11em}
th{background:#f4f6fa;font-weight:600}
td.l,th.l{text-align:left;white-space:normal}
.grid{display:flex;flex-wrap:wrap;gap:10px}
figure.chart{margin:8px 0;flex:0 1 calc(50% - 5px);min-width:420px}
figure.chart svg{width:100%;height:auto;display:block}
figure.wide{flex-basis:100%;max-width:860px}
@media (max-width:900px){figure.chart{flex-basis:100%}}
pre{background:#f4f6fa;padding:10px;overflow:auto;font-size:0.82em;max-height:420px}
.pos{color:#1b7f3b}.neg{color:#b3261e}
"""

# Records in the DOM the size each chart was laid out at, so that a headless browser's dump shows
# whether every chart rendered (the report tests read these attributes).
CHECK_SCRIPT = """
window.addEventListener('load',function(){
 var figs=document.querySelectorAll('figure.chart'),ok=0;
 figs.forEach(function(f){var s=f.querySelector('svg,img');var r=s?s.getBoundingClientRect():{width:0,height:0};
  f.setAttribute('data-rendered',Math.round(r.width)+'x'+Math.round(r.height));if(r.width>0&&r.height>0)ok++;});
 document.body.setAttribute('data-charts',figs.length);document.body.setAttribute('data-charts-rendered',ok);
});
"""


def esc(s):
    return html.escape(str(s), quote=True)


class Page:
    def __init__(self, title):
        self.title = title
        self.head = []
        self.parts = []
        self.sections = []
        self.chart_count = 0

    def heading(self, title, subtitle=""):
        self.head.append(f"<h1>{esc(title)}</h1>")
        if subtitle:
            self.head.append(f'<p class="lead">{esc(subtitle)}</p>')

    def section(self, title, anchor):
        self.sections.append((title, anchor))
        self.parts.append(f'<h2 id="{esc(anchor)}">{esc(title)}</h2>')

    def subsection(self, title):
        self.parts.append(f"<h3>{esc(title)}</h3>")

    def paragraph(self, text, cls="note"):
        self.parts.append(f'<p class="{cls}">{esc(text)}</p>')

    def raw(self, markup):
        self.parts.append(markup)

    def table(self, header, rows, note="", left_columns=1):
        """rows: lists of cells (str); the first left_columns are left-aligned labels."""
        out = ["<table><thead><tr>"]
        out += [f'<th class="{"l" if i < left_columns else ""}">{esc(h)}</th>' for i, h in enumerate(header)]
        out.append("</tr></thead><tbody>")
        for r in rows:
            out.append("<tr>" + "".join(f'<td class="{"l" if i < left_columns else ""}">{esc(c)}</td>'
                                        for i, c in enumerate(r)) + "</tr>")
        out.append("</tbody></table>")
        if note:
            out.append(f'<p class="tablenote">{esc(note)}</p>')
        self.parts.append("".join(out))

    def begin_grid(self):
        self.parts.append('<div class="grid">')

    def end_grid(self):
        self.parts.append("</div>")

    def chart(self, svg, caption, wide=False):
        self.chart_count += 1
        cls = "chart wide" if wide else "chart"
        self.parts.append(f'<figure class="{cls}">{svg}<figcaption>{esc(caption)}</figcaption></figure>')

    def render(self):
        nav = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for t, a in self.sections)
        body = "\n".join(self.parts)
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width,initial-scale=1">'
                f"<title>{esc(self.title)}</title><style>{CSS}</style></head>"
                f'<body data-charts-expected="{self.chart_count}"><main>{"".join(self.head)}'
                f"<nav>{nav}</nav>\n{body}"
                f"</main><script>{CHECK_SCRIPT}</script></body></html>\n")
