"""Link screens in the report (collbench --collective pairwise or neighbors): the verdict
table, a heat map of each direction's bandwidth with the flagged pairs marked, and each host's
median bandwidth sending and receiving. The screen object's layout is results/screen.h's, as
results/schema/result.schema.json describes it; the verdicts are collbench's own (localise in
results/screen.cc), not recomputed here."""
import json
import os
import statistics


def load_screens(path):
    """The screen of a collbench result file, as [(path, screen dict)], or [] (other formats,
    or a run that measured collectives)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("screen"), dict):
        return []
    return [(path, doc["screen"])]


def where(screen, v):
    hosts = screen["hosts"]
    a = f"{hosts[v['rank']]} (rank {v['rank']})"
    if v.get("peer") is None:
        return a
    arrow = " <-> " if v["what"] == "link" else " -> "
    return a + arrow + f"{hosts[v['peer']]} (rank {v['peer']})"


def verdict_rows(screen):
    """(header, rows) of the verdict table, or None when nothing was flagged."""
    if not screen["verdicts"]:
        return None
    rows = [[v["metric"], v["what"], where(screen, v), f"{v['measured']:.4g}",
             f"{v['median']:.4g}", f"{v['agreeing']}/{v['partners']}"] for v in screen["verdicts"]]
    return ["metric", "what", "where", "measured", "median of all pairs", "partners"], rows


def host_medians(screen):
    """{host: (median GB/s sending, median GB/s receiving)} over the host's ranks' pairs."""
    bw, hosts = screen["bandwidth_gbps"], screen["hosts"]
    out = {}
    for host in sorted(set(hosts)):
        ranks = [r for r, h in enumerate(hosts) if h == host]
        send = [bw[r][p] for r in ranks for p in range(len(hosts)) if bw[r][p] is not None]
        recv = [bw[p][r] for r in ranks for p in range(len(hosts)) if bw[p][r] is not None]
        out[host] = (statistics.median(send) if send else 0, statistics.median(recv) if recv else 0)
    return out


def flagged_pairs(screen):
    """The (from, to) directions a bandwidth verdict covers."""
    n = len(screen["hosts"])
    out = set()
    for v in screen["verdicts"]:
        if v["metric"] != "bandwidth":
            continue
        r, p, what = v["rank"], v.get("peer"), v["what"]
        if p is not None:
            out.add((r, p))
            if what == "link":
                out.add((p, r))
            continue
        for q in range(n):
            if q != r and what in ("rank", "rank sending"):
                out.add((r, q))
            if q != r and what in ("rank", "rank receiving"):
                out.add((q, r))
    return out


def plot_heatmap(plt, screen, path):
    """Bandwidth from (rows) to (columns), ranks ordered by host; flagged directions marked."""
    n = len(screen["hosts"])
    order = sorted(range(n), key=lambda r: (screen["hosts"][r], r))
    bw = screen["bandwidth_gbps"]
    grid = [[bw[a][b] if bw[a][b] is not None else float("nan") for b in order] for a in order]
    fig, ax = plt.subplots(figsize=(6.4, 5.4))
    image = ax.imshow(grid, cmap="viridis")
    fig.colorbar(image, ax=ax, label="GB/s")
    labels = [f"{screen['hosts'][r]}:{r}" for r in order]
    ax.set_xticks(range(n), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(n), labels, fontsize=7)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    flagged = flagged_pairs(screen)
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            if (a, b) in flagged:
                ax.text(j, i, "x", ha="center", va="center", color="red", fontsize=12)
    ax.set_title(f"{screen['kind']} screen: bandwidth at {screen['bandwidth_bytes']} B "
                 "(x: flagged)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_hosts(plt, screen, path):
    medians = host_medians(screen)
    hosts = list(medians)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    xs = range(len(hosts))
    ax.bar([x - 0.2 for x in xs], [medians[h][0] for h in hosts], 0.4, label="sending")
    ax.bar([x + 0.2 for x in xs], [medians[h][1] for h in hosts], 0.4, label="receiving")
    ax.set_xticks(list(xs), hosts, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("median GB/s over its pairs")
    ax.set_title(f"{screen['kind']} screen: each host")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def screen_parts(plt, screens, out_dir, omitted):
    """Tables and plots for each screen; `omitted(title, why)` builds what stands in for a
    table with nothing to show."""
    tables, plots = [], []
    for i, (path, screen) in enumerate(screens):
        name = os.path.basename(path)
        title = f"Link screen ({screen['kind']}, {name}): verdicts"
        rows = verdict_rows(screen)
        tables.append((title, rows) if rows else omitted(title, "nothing was flagged"))
        plots.append(plot_heatmap(plt, screen, os.path.join(out_dir, f"screen{i}_heatmap.png")))
        plots.append(plot_hosts(plt, screen, os.path.join(out_dir, f"screen{i}_hosts.png")))
    return tables, plots
