# What the UltraScale+ boards share: zynq_ultra_ps_e with HPM0_FPD for control, HP0 for
# the DMAs, and one 250 MHz fabric clock. Sourced by boards/zcu104.tcl and boards/kv260.tcl.
dict set ::npq_board ps_vlnv     xilinx.com:ip:zynq_ultra_ps_e:3.5
dict set ::npq_board ps_rule     xilinx.com:bd_rule:zynq_ultra_ps_e
dict set ::npq_board clock_mhz   250
dict set ::npq_board ps_config   [list CONFIG.PSU__USE__M_AXI_GP0 1 CONFIG.PSU__USE__M_AXI_GP1 0 \
                                       CONFIG.PSU__USE__M_AXI_GP2 0 CONFIG.PSU__USE__S_AXI_GP2 1 \
                                       CONFIG.PSU__FPGA_PL0_ENABLE 1 \
                                       CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 250]
dict set ::npq_board ps_master   M_AXI_HPM0_FPD
dict set ::npq_board ps_slave    S_AXI_HP0_FPD
dict set ::npq_board ps_clock    pl_clk0
dict set ::npq_board ps_resetn   pl_resetn0
