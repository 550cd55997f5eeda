# Written by tfolab plot from the templates common.gp and waterfall.gp.
# Re-plot in this directory with: gnuplot -e "fmt='svg'" waterfall.gp (or fmt='png')
if (!exists("fmt")) fmt = "png"
out = 'waterfall'
width = 1400
height = 984
run_title = 'run 1, table1, link userspace'
array data[2]
array panel_title[2]
array nrows[2]
array plt_ms[2]
data[1] = 'waterfall_off.dat'
panel_title[1] = 'amazon, 200 ms, non-TFO: trial 3, PLT 3396 ms (median of 15), 40 new connections'
nrows[1] = 67
plt_ms[1] = 3396.333886
data[2] = 'waterfall_tfo.dat'
panel_title[2] = 'amazon, 200 ms, TFO: trial 17, PLT 2668 ms (median of 15), 41 new connections'
nrows[2] = 67
plt_ms[2] = 2668.229363
span_ms = 3396.333886
has_tls = 0

# ---- common.gp ----
# Shared by every tfolab plot (plots/plot_gp.h): the terminal for the image
# format in `fmt`, and how the data files read.  The generated preamble
# above sets out (the file name without extension), width and height (px).
if (fmt eq "svg") {
    set terminal svg size width, height dynamic font "Sans,12" background rgb "white"
} else {
    if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
        set terminal pngcairo size width, height font "Sans,11" background rgb "white"
    } else {
        set terminal png size width, height font "Sans,11" background rgb "white"
    }
}
set output out . "." . fmt
set termoption noenhanced

# Tab-separated columns (names may hold spaces).  A missing value is "NaN",
# which gnuplot reads as not-a-number: points that need it are not drawn,
# while expressions can still test for it (x == x is false for NaN).
set datafile separator "\t"

# Colours that stay apart in print and for colour-blind readers (Okabe-Ito).
set linetype 1 lc rgb "#0072B2" lw 2 pt 7 ps 1.1
set linetype 2 lc rgb "#D55E00" lw 2 pt 5 ps 1.1
set linetype 3 lc rgb "#009E73" lw 2 pt 9 ps 1.3
set linetype 4 lc rgb "#CC79A7" lw 2 pt 11 ps 1.3
set linetype 5 lc rgb "#E69F00" lw 2 pt 13 ps 1.3
set linetype 6 lc rgb "#56B4E9" lw 2 pt 15 ps 1.3
set linetype 7 lc rgb "#000000" lw 2 pt 3 ps 1.1
set linetype 8 lc rgb "#999999" lw 2 pt 1 ps 1.1
set linetype cycle 8

set grid ytics lc rgb "#e0e0e0" lw 1
set border 3
set tics nomirror
set key noenhanced

# ---- waterfall.gp ----
# One non-TFO and one TFO load of the same page, request by request, on one
# time axis.  Per request: the connection's handshake (connect, only on the
# request that opened it), over HTTPS its TLS handshake (secure: connected
# to TLS done, before the request went out), waiting for the first response
# byte after the
# request was sent, and receiving the response.  With TFO the request rides
# on the SYN, so its wait starts with the handshake instead of after it.
# Expects: data[2], panel_title[2], nrows[2], plt_ms[2], span_ms, run_title,
# has_tls (1 when a request has a TLS handshake: the key names it).
set multiplot layout 2, 1 title "Waterfall: one page load without and with TCP Fast Open (" \
    . run_title . ")"
set xrange [0:span_ms * 1.02]
set xlabel "time since the start of the load (ms)"
set ylabel "request (in start order)"
set style fill solid 0.9 noborder
# Both panels get the same margins, so that their time axes line up; the key
# sits in the right margin of the top panel only.
set lmargin at screen 0.07
set rmargin at screen 0.74
set key at screen 0.755, graph 1 left top reverse Left
set grid xtics ytics lc rgb "#e8e8e8"
set style textbox opaque noborder
# The TLS box of a row: from connected to the handshake's end, or to the
# request when it left before (early data).  A row without one (no TLS, or
# the request left before the TCP handshake ended) gets a box above the
# plot (y = -1, out of range), so that a panel without any does not make
# gnuplot warn of an empty plot.
tls_has(conn, done, sent) = done == done && conn == conn && !(sent == sent && sent <= conn)
tls_end(done, sent) = (sent == sent && sent < done) ? sent : done
tls_lo(conn, done, sent) = tls_has(conn, done, sent) ? conn : 0
tls_hi(conn, done, sent) = tls_has(conn, done, sent) ? tls_end(done, sent) : 0
tls_y(row, conn, done, sent, dy) = (tls_has(conn, done, sent) ? row : -1) + dy
do for [p=1:2] {
    if (p == 2) { unset key }
    set title panel_title[p]
    set yrange [nrows[p] + 0.5:0.5]
    set ytics out
    set arrow 1 from first plt_ms[p], graph 0 to first plt_ms[p], graph 1 nohead \
        lc rgb "#000000" dt 2 lw 1 front
    set label 1 sprintf("PLT %.0f ms", plt_ms[p]) at first plt_ms[p], graph 1 \
        offset -0.5, -1 right front boxed
    # Rows without SYN data get a point above the plot (y = -1, out of range),
    # so that a panel without any does not make gnuplot warn of an empty plot.
    # Columns: 1 row, 5 syn_data, 6 queued, 7 connect_start, 8 connected,
    # 9 req_sent, 10 first_byte, 11 last_byte, 12 tls_done (NaN without TLS).
    plot data[p] using 6:1:((($7 == $7) ? $7 : $9) - $6):(0) with vectors nohead \
            lc rgb "#bbbbbb" lw 1 title "queued", \
         data[p] using (($7 + $8) / 2):1:7:8:($1 - 0.42):($1 + 0.42) with boxxyerror \
            fc rgb "#009E73" title "connect (handshake)", \
         data[p] using ((tls_lo($8, $12, $9) + tls_hi($8, $12, $9)) / 2):(tls_y($1, $8, $12, $9, 0)):\
            (tls_lo($8, $12, $9)):(tls_hi($8, $12, $9)):(tls_y($1, $8, $12, $9, -0.42)):\
            (tls_y($1, $8, $12, $9, 0.42)) with boxxyerror fc rgb "#CC79A7" \
            title (has_tls ? "secure (TLS handshake)" : ""), \
         data[p] using (($9 + $10) / 2):1:9:10:($1 - 0.25):($1 + 0.25) with boxxyerror \
            fc rgb "#E69F00" title "wait (sent to first byte)", \
         data[p] using (($10 + $11) / 2):1:10:11:($1 - 0.25):($1 + 0.25) with boxxyerror \
            fc rgb "#0072B2" title "receive (first to last byte)", \
         data[p] using ($5 > 0 ? $7 : 0):($5 > 0 ? $1 : -1) with points pt 7 ps 0.6 \
            lc rgb "#000000" title "SYN carried the request (TFO, acked)"
}
unset multiplot
