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
