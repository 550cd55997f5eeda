# PLT per cell (page x RTT, and what else the run varies): non-TFO and TFO
# side by side, bar = mean of the valid trials, error bar = +-1 sample sd.
# Expects from the preamble: data (plt.dat), ncells, run_title.
set title "Page load time with and without TCP Fast Open\n" . run_title
set ylabel "page load time (s)"
set xlabel "page, RTT"
set yrange [0:*]
set xrange [-0.6:ncells - 0.4]
set style fill solid 0.85 border lc rgb "#333333"
set boxwidth 0.38
set bars 1.5
set key top left reverse Left
set xtics scale 0
cell_label(page, rtt, setting) = page . "\n" . rtt . " ms" . (setting eq "-" ? "" : "\n" . setting)
plot data using ($1 - 0.2):6:7:xticlabels(cell_label(strcol(2), strcol(3), strcol(4))) \
        with boxerrorbars lt 1 title "non-TFO (mean +- 1 sd)", \
     data using ($1 + 0.2):10:11 with boxerrorbars lt 2 title "TFO (mean +- 1 sd)"
