"""Running the kernels on a PYNQ board: register maps, the AXI DMA and kernel
control protocols (pynq-free, tested against a mock device and the RTL), and the
PYNQ overlay and DefaultIP drivers (imported only where pynq is installed)."""
