# PLT per cell (page x RTT, and what else the run varies): non-TFO and TFO
# side by side, bar = mean of the valid trials, error bar = ±1 sample sd;
# over each pair, the change of the mean PLT with TFO (-20% = 20% faster).
# Expects from the preamble: data (plt.dat), ncells, run_title.
set title "Page load time with and without TCP Fast Open\n" . run_title . \
    "; over each pair: the change of the mean PLT with TFO"
set ylabel "page load time (s)"
set yrange [0:*]
set xrange [-0.6:ncells - 0.4]
set style fill solid 0.85 border lc rgb "#333333"
set boxwidth 0.38
set bars 1.5
set key top left reverse Left
set xtics scale 0
# Room for the two or three lines of the labels under the axis.
set bmargin 5
# The label over a pair is the gain of the means, 1 - TFO / non-TFO.
# A cell with one trial has no sd (NaN in the data), drawn as a 0 error
# bar: in gnuplot any expression with a NaN is undefined, and a labels plot
# whose every point is undefined crashes gnuplot 5.4 (seen with one cell).
sd(col) = valid(col) ? column(col) : 0
top(a, da, b, db) = a + da > b + db ? a + da : b + db
cell_label(page, rtt, setting) = page . "\n" . rtt . " ms" . (setting eq "-" ? "" : "\n" . setting)
plot data using ($1 - 0.2):6:(sd(7)) with boxerrorbars lt 1 title "non-TFO (mean ± 1 sd)", \
     data using ($1 + 0.2):10:(sd(11)) with boxerrorbars lt 2 title "TFO (mean ± 1 sd)", \
     data using 1:(top($6, sd(7), $10, sd(11))):(sprintf("%+.0f%%", 100 * ($10 / $6 - 1))):xticlabels(cell_label(strcol(2), \
        strcol(3), strcol(4))) with labels offset 0, 0.8 notitle
