# TFO's improvement against how many requests a connection may carry, one
# line per page and RTT: fewer new connections leave fewer handshakes to save.
# Expects: data (persistence.dat), nseries, series_title[], ncols,
# col_label[], ymin, ymax, paper_lo, paper_hi, ci_pct, run_title.
set title "TFO's improvement against connection reuse\n" . run_title
set xlabel "requests per connection"
set ylabel "improvement: 1 - PLT(TFO) / PLT(non-TFO) (%)"
set xrange [-0.4:ncols - 0.6]
set yrange [ymin:ymax]
set format y "%g%%"
set xtics ()
do for [i=1:ncols] { set xtics add (col_label[i] i - 1) }
set object 1 rect from graph 0, first paper_lo to graph 1, first paper_hi behind \
    fc rgb "#009E73" fs transparent solid 0.15 noborder
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lc rgb "#777777" dt 2 lw 1
set key outside right top reverse Left
jitter = 0.03
shift(i) = (i - 1 - (nseries - 1) / 2.0) * jitter
plot for [i=1:nseries] data index (i - 1) using ($5 + shift(i)):6:7:8 \
        with yerrorlines lt i title series_title[i], \
     keyentry with boxes fc rgb "#009E73" fs transparent solid 0.15 noborder \
        title sprintf("paper: %g-%g%%", paper_lo, paper_hi), \
     keyentry with lines lt 7 lw 1 title sprintf("error bars: %g%% bootstrap CI", ci_pct)
