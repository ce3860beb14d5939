# ZCU104 (part, clock, P and limits: the board table). Board files shipped with Vivado.
dict set ::npq_board board_part xilinx.com:zcu104:part0
