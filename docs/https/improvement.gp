# Written by tfolab plot from the templates common.gp and improvement.gp.
# Re-plot in this directory with: gnuplot -e "fmt='svg'" improvement.gp (or fmt='png')
if (!exists("fmt")) fmt = "png"
out = 'improvement'
width = 960
height = 600
run_title = 'run 1, https, link userspace'
data = 'improvement.dat'
rtt_max = 200
nrtt = 3
array rtt_list[3]
rtt_list[1] = 20
rtt_list[2] = 100
rtt_list[3] = 200
ymin = -4
ymax = 45
paper_lo = 4
paper_hi = 41
nseries = 2
array series_title[2]
series_title[1] = 'wikipedia-tcp, HTTP'
series_title[2] = 'wikipedia-tcp, TLS 1.3'
ci_pct = 95

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

# ---- improvement.gp ----
# TFO's improvement 1 - PLT_tfo / PLT_off against RTT, one line per page,
# with the bootstrap CI as error bars and the paper's range as a band.
# Expects: data (improvement.dat), nseries, series_title[], rtt_max,
# nrtt, rtt_list[] (the RTTs measured, for the tics), ymin,
# ymax, paper_lo, paper_hi, ci_pct, run_title.
set title "Improvement in page load time with TCP Fast Open\n" . run_title
set xlabel "RTT (ms)"
set ylabel "improvement: 1 - PLT(TFO) / PLT(non-TFO) (%)"
set xrange [0:rtt_max * 1.1]
set xtics ()
do for [i=1:nrtt] { set xtics add (sprintf("%g", rtt_list[i]) rtt_list[i]) }
set yrange [ymin:ymax]
set format y "%g%%"
set object 1 rect from graph 0, first paper_lo to graph 1, first paper_hi behind \
    fc rgb "#009E73" fs transparent solid 0.15 noborder
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lc rgb "#777777" dt 2 lw 1
set key outside right top reverse Left
# Series at one RTT are spread a little so that their error bars stay apart.
jitter = rtt_max * 0.012
shift(i) = (i - 1 - (nseries - 1) / 2.0) * jitter
plot for [i=1:nseries] data index (i - 1) using ($2 + shift(i)):3:4:5 \
        with yerrorlines lt i title series_title[i], \
     keyentry with boxes fc rgb "#009E73" fs transparent solid 0.15 noborder \
        title sprintf("paper: %g-%g%%", paper_lo, paper_hi), \
     keyentry with lines lt 7 lw 1 title sprintf("error bars: %g%% bootstrap CI", ci_pct)
