# SPDX-License-Identifier: GPL-2.0
# plot.gp — docs/performance.png from report.py's .dat files: classifier ns per packet, snapshot growth.
# Usage: gnuplot -e "resdir='DIR'" bench/plot.gp
if (!exists("resdir")) resdir = "."
set terminal pngcairo size 1400,560 font "DejaVu Sans,11"
set output resdir."/performance.png"
set multiplot layout 1,2

set title "Classifier cost per packet (BPF\\_PROG\\_TEST\\_RUN, median ns)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "ns per packet"
set yrange [0:*]
set xtics rotate by 30 right nomirror
set key top left
set grid ytics
plot resdir."/classifier.dat" using 2:xtic(1) title "empty classifier" lc rgb "#999999", \
     "" using 3 title "known flow" lc rgb "#1f77b4", \
     "" using 4 title "new flow" lc rgb "#ff7f0e"

set title "Naming every process: wall ms vs process count (log)"
set style data linespoints
unset style histogram
set xtics norotate
set xlabel "processes"
set ylabel "ms (median)"
set logscale y
set yrange [*:*]
set key bottom right
plot resdir."/snapshot.dat" using 1:6 title "C loop over /proc/*/stat" lw 2 pt 7, \
     "" using 1:5 title "ps -e" lw 2 pt 5, \
     "" using 1:3 title "flowowner procs --refresh" lw 2 pt 9, \
     "" using 1:4 title "flowowner procs (list only)" lw 2 pt 11, \
     "" using 1:2 title "BPF task walk only" lw 2 pt 13, \
     "" using 1:7 title "exec floor (flowowner --version)" lw 1 dt 2 pt 0
unset multiplot
