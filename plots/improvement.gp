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
