# The Zynq-7000 boards' processing_system7: M_AXI_GP0 for control, HP0 for the DMAs,
# FCLK_CLK0 at the board table's clock_mhz. Sourced by npq_load_board (npq_bd.tcl)
# for boards whose table row says ps = ps7.
dict set ::npq_board ps_ip         xilinx.com:ip:processing_system7
dict set ::npq_board ps_rule       xilinx.com:bd_rule:processing_system7
# The 7-series PS's DDR and fixed MIO pins become ports of the design.
dict set ::npq_board ps_automation {make_external "FIXED_IO, DDR" apply_board_preset "1" Master "Disable" Slave "Disable"}
dict set ::npq_board ps_config     [list CONFIG.PCW_USE_M_AXI_GP0 1 CONFIG.PCW_USE_S_AXI_HP0 1 \
                                         CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ [dict get $::npq_board clock_mhz]]
dict set ::npq_board ps_master     M_AXI_GP0
dict set ::npq_board ps_slave      S_AXI_HP0
dict set ::npq_board ps_clock      FCLK_CLK0
