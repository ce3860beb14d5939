# Block design, implementation and bitstream for one board (docs/spec.md §5 for the IP).
#
#   vivado -mode batch -source hw/bd/build_bitstream.tcl -tclargs \
#       -board pynq-z2 -ip_repo build/hls/ip -impl hls -out bitstreams -build build/vivado
#
# The design: the board's PS, and per kernel (bn_sampler, bm_sampler) one AXI DMA
# (MM2S feeds the kernel's input stream, S2MM takes its output stream) plus the kernel's
# AXI4-Lite control port on the PS master. `.bit` and `.hwh` (same basename, as PYNQ
# expects) and the timing and utilisation reports are copied to <out>/<board>/.

set npq_here [file dirname [file normalize [info script]]]
source [file join $npq_here npq_bd.tcl]

set opts [npq_parse_args $argv {-board pynq-z2 -ip_repo build/hls/ip -impl hls \
                                -out bitstreams -build build/vivado -jobs 2}]
npq_build_bitstream $opts
