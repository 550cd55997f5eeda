#!/usr/bin/env python3
"""Where a page load's time goes, per cell of a run (analysis, not a test).

usage: critical_path.py DB [RUN]   (RUN: the newest run by default)

For each cell (page, RTT, queue, requests per connection, encoding and TLS
mode, TFO mode), over its valid trials, the means of:
  plt       page load time, s
  xfer      the transfer share: the bytes the load moved (both ways) at the
            downlink's rate, over the PLT; near 1 means the link was busy
            the whole load and a saved round trip shortens little
  conns     new connections the load opened
  path      resources on the critical path: from the last resource to
            finish back through its parents to the root
  path_new  of those, the ones that opened a new connection
  slot_ms   time the critical path's requests were ready but waited for a
            free connection (the per-host cap, or a busy connection), ms
  rtt_ms    their time from connect (new connection) or send (reused) to
            the first response byte: handshake plus request round trip
            plus the server's queue, summed, ms; what TFO shortens
  body_ms   their time from first to last response byte, summed, ms
The page's parents come from its .page file (workloads/pages/ or the path
the run stored).
"""
import os
import sqlite3
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def page_parents(name):
    path = name if "/" in name or name.endswith(".page") else \
        os.path.join(SRC, "workloads", "pages", name + ".page")
    ids, parents = {}, []
    for line in open(path):
        t = line.split("#", 1)[0].split() if not line.startswith("#") else []
        if len(t) < 8 or t[0] in ("name", "source", "date", "note"):
            continue
        ids[t[0]] = len(parents)
        parents.append(t[1])
    return [ids.get(p, -1) if p != "-" else -1 for p in parents]


def trial_path(reqs, parents):
    """reqs: {res_idx: row}; returns (path length, new conns, slot, rtt, body ns)."""
    last = max(reqs.values(), key=lambda r: r["last"])
    n = new = slot = rtt = body = 0
    i = last["idx"]
    while i >= 0 and i in reqs:
        r = reqs[i]
        n += 1
        start = r["connect"] if r["new"] else r["sent"]
        new += 1 if r["new"] else 0
        slot += max(0, start - r["queued"])
        rtt += max(0, r["first"] - start)
        body += max(0, r["last"] - r["first"])
        i = parents[i] if i < len(parents) else -1
    return n, new, slot, rtt, body


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    con = sqlite3.connect(sys.argv[1])
    run = int(sys.argv[2]) if len(sys.argv) == 3 else con.execute("select max(id) from runs").fetchone()[0]
    # Schema 6 has the TLS mode; an HTTPS cell's enc reads e.g. "wire/1.3".
    cols = [r[1] for r in con.execute("pragma table_info(conditions)")]
    tls = "tls" if "tls" in cols else "'off'"
    conds = con.execute(
        "select id, page, rtt_ns, queue_pkts, per_conn, coalesce(encoding, '')"
        " || case when %s = 'off' then '' else '/' || %s end, tfo_mode, down_bps"
        " from conditions where run_id = ? order by idx, tfo_mode desc" % (tls, tls),
        (run,)).fetchall()
    print("%-14s %4s %6s %4s %-13s %-3s %7s %5s %5s %4s %8s %7s %7s %7s" % (
        "page", "rtt", "queue", "req", "enc", "tfo", "plt", "xfer", "conns", "path", "path_new",
        "slot_ms", "rtt_ms", "body_ms"))
    cache = {}
    for cid, page, rtt, q, pc, enc, mode, down in conds:
        if page not in cache:
            cache[page] = page_parents(page)
        parents = cache[page]
        trials = con.execute("select id, plt_ns, bytes_total, conns_opened from trials"
                             " where condition_id = ? and valid = 1", (cid,)).fetchall()
        acc = [0.0] * 8
        for tid, plt, nbytes, conns in trials:
            reqs = {}
            for row in con.execute(
                    "select res_idx, new_conn, queued_ns, connect_start_ns, req_sent_ns,"
                    " first_byte_ns, last_byte_ns from requests where trial_id = ?", (tid,)):
                reqs[row[0]] = dict(idx=row[0], new=row[1], queued=row[2], connect=row[3],
                                    sent=row[4], first=row[5], last=row[6])
            n, new, slot, rtt_sum, body = trial_path(reqs, parents)
            xfer = nbytes * 8 / down / (plt / 1e9) if down else 0
            for k, v in enumerate((plt / 1e9, xfer, conns, n, new, slot / 1e6, rtt_sum / 1e6,
                                   body / 1e6)):
                acc[k] += v
        if not trials:
            continue
        m = [a / len(trials) for a in acc]
        print("%-14s %4.0f %6s %4s %-13s %-3s %7.3f %5.2f %5.1f %4.1f %8.1f %7.0f %7.0f %7.0f" % (
            page, rtt / 1e6, "%dp" % q if q else "-", pc or "inf", enc or "?", mode, *m))


if __name__ == "__main__":
    main()
