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
