# Block design, implementation and bitstream of one kernel's overlay for one board
# (docs/spec.md §5 for the IP).
#
#   vivado -mode batch -source hw/bd/build_bitstream.tcl -tclargs -kernel bn_sampler \
#       -board pynq-z2 -ip_repo build/hls/ip/pynq-z2/bn_sampler -impl hls -out bitstreams -build build/vivado
#
# -kernel is a kernel build of host/neuropynq/data/overlays.txt the board has: bn_sampler,
# bm_sampler, or bm_sampler_sparse (a bm_sampler IP with the sparse engine, on boards
# whose board-table row has bm_units > 0); -ip_repo holds that build's IP only.
# The design: the board's PS, the kernel IP (bn_sampler or bm_sampler) and one AXI DMA
# (MM2S feeds the kernel's input stream, S2MM takes its output stream), the kernel's
# AXI4-Lite control port on the PS master. `<overlay>.bit` and `.hwh` (same basename,
# as PYNQ expects; the name from host/neuropynq/data/overlays.txt) and the timing and
# utilisation reports are copied to <out>/<board>/.

set npq_here [file dirname [file normalize [info script]]]
source [file join $npq_here npq_bd.tcl]

# -ip_repo default: the HLS export of the kernel build, build/hls/ip/<board>/<kernel>.
set opts [npq_parse_args $argv {-kernel {} -board pynq-z2 -ip_repo {} -impl hls \
                                -out bitstreams -build build/vivado -jobs 2}]
npq_build_bitstream $opts
