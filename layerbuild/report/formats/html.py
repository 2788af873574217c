"""One self-contained HTML page: a zoomable treemap (package → folder → file), import time per package,
the memory × cost table, what slimming removed, and every package's sizes.

Everything is inline (CSS, JS, SVG, data); a Content-Security-Policy forbids any network request, so the
page opens the same offline, from an artifact store or an e-mail attachment.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict

from layerbuild.measure.inventory import UNOWNED, Inventory
from layerbuild.report.formats.interface import Format
from layerbuild.report.model import LayerReport
from layerbuild.util.units import human_bytes

# A folder with thousands of files (pytz's zoneinfo, tzdata) would make the page heavy and unreadable:
# keep its largest children and fold the rest into one "N more files" box.
MAX_CHILDREN = 120
MAX_TABLE_ROWS = 1000
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tree(inv: Inventory) -> dict:
    """{"n": name, "s": unzipped, "z": zipped, "c": [children]} for layer → package → folders → files."""

    def node(name: str) -> dict:
        return {"n": name, "s": 0, "z": 0, "c": {}}

    root = node("layer")
    sites = {d.name: d.site for d in inv.distributions}
    for f in inv.files:
        dist = f.distribution or UNOWNED
        rel = f.path[len(sites.get(dist, "")) :] if f.path.startswith(sites.get(dist, "")) else f.path
        parts = [dist] + [p for p in rel.split("/") if p]
        cur = root
        cur["s"] += f.unzipped_bytes
        cur["z"] += f.zipped_bytes
        for part in parts:
            cur = cur["c"].setdefault(part, node(part))
            cur["s"] += f.unzipped_bytes
            cur["z"] += f.zipped_bytes

    def finish(n: dict) -> dict:
        kids = sorted(n["c"].values(), key=lambda k: (-k["s"], k["n"]))
        out = {"n": n["n"], "s": n["s"], "z": n["z"]}
        if kids:
            shown, rest = kids[:MAX_CHILDREN], kids[MAX_CHILDREN:]
            out["c"] = [finish(k) for k in shown]
            if rest:
                out["c"].append(
                    {"n": f"{len(rest)} more", "s": sum(k["s"] for k in rest), "z": sum(k["z"] for k in rest)}
                )
        return out

    return finish(root)


def _script_json(data: object) -> str:
    # Inside <script>, "</script>" or "<!--" in a file name would end the block: escape < > & as \u00XX.
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _import_chart(report: LayerReport) -> str:
    rows = sorted(((name, ms) for name, ms in report.import_ms.items() if ms is not None), key=lambda x: -x[1])[:40]
    if not rows:
        return f'<p class="note">{_e(report.import_note)}</p>'
    top = max(ms for _, ms in rows) or 1.0
    label_w, bar_w, row_h = 190, 620, 22
    height = row_h * len(rows) + 10
    parts = [
        f'<svg id="import-chart" role="img" aria-label="import time per package" '
        f'viewBox="0 0 {label_w + bar_w + 90} {height}" width="100%" style="max-width:{label_w + bar_w + 90}px">'
    ]
    for i, (name, ms) in enumerate(rows):
        y = 5 + i * row_h
        w = max(1.0, bar_w * ms / top)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="lbl">{_e(name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" rx="3" class="bar">'
            f"<title>{_e(name)}: {ms:.1f} ms</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" class="val">{ms:.0f} ms</text>'
        )
    parts.append("</svg>")
    note = _e(report.import_note)
    whole = report.imports.layer_import_ms if report.imports else None
    lead = f"<p>Importing the whole layer: <b>{whole:.0f} ms</b>. " if whole is not None else "<p>"
    return (
        lead + "Each bar is a fresh interpreter importing that package alone (its dependencies "
        f'included).</p>{"".join(parts)}<p class="note">{note}</p>'
    )


def _cost_table(report: LayerReport) -> str:
    if not report.estimates:
        return '<p class="note">No estimate without a measured import time.</p>'
    arches = sorted({e.arch for e in report.estimates}, key=lambda a: a != "x86_64")
    by_memory: dict[int, dict] = defaultdict(dict)
    for e in report.estimates:
        by_memory[e.memory_mb][e.arch] = e
    head = "".join(f"<th>$ per 1M cold starts<br>{_e(a)}</th>" for a in arches)
    rows = []
    for memory, row in sorted(by_memory.items()):
        first = next(iter(row.values()))
        warn = ' <span class="warn" title="over the 10 s init limit">⚠ &gt;10 s</span>' if first.over_init_limit else ""
        cells = "".join(f"<td>${row[a].usd_per_million:,.2f}</td>" if a in row else "<td>-</td>" for a in arches)
        rows.append(
            f"<tr><td>{memory} MB</td><td>{first.vcpu:.2f}</td><td>{first.init_ms / 1000:,.2f} s{warn}</td>{cells}</tr>"
        )
    from layerbuild.facts.prices import PRICES_AS_OF, PRICES_SOURCE

    return (
        f'<table id="cost-table"><thead><tr><th>memory</th><th>vCPU</th><th>modelled init</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="note">Modelled: measured import time × max(1, 1769 MB ÷ memory), billed per ms; '
        f"requests not included. Prices: {_e(PRICES_SOURCE)}, as of {_e(PRICES_AS_OF)}. "
        f"See docs/cold-start-model.md.</p>"
    )


def _removed(report: LayerReport) -> str:
    summary = sorted(report.removed_summary(), key=lambda r: -r["bytes"])
    if not summary:
        return (
            '<p class="note">Nothing was removed.</p>'
            if report.removed_known
            else '<p class="note">Unknown: no build report (NAME.report.json) beside this zip says what was removed.</p>'
        )
    total = sum(r["bytes"] for r in summary)
    rows = "".join(
        f"<tr><td>{_e(r['rule'])}</td><td>{_e(r['package'] or '-')}</td><td>{r['files']}</td>"
        f"<td>{human_bytes(r['bytes'])}</td></tr>"
        for r in summary[:MAX_TABLE_ROWS]
    )
    return (
        f'<table id="removed-table"><thead><tr><th>rule</th><th>package</th><th>files</th><th>bytes</th></tr>'
        f"</thead><tbody>{rows}</tbody><tfoot><tr><td>total</td><td></td><td>"
        f"{sum(r['files'] for r in summary)}</td><td>{human_bytes(total)}</td></tr></tfoot></table>"
    )


def _packages(report: LayerReport) -> str:
    inv = report.inventory
    rows = []
    for d in inv.distributions[:MAX_TABLE_ROWS]:
        ms = report.import_ms.get(d.name)
        rows.append(
            f"<tr><td>{_e(d.name)}</td><td>{_e(d.version or '')}</td><td>{human_bytes(d.unzipped_bytes)}</td>"
            f"<td>{human_bytes(d.zipped_bytes)}</td><td>{d.files}</td>"
            f"<td>{human_bytes(d.tests_bytes) if d.tests_bytes else '-'}</td>"
            f"<td>{human_bytes(d.caches_bytes) if d.caches_bytes else '-'}</td>"
            f"<td>{len(d.native_libs) or '-'}</td><td>{f'{ms:.0f} ms' if ms is not None else '-'}</td></tr>"
        )
    more = len(inv.distributions) - MAX_TABLE_ROWS
    tail = f'<tr><td colspan="9">{more} more</td></tr>' if more > 0 else ""
    return (
        '<table id="package-table"><thead><tr><th>package</th><th>version</th><th>unzipped</th><th>zipped</th>'
        "<th>files</th><th>tests</th><th>caches</th><th>native libs</th><th>import</th></tr></thead>"
        f"<tbody>{''.join(rows)}{tail}</tbody><tfoot><tr><td>total</td><td></td><td>{human_bytes(inv.unzipped_bytes)}"
        f'</td><td>{human_bytes(inv.zipped_bytes)}</td><td>{inv.file_count}</td><td colspan="4"></td></tr></tfoot></table>'
    )


_STYLE = """
:root{--fg:#1d2330;--muted:#5b6475;--line:#dfe3ea;--bg:#f6f7f9;--accent:#3b6fd8}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px;font-weight:600}
header .sub{color:#b9c2d3;font-size:13px}main{padding:18px 28px;max-width:1320px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:0 0 18px}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:150px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:20px;font-weight:600}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:0 0 18px}
h2{font-size:16px;margin:0 0 10px}.note{color:var(--muted);font-size:12.5px}
#crumbs{margin:0 0 8px;font-size:13px}#crumbs a{color:var(--accent);cursor:pointer;text-decoration:none}#crumbs a:hover{text-decoration:underline}
.tools{float:right;font-size:12.5px;color:var(--muted)}.tools button{font:inherit;border:1px solid var(--line);background:#fff;border-radius:5px;padding:2px 9px;cursor:pointer}
.tools button.on{background:var(--accent);color:#fff;border-color:var(--accent)}
#treemap{width:100%;height:auto;display:block;border-radius:6px;background:#eef0f4}#treemap rect{stroke:#fff;stroke-width:1}
#treemap g.box{cursor:pointer}#treemap text{pointer-events:none;fill:#101522;font-size:12px}#treemap text.size{fill:#2b3345;font-size:11px}
#treemap rect.inner{stroke:rgba(255,255,255,.75);stroke-width:.6}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:5px 9px;border-bottom:1px solid var(--line);text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}thead th{color:var(--muted);font-weight:600;background:#fafbfc}
tfoot td{font-weight:600}#cost-table td:nth-child(2),#cost-table th:nth-child(2){text-align:right}#cost-table{max-width:900px}
.bar{fill:var(--accent)}.lbl{font-size:12.5px;fill:var(--fg)}.val{font-size:12px;fill:var(--muted)}.warn{color:#b3261e;font-size:12px}
"""

# Squarified treemap (Bruls, Huizing, van Wijk 2000). Click a box to zoom into it; the breadcrumb goes back.
_SCRIPT = r"""
(function(){
var data=JSON.parse(document.getElementById('layer-data').textContent);
var svg=document.getElementById('treemap'),crumbs=document.getElementById('crumbs');
var NS='http://www.w3.org/2000/svg',W=1240,H=600,metric='s',path=[data.tree];
function hb(n){var u=['B','KB','MB','GB'],i=0;while(n>=1000&&i<3){n/=1000;i++}return i?n.toFixed(1)+' '+u[i]:n+' B'}
function v(n){return n[metric]||0}
function worst(row,side){var s=0,mx=0,mn=Infinity;row.forEach(function(r){s+=r.a;mx=Math.max(mx,r.a);mn=Math.min(mn,r.a)});
 return Math.max(side*side*mx/(s*s),(s*s)/(side*side*mn))}
function squarify(nodes,x,y,w,h){
 var items=nodes.filter(function(n){return v(n)>0}).sort(function(a,b){return v(b)-v(a)});
 var total=0;items.forEach(function(n){total+=v(n)});var out=[];if(!total||w<=0||h<=0)return out;
 var scale=w*h/total,rest=items.map(function(n){return {n:n,a:v(n)*scale}}),row=[];
 function place(){var s=0;row.forEach(function(r){s+=r.a});
  if(w>=h){var rw=s/h,yy=y;row.forEach(function(r){var hh=r.a/rw;out.push({n:r.n,x:x,y:yy,w:rw,h:hh});yy+=hh});x+=rw;w-=rw}
  else{var rh=s/w,xx=x;row.forEach(function(r){var ww=r.a/rh;out.push({n:r.n,x:xx,y:y,w:ww,h:rh});xx+=ww});y+=rh;h-=rh}
  row=[]}
 while(rest.length){var side=Math.min(w,h);
  if(!row.length||worst(row.concat([rest[0]]),side)<=worst(row,side)){row.push(rest.shift())}else{place()}}
 if(row.length)place();return out}
function el(tag,attrs,parent){var e=document.createElementNS(NS,tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(parent)parent.appendChild(e);return e}
function fit(text,width){var max=Math.floor((width-8)/6.6);if(max<2)return '';return text.length>max?text.slice(0,max-1)+'\u2026':text}
function hue(i){return (i*137.508+210)%360}
function box(n,x,y,w,h,depth,hu,chain,parent){
 var g=el('g',{'class':'box'},parent),light=Math.min(93,(depth===1?70:74)+depth*4);
 el('rect',{x:x,y:y,width:Math.max(0,w),height:Math.max(0,h),fill:'hsl('+hu+','+(depth===1?62:52)+'%,'+light+'%)'},g);drawn++;
 el('title',{},g).textContent=chain.concat([n]).slice(1).map(function(p){return p.n}).join('/')+' \u2014 '+hb(v(n))+
  ' ('+(100*v(n)/v(data.tree)).toFixed(1)+'% of the layer)';
 var open=n.c&&w>48&&h>38&&depth<6;
 if(w>30&&h>14){var t=el('text',{x:x+4,y:y+12,'font-weight':depth===1?'600':'400'},g);
  t.textContent=fit(n.n+(open||h<28?'  '+hb(v(n)):''),w)}
 if(!open&&w>30&&h>=28){var s=el('text',{x:x+4,y:y+25,'class':'size'},g);s.textContent=fit(hb(v(n)),w)}
 if(open){squarify(n.c,x+2,y+16,w-4,h-18).forEach(function(c){box(c.n,c.x,c.y,c.w,c.h,depth+1,hu,chain.concat([n]),g)})}
 if(n.c){g.addEventListener('click',function(ev){ev.stopPropagation();n.hue=hu;path=chain.concat([n]);draw()})}
}
var drawn=0;
function draw(){
 while(svg.firstChild)svg.removeChild(svg.firstChild);drawn=0;
 var node=path[path.length-1],base=path.length>1?path[1].hue:null;
 squarify(node.c||[],0,0,W,H).forEach(function(b,i){box(b.n,b.x,b.y,b.w,b.h,1,base===null?hue(i):base,path,svg)});
 svg.setAttribute('data-rendered',drawn);
 crumbs.textContent='';
 path.forEach(function(p,i){if(i){crumbs.appendChild(document.createTextNode(' \u203a '))}
  var a=document.createElement(i<path.length-1?'a':'b');a.textContent=(i?p.n:'layer')+' ('+hb(v(p))+')';
  if(i<path.length-1)a.addEventListener('click',function(){path=path.slice(0,i+1);draw()});crumbs.appendChild(a)});
}
Array.prototype.forEach.call(document.querySelectorAll('.tools button'),function(b){
 b.addEventListener('click',function(){metric=b.getAttribute('data-metric');
  Array.prototype.forEach.call(document.querySelectorAll('.tools button'),function(o){o.classList.toggle('on',o===b)});draw()})});
draw();
})();
"""


class HtmlFormat(Format):
    name = "html"

    def render(self, report: LayerReport) -> str:
        inv = report.inventory
        title = (report.layer_path or inv.root).rstrip("/").rsplit("/", 1)[-1] or "layer"
        target = (
            f"{report.target.runtime} · {report.target.arch} · glibc {report.target.glibc_str}"
            if report.target
            else "target unknown"
        )
        packages = sum(1 for d in inv.distributions if d.name != UNOWNED)
        whole = report.imports.layer_import_ms if report.imports else None
        cards = [
            ("unzipped", human_bytes(inv.unzipped_bytes)),
            ("zipped", human_bytes(inv.zip_file_bytes)),
            ("files", f"{inv.file_count:,}"),
            ("packages", str(packages)),
            ("import, whole layer", f"{whole:.0f} ms" if whole is not None else "not measured"),
            ("removed by the build", human_bytes(sum(r["bytes"] for r in report.removed_summary()))),
        ]
        data = {"tree": _tree(inv)}
        bytecode = _e(report.bytecode_mode) + (
            f" (Python {_e(report.bytecode_python)})" if report.bytecode_python else ""
        )
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Layer report: {_e(title)}</title><style>{_STYLE}</style></head>
<body>
<header><h1>Layer report: {_e(title)}</h1>
<div class="sub">{_e(target)} (from {_e(report.target_source)}) · bytecode: {bytecode}{" · sha256 " + _e(report.sha256[:12]) if report.sha256 else ""}</div></header>
<main>
<div class="cards">{"".join(f'<div class="card"><div class="k">{_e(k)}</div><div class="v">{_e(v)}</div></div>' for k, v in cards)}</div>
<section id="treemap-section"><div class="tools">size: <button class="on" data-metric="s">unzipped</button>
<button data-metric="z">zipped</button></div><h2>What takes the space</h2>
<div id="crumbs"></div>
<svg id="treemap" viewBox="0 0 1240 600" preserveAspectRatio="xMidYMid meet" role="img" aria-label="treemap of the layer"></svg>
<p class="note">Package → folder → file. Click a box to zoom in; the path above goes back. Hover for exact sizes.</p></section>
<section id="imports"><h2>Import time per package</h2>{_import_chart(report)}</section>
<section id="cost"><h2>Cold start by memory size</h2>{_cost_table(report)}</section>
<section id="removed"><h2>What slimming removed</h2>{_removed(report)}</section>
<section id="packages"><h2>Packages</h2>{_packages(report)}</section>
</main>
<script type="application/json" id="layer-data">{_script_json(data)}</script>
<script>{_SCRIPT}</script>
</body></html>
"""
