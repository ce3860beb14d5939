"""Writers of the C++ and SystemVerilog constants and LUTs from the Python source of truth."""
