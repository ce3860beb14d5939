# Reader of the board-build table (host/neuropynq/data/boards.txt), the single source
# of each board's part, clock, lanes, limits and memory binding, and of the overlay
# names (host/neuropynq/data/overlays.txt: one bitstream per kernel build; a board has
# an overlay iff the board-table column the overlay `needs` is above 0 there). Sourced by the
# Vitis HLS flow (hls/scripts/run_hls.tcl) and the Vivado flows (hw/bd/*.tcl).
#
#   source hw/board_table.tcl
#   set build [npq_board_build $root pynq-z2]   ;# dict: column -> value
#   dict get $build clock_mhz
#   npq_overlay_name $root bn_sampler           ;# neuropynq_bn
#   npq_board_overlays $root pynq-z2            ;# bn_sampler bm_sampler bm_sampler_sparse
#   npq_overlay_cells $root $build bm_sampler   ;# bm_sampler bm_sampler_1 (ZCU104)

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

# The overlay table (host/neuropynq/data/overlays.txt): kernel build -> (dict column -> value),
# columns kernel, ip, overlay, needs, instances.
proc npq_overlays {root} {
    return [npq_read_table [file join $root host neuropynq data overlays.txt] kernel]
}

# One overlay's row; an error naming the kernel builds otherwise.
proc npq_overlay_row {root kernel} {
    set overlays [npq_overlays $root]
    if {![dict exists $overlays $kernel]} {
        error "unknown kernel '$kernel'; the overlays hold [join [dict keys $overlays] {, }]"
    }
    return [dict get $overlays $kernel]
}

# The overlay (bitstream basename and block-design name) that holds `kernel`.
proc npq_overlay_name {root kernel} {
    return [dict get [npq_overlay_row $root $kernel] overlay]
}

# The kernel IP inside `kernel`'s overlay (cell name, VLNV neuropynq:hls:<ip>:1.0).
proc npq_overlay_ip {root kernel} {
    return [dict get [npq_overlay_row $root $kernel] ip]
}

# True if `build` (a board-table row) has `kernel`'s overlay: its `needs` column is
# '-' (every board) or above 0 there.
proc npq_board_has_overlay {root build kernel} {
    set needs [dict get [npq_overlay_row $root $kernel] needs]
    if {$needs eq "-"} { return 1 }
    if {![dict exists $build $needs]} { error "overlays.txt: '$needs' is not a column of the board table" }
    return [expr {[dict get $build $needs] > 0}]
}

# How many copies of `kernel` (each with a DMA of its own) its overlay holds on `build`
# (a board-table row): overlays.txt's `instances` column names the board-table column
# that says ('-': one). Same rule as neuropynq.boards.BoardBuild.instances.
proc npq_overlay_instances {root build kernel} {
    set column [dict get [npq_overlay_row $root $kernel] instances]
    if {$column eq "-"} { return 1 }
    if {![dict exists $build $column]} {
        error "overlays.txt: instances column '$column' of $kernel is not a column of the board table"
    }
    set count [dict get $build $column]
    # A design without a kernel copy would build, but be no overlay of `kernel`.
    if {![string is integer -strict $count] || $count < 1} {
        error "boards.txt: $column is '$count', $kernel's overlay needs 1 or more copies"
    }
    return $count
}

# The block-design cells of `kernel`'s copies on `build`: <ip>, then <ip>_1, <ip>_2, ...
# (each with its DMA, the cell name + '_dma'), the names the host's drivers look for
# (neuropynq.board.bitstreams.cell_names).
proc npq_overlay_cells {root build kernel} {
    set ip [npq_overlay_ip $root $kernel]
    set cells {}
    for {set i 0} {$i < [npq_overlay_instances $root $build $kernel]} {incr i} {
        lappend cells [expr {$i == 0 ? $ip : "${ip}_$i"}]
    }
    return $cells
}

# The kernel builds whose overlays `board` has, in table order.
proc npq_board_overlays {root board} {
    set build [npq_board_build $root $board]
    set kernels {}
    foreach kernel [dict keys [npq_overlays $root]] {
        if {[npq_board_has_overlay $root $build $kernel]} { lappend kernels $kernel }
    }
    return $kernels
}

# Why `board` has no overlay of `kernel`.
proc npq_missing_overlay {root board kernel} {
    set row [npq_overlay_row $root $kernel]
    return "board '$board' has no [dict get $row overlay] overlay ($kernel): its board-table column\
[dict get $row needs] is 0 (host/neuropynq/data/boards.txt)"
}
