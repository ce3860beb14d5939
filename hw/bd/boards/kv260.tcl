# KV260: Kria K26 SOM.
dict set ::npq_board name        kv260
dict set ::npq_board part        xck26-sfvc784-2LV-c
dict set ::npq_board board_part  xilinx.com:kv260_som:part0:1.4
source [file join [file dirname [info script]] .. zynqmp_ps.tcl]
