# PYNQ-Z2 (part, clock, P and limits: the board table). Board files by TUL.
dict set ::npq_board board_part tul.com.tw:pynq-z2:part0
