# KV260: the Kria K26 SOM (part, clock, P and limits: the board table). Board files
# from the Vivado board store.
dict set ::npq_board board_part xilinx.com:kv260_som:part0
