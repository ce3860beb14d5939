"""cocotb + Verilator helpers shared by the RTL testbenches: the cached build
(`build_and_run`), AXI4-Lite master, AXI4-Stream source/sink with random
back-pressure, and the `TB` base class."""
