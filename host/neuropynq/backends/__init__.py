"""Backends that execute kernel frames: ref (numpy), cpu (native HLS C++), fpga (PYNQ)."""
