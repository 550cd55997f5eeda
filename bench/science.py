#!/usr/bin/env python3
"""Does --jobs 2 change the science?  (Benchmark analysis, not a test.)

usage: science.py SEQ_DB SEQ_RUN PAR_DB PAR_RUN

For every cell (page, RTT, and any other key) of two runs of one
experiment, the improvement 1 - mean(TFO)/mean(off) over the cell's pairs,
as `tfolab table` computes it: a pair is the off and the TFO trial of one
round (a trial's round is its position among its condition's trials that
were not host stalls, in seq order; results/cells.c, "Pairing"), both
valid.  The two runs' improvements are compared cell by cell: the
difference, and Welch's t-test on the per-pair gains 1 - tfo/off of the two
runs, two-sided.  The targets (issue 8): mean |difference| below 1.5
points over the cells, and no cell's difference significant at 1%.
"""
import math
import sqlite3
import sys


def betacf(a, b, x):
    # Continued fraction of the incomplete beta function (Numerical Recipes).
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > 1e-300 else 1e-300)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d; d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1 + aa / c if abs(c) > 1e-300 else 1e300
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d; d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1 + aa / c if abs(c) > 1e-300 else 1e300
        de = d * c
        h *= de
        if abs(de - 1) < 1e-12:
            break
    return h


def betai(a, b, x):
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * betacf(a, b, x) / a
    return 1 - math.exp(lbt) * betacf(b, a, 1 - x) / b


def welch_p(x, y):
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        return float("nan")
    mx, my = sum(x) / nx, sum(y) / ny
    vx = sum((v - mx) ** 2 for v in x) / (nx - 1)
    vy = sum((v - my) ** 2 for v in y) / (ny - 1)
    se2 = vx / nx + vy / ny
    if se2 == 0:
        return 1.0 if mx == my else 0.0
    t = (mx - my) / math.sqrt(se2)
    df = se2 ** 2 / ((vx / nx) ** 2 / (nx - 1) + (vy / ny) ** 2 / (ny - 1))
    return betai(df / 2, 0.5, df / (df + t * t))


def pairs(db, run):
    """{cell key: [(off_s, tfo_s), ...]} for one run."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "select c.pair_key, c.page, c.rtt_ns, c.per_conn, c.queue_pkts, coalesce(c.encoding, ''),"
        " c.tfo_mode, t.seq, t.valid, t.stalled, t.plt_ns"
        " from trials t join conditions c on c.id = t.condition_id"
        " where c.run_id = ? order by c.pair_key, c.tfo_mode, t.seq", (run,)).fetchall()
    sides = {}
    for pk, page, rtt, pc, q, enc, mode, seq, valid, stalled, plt in rows:
        key = (page, rtt / 1e6, pc, q, enc)
        side = sides.setdefault(key, {}).setdefault(mode, [])
        if not stalled:
            side.append(plt / 1e9 if valid else None)
    out = {}
    for key, s in sides.items():
        off, on = s.get("off", []), s.get("on", [])
        out[key] = [(a, b) for a, b in zip(off, on) if a is not None and b is not None]
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: science.py SEQ_DB SEQ_RUN PAR_DB PAR_RUN")
    seq = pairs(sys.argv[1], int(sys.argv[2]))
    par = pairs(sys.argv[3], int(sys.argv[4]))
    print("%-15s %5s %11s %11s %8s %9s" % ("page", "rtt", "sequential", "parallel", "diff", "p"))
    diffs, sig = [], []
    for key in sorted(seq, key=lambda k: (k[0], k[1])):
        a, b = seq[key], par.get(key, [])
        if len(a) < 2 or len(b) < 2:
            continue
        ia = 100 * (1 - sum(p[1] for p in a) / sum(p[0] for p in a))
        ib = 100 * (1 - sum(p[1] for p in b) / sum(p[0] for p in b))
        p = welch_p([1 - t / o for o, t in a], [1 - t / o for o, t in b])
        diffs.append(abs(ib - ia))
        if p < 0.01:
            sig.append(key)
        print("%-15s %5.0f %10.1f%% %10.1f%% %+7.1f %9.4f%s" % (key[0], key[1], ia, ib, ib - ia, p,
                                                            "  **" if p < 0.01 else ""))
    if not diffs:
        sys.exit("science.py: no cell with 2 pairs in both runs")
    m = sum(diffs) / len(diffs)
    print("mean |parallel - sequential| over %d cells: %.2f points (target < 1.5): %s"
          % (len(diffs), m, "meets" if m < 1.5 else "misses"))
    print("cells whose difference is significant at 1%% (Welch on per-pair gains): %d (target 0)%s"
          % (len(sig), "" if not sig else ": " + ", ".join("%s %g ms" % (k[0], k[1]) for k in sig)))


if __name__ == "__main__":
    main()
