# PYNQ-Z2: Zynq-7020, processing_system7, 100 MHz fabric clock.
dict set ::npq_board name        pynq-z2
dict set ::npq_board part        xc7z020clg400-1
dict set ::npq_board board_part  tul.com.tw:pynq-z2:part0:1.0
dict set ::npq_board ps_vlnv     xilinx.com:ip:processing_system7:5.5
dict set ::npq_board ps_rule     xilinx.com:bd_rule:processing_system7
dict set ::npq_board clock_mhz   100
dict set ::npq_board ps_config   [list CONFIG.PCW_USE_M_AXI_GP0 1 CONFIG.PCW_USE_S_AXI_HP0 1 \
                                       CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 100]
# PS ports used by the design: control master, DMA slave, fabric clock and reset.
dict set ::npq_board ps_master   M_AXI_GP0
dict set ::npq_board ps_slave    S_AXI_HP0
dict set ::npq_board ps_clock    FCLK_CLK0
dict set ::npq_board ps_resetn   FCLK_RESET0_N
