#!/usr/bin/env python3
"""Draws the plots of BENCHMARKS.md from target/scale/results.json (benches/scale.py):
query latency and build throughput against corpus size, this engine next to the peers.
Plain SVG written by hand (no plotting library needed); log-log axes.

    python3 benches/plot.py [results.json] [out_dir=docs/benchmarks]
"""
import json
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLOURS = {"faq": "#d62728", "groonga-mecab": "#1f77b4", "groonga-bigram": "#2ca02c", "sqlite-fts5-trigram": "#9467bd"}


def svg_plot(title, y_label, series, path, x_label="entries in the corpus"):
    """series: {name: [(x, y, dashed_label_or_None)]}; log-log axes."""
    width, height, left, right, top, bottom = 720, 420, 80, 190, 40, 60
    points = [(x, y) for s in series.values() for x, y in s if y and y > 0]
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x_lo, x_hi = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y_lo, y_hi = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    x_hi = max(x_hi, x_lo + 1)
    y_hi = max(y_hi, y_lo + 1)

    def px(x):
        return left + (math.log10(x) - x_lo) / (x_hi - x_lo) * (width - left - right)

    def py(y):
        return height - bottom - (math.log10(y) - y_lo) / (y_hi - y_lo) * (height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{(left + width - right) / 2}" y="22" font-size="15" font-weight="bold" text-anchor="middle">{title}</text>']
    for e in range(x_lo, x_hi + 1):
        x = px(10 ** e)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x - 14:.1f}" y="{height - bottom + 18}">{10 ** e:,}</text>')
    for e in range(y_lo, y_hi + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        label = f"{10 ** e:,}" if e >= 0 else f"{10 ** e:g}"
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(f'<text x="{(left + width - right) / 2 - 50}" y="{height - 18}">{x_label}</text>')
    out.append(f'<text transform="translate(18,{(top + height - bottom) / 2 + 60}) rotate(-90)">{y_label}</text>')
    legend_y = top + 10
    for name, values in series.items():
        colour = COLOURS.get(name.split(" ")[0], "#555")
        dashed = ' stroke-dasharray="5,4"' if "p99" in name else ""
        coords = [(px(x), py(y)) for x, y in values if y and y > 0]
        if not coords:
            continue
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dashed} points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in coords) + '"/>')
        for a, b in coords:
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>')
        out.append(f'<line x1="{width - right + 12}" y1="{legend_y}" x2="{width - right + 36}" y2="{legend_y}" stroke="{colour}" stroke-width="2"{dashed}/>')
        out.append(f'<text x="{width - right + 42}" y="{legend_y + 4}">{name}</text>')
        legend_y += 18
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {path}")


def main():
    results_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/scale/results.json")
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs/benchmarks")
    os.makedirs(out_dir, exist_ok=True)
    results = sorted(json.load(open(results_path)).values(), key=lambda r: r["entries"])

    latency = {"faq p50": [(r["entries"], r["query_p50_us"]) for r in results],
               "faq p99": [(r["entries"], r["query_p99_us"]) for r in results]}
    build = {"faq": [(r["entries"], r["build_entries_per_s"]) for r in results]}
    for peer in ("groonga-mecab", "groonga-bigram", "sqlite-fts5-trigram"):
        rows = [(r["entries"], r.get("peers", {}).get(peer)) for r in results]
        rows = [(n, p) for n, p in rows if p and "p50_us" in p]
        if rows:
            latency[f"{peer} p50"] = [(n, p["p50_us"]) for n, p in rows]
            build[peer] = [(n, n / p["build_s"]) for n, p in rows]
    svg_plot("Query latency (in process, localgovFAQ dev queries)", "µs per query", latency, os.path.join(out_dir, "latency.svg"))
    svg_plot("Index build throughput", "entries per second", build, os.path.join(out_dir, "build.svg"))


if __name__ == "__main__":
    main()
