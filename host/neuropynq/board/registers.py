"""Register offsets and bits: the kernels' ap_ctrl_hs map (docs/spec.md §5) and the
Xilinx AXI DMA in simple (register) mode (PG021)."""

# Kernel control (AXI4-Lite, Vitis HLS ap_ctrl_hs layout)
CTRL = 0x00
GIE = 0x04
IER = 0x08
ISR = 0x0C
STATUS = 0x10
STATUS_CTRL = 0x14

AP_START = 1 << 0
AP_DONE = 1 << 1
AP_IDLE = 1 << 2
AP_READY = 1 << 3
AUTO_RESTART = 1 << 7
STATUS_VALID = 1 << 0

# AXI DMA, one channel block per direction (S2MM = MM2S + 0x30)
MM2S = 0x00
S2MM = 0x30
DMACR = 0x00        # control: RS, Reset
DMASR = 0x04        # status: Halted, Idle, error bits
ADDR = 0x18         # source (MM2S) / destination (S2MM) address, low word
ADDR_MSB = 0x1C     # high word on 64-bit address maps
LENGTH = 0x28       # bytes; writing it starts the transfer; S2MM reads back bytes received

DMACR_RS = 1 << 0
DMACR_RESET = 1 << 2
DMASR_HALTED = 1 << 0
DMASR_IDLE = 1 << 1
DMASR_ERRORS = {1 << 4: "DMA internal error", 1 << 5: "DMA slave error (bad address?)",
                1 << 6: "DMA decode error (no memory at that address)"}
DMASR_IOC = 1 << 12
