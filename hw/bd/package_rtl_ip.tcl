# Package a SystemVerilog twin (hw/rtl/) as Vivado IP with the same VLNV and bus
# interfaces as the Vitis HLS export, so hw/bd/build_bitstream.tcl -impl rtl can use it.
# Part, P and limits come from the board table; -lanes overrides P (the sparse bm
# overlay's units U). -kernel bm_sampler_sparse packages bm_sampler with the sparse
# engine (ENGINE = 2) for a board that has that overlay. The IP goes to <out>/<kernel>.
#
#   vivado -mode batch -source hw/bd/package_rtl_ip.tcl -tclargs \
#       -kernel bn_sampler -board pynq-z2 [-lanes 4] -out build/ip-rtl/pynq-z2

set npq_here [file dirname [file normalize [info script]]]
source [file join $npq_here npq_bd.tcl]
source [file join $npq_here npq_ipx.tcl]

set opts [npq_parse_args $argv {-kernel bn_sampler -board pynq-z2 -lanes {} \
                                -out build/ip-rtl -rtl hw/rtl}]
npq_package_rtl $opts
