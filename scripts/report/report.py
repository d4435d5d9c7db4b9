"""collbench-report: plots and tables from collbench, nccl-tests and OSU results.

Writes into the output folder: report.html (self-contained: plots embedded), summary.md
(the tables, linking the PNGs), busbw_vs_size.png, time_vs_size.png, and when the data allow
link_utilization_vs_size.png and busbw_vs_ranks.png, plus measurements.csv (every record the
report used, normalised)."""
import argparse
import base64
import csv
import html
import json
import os
import sys
from collections import defaultdict

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter
except ImportError:  # said in main(), with the fixes, rather than as a traceback
    matplotlib = None

from convert import to_collbench  # noqa: E402
from exit_status import OK, RUNTIME, USAGE  # noqa: E402
from importers import FormatError, file_notes, load  # noqa: E402
from model import ModelError, load_models, predict_us, spread_us  # noqa: E402
from screen import load_screens, screen_parts  # noqa: E402


NO_MATPLOTLIB = """collbench-report: error: this Python ({exe}) lacks matplotlib.
Either run the script directly, `scripts/collbench-report ...`: its first line picks
/usr/bin/python3, where Debian's python3-matplotlib installs; or install matplotlib for this
Python: `apt-get install python3-matplotlib` (Debian's python3) or `{exe} -m pip install
matplotlib` (a pyenv, conda or virtualenv Python)."""


class Omitted:
    """A plot or table the report leaves out, and the sentence that says why: the one path
    for "nothing to show", so that no report holds an empty plot or a table without rows."""

    def __init__(self, title, why):
        self.title, self.why = title, why

    def sentence(self):
        return f"{self.title}: not shown: {self.why}."


NO_MODEL_POINTS = "the model covers none of the out-of-place collbench measurements"


def size_text(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or n % 1024:
            return f"{n:g} {unit}"
        n /= 1024
    return f"{n:g} PiB"


def series_key(m):
    return (m.label, m.transport, m.algorithm)


def series_name(key):
    label, transport, algorithm = key
    name = algorithm if transport == algorithm else f"{algorithm} over {transport}"
    return f"{label}: {name}" if label else name


# One colour per series, one line style per rank count, so that a plot with several labels,
# algorithms and rank counts stays readable.
LINE_STYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D", "v"]


def styles(records):
    keys = sorted({series_key(m) for m in records})
    ranks = sorted({m.ranks or 0 for m in records})
    cmap = plt.get_cmap("tab10" if len(keys) <= 10 else "tab20")
    colour = {k: cmap(i % cmap.N) for i, k in enumerate(keys)}
    style = {r: (LINE_STYLES[i % len(LINE_STYLES)], MARKERS[i % len(MARKERS)])
             for i, r in enumerate(ranks)}
    return colour, style


def primary(records):
    """One record per (collective, series, ranks, size): out-of-place where measured, else
    in-place; per collective, the dtype and op most often measured (float32 with sum, or with no
    op for collectives without one, where present), so that series compare like with like."""
    chosen = {}
    for collective, ms in group(records, lambda m: m.collective).items():
        pairs = defaultdict(int)
        for m in ms:
            pairs[(m.dtype, m.op)] += 1
        preferred = [p for p in (("float32", "sum"), ("float32", "none")) if p in pairs]
        dtype, op = preferred[0] if preferred else max(pairs, key=pairs.get)
        for m in ms:
            if (m.dtype, m.op) != (dtype, op):
                continue
            key = (collective, series_key(m), m.ranks, m.bytes)
            if key not in chosen or (chosen[key].in_place and not m.in_place):
                chosen[key] = m
    return sorted(chosen.values(),
                  key=lambda m: (m.collective, series_key(m), m.ranks or 0, m.bytes))


def group(records, key):
    out = defaultdict(list)
    for m in records:
        out[key(m)].append(m)
    return out


def _size_axis(ax):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: size_text(int(v)) if v >= 1 else ""))
    ax.set_xlabel("message size (bytes, log scale)")
    for tick in ax.get_xticklabels():
        tick.set_rotation(30)


def _new_plot(title):
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=110)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    return fig, ax


def _finish(fig, ax, path):
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_vs_size(records, value, ylabel, title, path, logy=False):
    points = [m for m in records if value(m) is not None]
    if not points:
        return Omitted(title, "no measurement has this value")
    fig, ax = _new_plot(title)
    colour, style = styles(points)
    for (key, ranks), ms in sorted(group(points, lambda m: (series_key(m), m.ranks)).items(),
                                   key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        suffix = f", {ranks} ranks" if ranks else ""
        line, marker = style[ranks or 0]
        ax.plot([m.bytes for m in ms], [value(m) for m in ms], color=colour[key], linestyle=line,
                marker=marker, markersize=3.5, label=series_name(key) + suffix)
    _size_axis(ax)
    if logy:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    return _finish(fig, ax, path)


def plot_vs_ranks(records, path, value=lambda m: m.busbw_gbps,
                  ylabel="busbw (GB/s = 10^9 bytes/s)", title="Bus bandwidth vs rank count"):
    """A value against rank count: each series at its largest size measured at every rank count
    it has (a line), or at its largest size when it has one rank count (a point)."""
    points = [m for m in records if m.ranks and value(m) is not None]
    counts = sorted({m.ranks for m in points})
    if len(counts) < 2:
        why = (f"every measurement is at {counts[0]} ranks" if counts
               else "no measurement records its rank count")
        return Omitted(title, why)
    fig, ax = _new_plot(title)
    colour, _ = styles(points)
    for key, ms in sorted(group(points, series_key).items()):
        mine = sorted({m.ranks for m in ms})
        common = set.intersection(*({m.bytes for m in ms if m.ranks == r} for r in mine))
        size = max(common) if common else max(m.bytes for m in ms)
        pts = sorted((m.ranks, value(m)) for m in ms if m.bytes == size)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=colour[key],
                label=f"{series_name(key)}, {size_text(size)}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(counts)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("ranks (log scale)")
    ax.set_ylabel(ylabel)
    return _finish(fig, ax, path)


def model_points(records, models):
    """(measurement, predicted us, (low, high) us the fit allows) for every out-of-place
    collbench measurement a model covers."""
    points = []
    for m in records:
        model = models.get((m.collective, m.algorithm))
        if (m.tool != "collbench" or model is None or m.in_place or m.bytes <= 0 or not m.ranks
                or not m.p50_us):
            continue
        p = predict_us(model, m.ranks, m.hosts, m.bytes, m.host_ranks)
        points.append((m, p, spread_us(model, p)))
    return points


def plot_model(points, path):
    """Measured median time (markers), the model's prediction (lines) and the band its fit's
    residuals allow (shaded) against size."""
    title = "Cost model: predicted (lines, fit spread shaded) vs measured (markers)"
    if not points:
        return Omitted(title, NO_MODEL_POINTS)
    fig, ax = _new_plot(title)
    keys = sorted({(m.algorithm, m.ranks) for m, _, _ in points})
    for i, (algo, n) in enumerate(keys):
        pts = sorted((m.bytes, m.p50_us, p, band) for m, p, band in points
                     if (m.algorithm, m.ranks) == (algo, n))
        colour = f"C{i % 10}"
        sizes = [x[0] for x in pts]
        ax.plot(sizes, [x[2] for x in pts], color=colour, label=f"{algo}, {n} ranks")
        ax.fill_between(sizes, [x[3][0] for x in pts], [x[3][1] for x in pts], color=colour,
                        alpha=0.15, linewidth=0)
        ax.plot(sizes, [x[1] for x in pts], "o", color=colour)
    _size_axis(ax)
    ax.set_yscale("log")
    ax.set_ylabel("time per operation (us, log scale)")
    return _finish(fig, ax, path)


def model_rows(points):
    header = ["algorithm", "ranks", "hosts", "size", "measured p50 (us)", "predicted (us)",
              "fit spread (us)", "error"]
    rows = [[m.algorithm, str(m.ranks), str(m.hosts or 1), size_text(m.bytes), fmt(m.p50_us, 4),
             fmt(p, 4), f"{fmt(band[0], 4)} - {fmt(band[1], 4)}",
             f"{100 * (p - m.p50_us) / m.p50_us:+.1f}%"]
            for m, p, band in sorted(points, key=lambda x: (x[0].algorithm, x[0].ranks,
                                                            x[0].bytes))]
    return header, rows


def make_plots(records, out_dir):
    """The plots of each collective measured (paths, or Omitted); file names carry the
    collective when there are several (busbw_vs_size_all_gather.png), so that no plot mixes
    collectives."""
    by_collective = group(records, lambda m: m.collective)
    if not by_collective:
        return [Omitted("Plots", "the inputs hold no measurement")]
    plots = []
    for collective, ms in sorted(by_collective.items()):
        suffix = f"_{collective}" if len(by_collective) > 1 else ""
        plots += collective_plots(ms, out_dir, suffix, collective)
    return plots


def collective_plots(records, out_dir, suffix, collective):
    util = [m for m in records if m.link_utilization is not None]
    path = lambda name: os.path.join(out_dir, f"{name}{suffix}.png")  # noqa: E731
    plots = [
        plot_vs_size(records, lambda m: m.busbw_gbps, "busbw (GB/s = 10^9 bytes/s)",
                     f"{collective}: bus bandwidth vs message size", path("busbw_vs_size")),
        plot_vs_size(records, lambda m: m.time_us, "time per operation (us, log scale)",
                     f"{collective}: time vs message size", path("time_vs_size"), logy=True),
        plot_vs_size(util, lambda m: 100 * m.link_utilization, "link utilisation (% of nominal)",
                     f"{collective}: link utilisation vs message size",
                     path("link_utilization_vs_size")) if util else None,  # no link: no note
        plot_vs_ranks(records, path("busbw_vs_ranks"),
                      title=f"{collective}: bus bandwidth vs rank count"),
        plot_vs_ranks(records, path("time_vs_ranks"), lambda m: m.time_us,
                      "time per operation (us)", f"{collective}: time vs rank count"),
    ]
    return [p for p in plots if p]


# --- Tables ---------------------------------------------------------------------------------

def fmt(v, digits=3):
    return "-" if v is None else f"{v:.{digits}g}"


def summary_rows(records):
    rows = []
    for (key, ranks), ms in sorted(group(records, lambda m: (series_key(m), m.ranks)).items(),
                                   key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        best = max(ms, key=lambda m: m.busbw_gbps or 0)
        small = min(ms, key=lambda m: m.bytes)
        util = best.link_utilization
        rows.append([series_name(key), str(ranks or "?"), ms[0].tool,
                     f"{size_text(small.bytes)}: {fmt(small.time_us)} us",
                     f"{fmt(best.busbw_gbps)} at {size_text(best.bytes)}",
                     "-" if util is None else f"{100 * util:.1f}%"])
    return ["series", "ranks", "tool", "smallest size: time", "peak busbw (GB/s)",
            "link util. at peak"], rows


def best_per_size(records, label):
    """label's best busbw at each (ranks, size)."""
    best = {}
    for m in records:
        if m.label == label and m.busbw_gbps is not None:
            key = (m.ranks or 0, m.bytes)
            if key not in best or m.busbw_gbps > best[key].busbw_gbps:
                best[key] = m
    return best


def comparison_rows(records, a, b, title=None):
    """Size by size at each rank count both labels measured: each label's best busbw (and the
    algorithm that reached it) and the ratio; Omitted when the two share no (ranks, size)."""
    best_a, best_b = best_per_size(records, a), best_per_size(records, b)
    both = sorted(set(best_a) & set(best_b))
    if not both:
        return Omitted(title or f"Comparison: {a} vs {b}",
                       f"{a} and {b} measured no size at the same rank count "
                       f"({a}: {shape(best_a)}; {b}: {shape(best_b)})")
    rows = []
    for key in both:
        ma, mb = best_a[key], best_b[key]
        ratio = ma.busbw_gbps / mb.busbw_gbps if mb.busbw_gbps else None
        rows.append([str(key[0] or "?"), size_text(key[1]), f"{fmt(ma.busbw_gbps)} ({ma.algorithm})",
                     f"{fmt(mb.busbw_gbps)} ({mb.algorithm})", fmt(ratio),
                     fmt(ma.time_us), fmt(mb.time_us)])
    header = ["ranks", "size", f"{a} busbw GB/s", f"{b} busbw GB/s", f"ratio {a} / {b}",
              f"{a} time us", f"{b} time us"]
    return header, rows


def shape(best):
    """'2 ranks, 8 B to 4 MiB' for {(ranks, size): m}; 'nothing' when empty."""
    parts = []
    for ranks in sorted({r for r, _ in best}):
        sizes = sorted(b for r, b in best if r == ranks)
        span = size_text(sizes[0])
        if len(sizes) > 1:
            span += f" to {size_text(sizes[-1])}"
        parts.append(f"{ranks or '?'} ranks, {span}")
    return ", ".join(parts) or "nothing"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def html_table(header, rows):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- Output ---------------------------------------------------------------------------------

def write_csv(records, path):
    fields = ["label", "tool", "collective", "algorithm", "transport", "ranks", "bytes", "dtype",
              "op", "in_place", "time_us", "p50_us", "p99_us", "algbw_gbps", "busbw_gbps",
              "link_utilization", "wrong"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for m in records:
            w.writerow(["" if getattr(m, k) is None else getattr(m, k) for k in fields])


def sections(records, labels, compare):
    """A summary and a comparison per collective."""
    out = []
    by_collective = group(records, lambda m: m.collective)
    if not by_collective:
        return [Omitted("Summary", "the inputs hold no measurement")]
    for collective, ms in sorted(by_collective.items()):
        name = f" ({collective})" if len(by_collective) > 1 else ""
        out.append((f"Summary{name}", summary_rows(ms)))
        if compare:
            a, b = compare
            title = f"Comparison{name}: {a} vs {b}"
            table = comparison_rows(ms, a, b, title)
            out.append(table if isinstance(table, Omitted) else (title, table))
    return out


def write_markdown(path, inputs, notes, tables, plots):
    parts = ["# collbench report", "", "Inputs: " + ", ".join(f"`{p}`" for p in inputs), "",
             "GB/s = 10^9 bytes/s; busbw as nccl-tests defines it; time = mean per operation.", ""]
    parts += [f"**Note:** {n}" + "\n" for n in notes]
    for t in tables:
        if isinstance(t, Omitted):
            parts += [f"## {t.title}", "", f"Not shown: {t.why}.", ""]
            continue
        title, (header, rows) = t
        parts += [f"## {title}", "", markdown_table(header, rows), ""]
    parts += ["## Plots", ""]
    parts += [p.sentence() + "\n" if isinstance(p, Omitted)
              else f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in plots]
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def write_html(path, inputs, notes, tables, plots):
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
             "th{background:#eee}td:first-child{text-align:left}img{max-width:100%}")
    body = [f"<h1>collbench report</h1><p>Inputs: {html.escape(', '.join(inputs))}</p>",
            "<p>GB/s = 10<sup>9</sup> bytes/s; busbw as nccl-tests defines it; "
            "time = mean per operation.</p>"]
    body += [f"<p><b>Note:</b> {html.escape(n)}</p>" for n in notes]
    for t in tables:
        if isinstance(t, Omitted):
            body.append(f"<h2>{html.escape(t.title)}</h2><p>Not shown: {html.escape(t.why)}.</p>")
            continue
        title, (header, rows) = t
        body.append(f"<h2>{html.escape(title)}</h2>" + html_table(header, rows))
    body.append("<h2>Plots</h2>")
    for p in plots:
        if isinstance(p, Omitted):
            body.append(f"<p>{html.escape(p.sentence())}</p>")
            continue
        with open(p, "rb") as f:
            data = base64.b64encode(f.read()).decode()
        body.append(f'<p><img alt="{os.path.basename(p)}" src="data:image/png;base64,{data}"></p>')
    with open(path, "w") as f:
        f.write(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>collbench report"
                f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="collbench-report", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", help="collbench JSON or CSV, nccl-tests output or JSON, "
                   "OSU osu_allreduce output")
    p.add_argument("-o", "--output", help="folder to write the report into")
    p.add_argument("--to-collbench", metavar="OUT.json",
                   help="instead of a report, write the inputs' measurements as one collbench "
                   "result file (for `collbench check --baseline`; see scripts/report/convert.py "
                   "for what carries over)")
    p.add_argument("--labels", help="comma list overriding each file's label, in order")
    p.add_argument("--compare", nargs=2, metavar=("LABEL_A", "LABEL_B"),
                   help="the two labels of the side-by-side table (default: the first two)")
    p.add_argument("--model", help="cost model from `collbench model fit`: adds predicted vs "
                   "measured times (table and plot)")
    p.add_argument("--nccom-collective", help="collective of nccom-test logs (allr, allg, "
                   "redsct, sendrecv, alltoall), which nccom-test does not print")
    p.add_argument("--nccom-ranks", type=int, help="rank count of nccom-test logs")
    p.add_argument("--osu-ranks", type=int, help="rank count of the OSU runs (OSU does not "
                   "print it; without it their busbw is left out)")
    args = p.parse_args(argv)
    if bool(args.output) == bool(args.to_collbench):
        p.error("give one of -o/--output (a report) and --to-collbench (a result file)")
    return args


def load_all(args):
    labels = args.labels.split(",") if args.labels else []
    if labels and len(labels) != len(args.files):
        raise FormatError(f"--labels has {len(labels)} names for {len(args.files)} files")
    records = []
    for i, path in enumerate(args.files):
        ms = load(path, args.osu_ranks, args.nccom_collective, args.nccom_ranks)
        for m in ms:
            m.label = labels[i] if labels else m.label
        records += ms
    return records


def output_problem(folder):
    """Why the report cannot be written into `folder`, or None: checked before any reading."""
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return f"-o/--output: cannot write into {folder}: {existing} is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"-o/--output: cannot write into {folder}: {existing} is not writable"
    return None


def write_collbench(args, argv):
    """--to-collbench: the inputs' measurements as one collbench result file."""
    try:
        records = load_all(args)
        doc = to_collbench(records, args.files, "collbench-report " + " ".join(argv))
        with open(args.to_collbench, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
    except (FormatError, OSError) as e:
        print(f"collbench-report: error: {e}", file=sys.stderr)
        return USAGE
    print(f"collbench-report: {len(records)} measurements written to {args.to_collbench}")
    return OK


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.to_collbench:
        return write_collbench(args, argv)
    if matplotlib is None:
        print(NO_MATPLOTLIB.format(exe=sys.executable), file=sys.stderr)
        return RUNTIME
    problem = output_problem(args.output)
    if problem:
        print(f"collbench-report: error: {problem}", file=sys.stderr)
        return USAGE
    try:
        records = load_all(args)
        screens = [s for path in args.files for s in load_screens(path)]
        notes = [n for path in args.files for n in file_notes(path)]
        models = load_models(args.model) if args.model else None
    except (FormatError, ModelError, OSError) as e:
        print(f"collbench-report: error: {e}", file=sys.stderr)
        return USAGE
    labels = list(dict.fromkeys(m.label for m in records))
    compare = args.compare or (labels[:2] if len(labels) >= 2 else None)
    if compare and not all(c in labels for c in compare):
        print(f"collbench-report: error: --compare: labels present are {', '.join(labels)}",
              file=sys.stderr)
        return USAGE
    os.makedirs(args.output, exist_ok=True)
    chosen = primary(records)
    plots = make_plots(chosen, args.output) if records or not screens else []
    tables = sections(chosen, labels, compare) if records or not screens else []
    screen_tables, screen_plots = screen_parts(plt, screens, args.output, Omitted)
    tables += screen_tables
    plots += screen_plots
    if models is not None:
        points = model_points(records, models)
        title = f"Cost model {args.model}: predicted vs measured"
        tables.append((title, model_rows(points)) if points else Omitted(title, NO_MODEL_POINTS))
        plots.append(plot_model(points, os.path.join(args.output, "model_vs_measured.png")))
    write_csv(records, os.path.join(args.output, "measurements.csv"))
    write_markdown(os.path.join(args.output, "summary.md"), args.files, notes, tables, plots)
    write_html(os.path.join(args.output, "report.html"), args.files, notes, tables, plots)
    for n in notes + [x.sentence() for x in tables + plots if isinstance(x, Omitted)]:
        print(f"collbench-report: note: {n}")
    files = f"{len(args.files)} file" + ("" if len(args.files) == 1 else "s")
    print(f"collbench-report: {len(records)} measurements from {files}; wrote "
          + ", ".join(sorted(os.listdir(args.output))) + f" into {args.output}")
    return OK


if __name__ == "__main__":
    sys.exit(main())
