# Written by tfolab plot from the templates common.gp and plt.gp.
# Re-plot in this directory with: gnuplot -e "fmt='svg'" plt.gp (or fmt='png')
if (!exists("fmt")) fmt = "png"
out = 'plt'
width = 860
height = 600
run_title = 'run 1, https, link userspace'
data = 'plt.dat'
ncells = 6

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

# ---- plt.gp ----
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
