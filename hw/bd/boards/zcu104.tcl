# ZCU104: Zynq UltraScale+ ZU7EV, zynq_ultra_ps_e, 250 MHz fabric clock.
dict set ::npq_board name        zcu104
dict set ::npq_board part        xczu7ev-ffvc1156-2-e
dict set ::npq_board board_part  xilinx.com:zcu104:part0:1.1
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
