# Written by tfolab plot from the templates common.gp and cdf.gp.
# Re-plot in this directory with: gnuplot -e "fmt='svg'" cdf.gp (or fmt='png')
if (!exists("fmt")) fmt = "png"
out = 'cdf'
width = 680
height = 520
run_title = 'run 1, https, link userspace'
data = 'cdf.dat'
npages = 1
array page_title[1]
array page_first[1]
array page_last[1]
page_title[1] = 'wikipedia-tcp'
page_first[1] = 1
page_last[1] = 12
ncond = 12
array cond_title[12]
array cond_color[12]
array cond_dash[12]
cond_title[1] = '20 ms, HTTP, non-TFO'
cond_color[1] = 1
cond_dash[1] = 1
cond_title[2] = '20 ms, HTTP, TFO'
cond_color[2] = 1
cond_dash[2] = 2
cond_title[3] = '20 ms, TLS 1.3, non-TFO'
cond_color[3] = 2
cond_dash[3] = 1
cond_title[4] = '20 ms, TLS 1.3, TFO'
cond_color[4] = 2
cond_dash[4] = 2
cond_title[5] = '100 ms, HTTP, non-TFO'
cond_color[5] = 3
cond_dash[5] = 1
cond_title[6] = '100 ms, HTTP, TFO'
cond_color[6] = 3
cond_dash[6] = 2
cond_title[7] = '100 ms, TLS 1.3, non-TFO'
cond_color[7] = 4
cond_dash[7] = 1
cond_title[8] = '100 ms, TLS 1.3, TFO'
cond_color[8] = 4
cond_dash[8] = 2
cond_title[9] = '200 ms, HTTP, non-TFO'
cond_color[9] = 5
cond_dash[9] = 1
cond_title[10] = '200 ms, HTTP, TFO'
cond_color[10] = 5
cond_dash[10] = 2
cond_title[11] = '200 ms, TLS 1.3, non-TFO'
cond_color[11] = 6
cond_dash[11] = 1
cond_title[12] = '200 ms, TLS 1.3, TFO'
cond_color[12] = 6
cond_dash[12] = 2

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

# ---- cdf.gp ----
# The distribution of the PLT of every condition, a panel per page: the
# conditions of one cell (page, RTT, setting) share a colour, non-TFO solid,
# TFO dashed.  The time axis is logarithmic, so that RTTs 10x apart fit.
# Expects: data (cdf.dat), npages, page_title[], page_first[], page_last[]
# (the page's blocks in data, from 1), cond_title[], cond_color[],
# cond_dash[] (1 solid, 2 dashed), run_title.
set multiplot layout (npages + 1) / 2, (npages > 1 ? 2 : 1) \
    title "Distribution of page load times (valid trials; non-TFO solid, TFO dashed), " . run_title
set xlabel "page load time (s, log scale)"
set ylabel "fraction of trials"
set yrange [0:1.02]
set logscale x
set format x "%g"
# 1-2-5 tics: a panel often spans less than a decade.
set xtics (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
set grid xtics ytics mxtics lc rgb "#e8e8e8"
set key outside right top reverse Left samplen 3
# The data's own range, not whole decades, with a little room at the sides.
set autoscale xfix
set offsets graph 0.04, graph 0.04, 0, 0
do for [pg=1:npages] {
    set title page_title[pg]
    plot for [i=page_first[pg]:page_last[pg]] data index (i - 1) using 3:4 with steps \
        lt cond_color[i] dt cond_dash[i] title cond_title[i]
}
unset multiplot
