# ZCU104: Zynq UltraScale+ ZU7EV.
dict set ::npq_board name        zcu104
dict set ::npq_board part        xczu7ev-ffvc1156-2-e
dict set ::npq_board board_part  xilinx.com:zcu104:part0:1.1
source [file join [file dirname [info script]] .. zynqmp_ps.tcl]
