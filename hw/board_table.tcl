# Reader of the board-build table (host/neuropynq/data/boards.txt), the single source
# of each board's part, clock, lanes, limits and memory binding, and of the overlay
# names (host/neuropynq/data/overlays.txt: one bitstream per kernel). Sourced by the
# Vitis HLS flow (hls/scripts/run_hls.tcl) and the Vivado flows (hw/bd/*.tcl).
#
#   source hw/board_table.tcl
#   set build [npq_board_build $root pynq-z2]   ;# dict: column -> value
#   dict get $build clock_mhz
#   npq_overlay_name $root bn_sampler           ;# neuropynq_bn

proc npq_board_table_path {root} {
    return [file join $root host neuropynq data boards.txt]
}

# Every board row of the table, as a dict board -> (dict column -> value).
proc npq_board_table {root} {
    return [npq_read_table [npq_board_table_path $root] board]
}

# A whitespace-separated table with a header row ('#' starts a comment), as a dict
# key -> (dict column -> value) keyed by the column `key`.
proc npq_read_table {path key} {
    if {![file isfile $path]} { error "table $path is missing" }
    set fh [open $path r]
    set text [read $fh]
    close $fh
    set header {}
    set builds [dict create]
    set lineno 0
    foreach line [split $text "\n"] {
        incr lineno
        set fields [regexp -all -inline {\S+} [lindex [split $line "#"] 0]]
        if {[llength $fields] == 0} { continue }
        if {$header eq {}} { set header $fields; continue }
        if {[llength $fields] != [llength $header]} {
            error "$path:$lineno: [llength $fields] fields, the header has [llength $header]"
        }
        set row [dict create]
        foreach name $header value $fields { dict set row $name $value }
        dict set builds [dict get $row $key] $row
    }
    if {[dict size $builds] == 0} { error "$path: no rows" }
    return $builds
}

# The build of one board; an error naming the known boards otherwise.
proc npq_board_build {root board} {
    set builds [npq_board_table $root]
    if {![dict exists $builds $board]} {
        error "unknown board '$board'; the board builds are [join [dict keys $builds] {, }]"
    }
    return [dict get $builds $board]
}

# The overlay (bitstream basename and block-design name) that holds `kernel`.
proc npq_overlay_name {root kernel} {
    set overlays [npq_read_table [file join $root host neuropynq data overlays.txt] kernel]
    if {![dict exists $overlays $kernel]} {
        error "unknown kernel '$kernel'; the overlays hold [join [dict keys $overlays] {, }]"
    }
    return [dict get $overlays $kernel overlay]
}
