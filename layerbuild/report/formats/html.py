"""One self-contained HTML page: a zoomable treemap (package → folder → file), import time per package,
the memory × cost table, what slimming removed, and every package's sizes.

Everything is inline (CSS, JS, SVG, data); a Content-Security-Policy forbids any network request, so the
page opens the same offline, from an artifact store or an e-mail attachment. This module is the page's
template (its CSS, the treemap's script and the markup around the sections); the sections themselves are
rendered in html_sections.py.
"""

from __future__ import annotations

from layerbuild.model.inventory import UNOWNED
from layerbuild.model.report import LayerReport
from layerbuild.report.formats.coldstart import init_html
from layerbuild.report.formats.html_sections import (
    cost_table,
    escape,
    import_chart,
    package_table,
    removed_table,
    script_json,
    tree_data,
)
from layerbuild.report.formats.interface import Format
from layerbuild.util.units import human_bytes

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

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
            ("removed by the build", human_bytes(report.removed_bytes)),
        ]
        data = {"tree": tree_data(inv)}
        bytecode = escape(report.bytecode_mode) + (
            f" (Python {escape(report.bytecode_python)})" if report.bytecode_python else ""
        )
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Layer report: {escape(title)}</title><style>{_STYLE}</style></head>
<body>
<header><h1>Layer report: {escape(title)}</h1>
<div class="sub">{escape(target)} (from {escape(report.target_source)}) · bytecode: {bytecode}{" · sha256 " + escape(report.sha256[:12]) if report.sha256 else ""}</div></header>
<main>
<div class="cards">{"".join(f'<div class="card"><div class="k">{escape(k)}</div><div class="v">{escape(v)}</div></div>' for k, v in cards)}</div>
<section id="treemap-section"><div class="tools">size: <button class="on" data-metric="s">unzipped</button>
<button data-metric="z">zipped</button></div><h2>What takes the space</h2>
<div id="crumbs"></div>
<svg id="treemap" viewBox="0 0 1240 600" preserveAspectRatio="xMidYMid meet" role="img" aria-label="treemap of the layer"></svg>
<p class="note">Package → folder → file. Click a box to zoom in; the path above goes back. Hover for exact sizes.</p></section>
<section id="imports"><h2>Import time per package</h2>{import_chart(report)}</section>
<section id="cost"><h2>Cold start by memory size</h2>{cost_table(report)}</section>
{init_html(report.handler_init) if report.handler_init is not None else ""}
<section id="removed"><h2>What slimming removed</h2>{removed_table(report)}</section>
<section id="packages"><h2>Packages</h2>{package_table(report)}</section>
</main>
<script type="application/json" id="layer-data">{script_json(data)}</script>
<script>{_SCRIPT}</script>
</body></html>
"""
