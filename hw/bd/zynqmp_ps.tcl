# The UltraScale+ boards' zynq_ultra_ps_e: HPM0_FPD for control, HP0 for the DMAs, and
# one fabric clock (pl_clk0) at the board table's clock_mhz. Sourced by npq_load_board
# (npq_bd.tcl) for boards whose table row says ps = zynqmp.
dict set ::npq_board ps_ip         xilinx.com:ip:zynq_ultra_ps_e
dict set ::npq_board ps_rule       xilinx.com:bd_rule:zynq_ultra_ps_e
# Only the board preset: the MPSoC's DDR and MIO are not block-design ports
# (make_external "FIXED_IO, DDR" belongs to processing_system7's rule).
dict set ::npq_board ps_automation {apply_board_preset "1"}
dict set ::npq_board ps_config     [list CONFIG.PSU__USE__M_AXI_GP0 1 CONFIG.PSU__USE__M_AXI_GP1 0 \
                                         CONFIG.PSU__USE__M_AXI_GP2 0 CONFIG.PSU__USE__S_AXI_GP2 1 \
                                         CONFIG.PSU__FPGA_PL0_ENABLE 1 CONFIG.PSU__FPGA_PL1_ENABLE 0 \
                                         CONFIG.PSU__FPGA_PL2_ENABLE 0 CONFIG.PSU__FPGA_PL3_ENABLE 0 \
                                         CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ [dict get $::npq_board clock_mhz]]
dict set ::npq_board ps_master     M_AXI_HPM0_FPD
dict set ::npq_board ps_slave      S_AXI_HP0_FPD
dict set ::npq_board ps_clock      pl_clk0
