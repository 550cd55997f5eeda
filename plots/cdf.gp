# The distribution of the PLT of every condition: the conditions of one
# page and RTT share a colour, non-TFO solid, TFO dashed.
# Expects: data (cdf.dat), ncond, cond_title[], cond_group[], cond_dash[] (1 solid, 2 dashed),
# run_title.
set title "Distribution of page load times (valid trials)\n" . run_title
set xlabel "page load time (s)"
set ylabel "fraction of trials"
set yrange [0:1.02]
set xrange [0:*]
set key outside right top reverse Left
plot for [i=1:ncond] data index (i - 1) using 3:4 with steps lt cond_group[i] \
        dt cond_dash[i] title cond_title[i]
