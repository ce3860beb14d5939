# Procedures of the bitstream flow. Kept free of top-level side effects so that
# tests/test_bd_tcl.py can source this file under tclsh with stub Vivado commands.
#
# A board's part, clock, P and limits come from the board table
# (host/neuropynq/data/boards.txt, read by hw/board_table.tcl); hw/bd/boards/<board>.tcl
# adds what only the block design needs (the board files' name), and the table's
# `ps` column picks the processing system's settings (ps7.tcl or zynqmp_ps.tcl).
# Vivado IP and board-file versions are resolved at run time: the latest installed.
# One block design per kernel build (its overlay, named in host/neuropynq/data/overlays.txt:
# bn_sampler, bm_sampler and, on boards whose table row has bm_units > 0,
# bm_sampler_sparse: a bm_sampler IP built with the sparse engine), so that each may use
# most of the device on its own. An overlay may hold several copies of its kernel, each
# with a DMA of its own (overlays.txt's `instances` column, e.g. bm_instances: 2 on the
# ZCU104), on which the host runs independent chains side by side.

set npq_bd_dir [file dirname [file normalize [info script]]]
set npq_root [file normalize [file join $npq_bd_dir .. ..]]
source [file join $npq_root hw board_table.tcl]
set npq_kernels [dict keys [npq_overlays $npq_root]]

proc npq_fail {msg} {
    puts stderr "neuropynq: $msg"
    exit 1
}

# -key value pairs over defaults; an unknown key is an error, not silently ignored.
proc npq_parse_args {argv defaults} {
    set args $defaults
    if {[llength $argv] % 2} { npq_fail "arguments come in -key value pairs: $argv" }
    foreach {k v} $argv {
        if {![dict exists $defaults $k]} {
            npq_fail "unknown argument $k (known: [dict keys $defaults])"
        }
        dict set args $k $v
    }
    return $args
}

# The board table's row for `name`.
proc npq_board_row {name} {
    global npq_root
    if {[catch {npq_board_build $npq_root $name} row]} { npq_fail $row }
    return $row
}

# The table's row, plus the block-design settings of the board and of its PS.
proc npq_load_board {name} {
    global npq_bd_dir
    set ::npq_board [npq_board_row $name]
    dict set ::npq_board name $name
    set f [file join $npq_bd_dir boards $name.tcl]
    if {![file exists $f]} {
        npq_fail "board '$name' has a build in the board table but no block-design settings ($f)"
    }
    source $f
    set ps [dict get $::npq_board ps]
    source [file join $npq_bd_dir ${ps}_ps.tcl]
    return $::npq_board
}

# Interface names of the kernel IP: Vitis HLS names its ports after the C arguments;
# the packaged SystemVerilog twin (hw/bd/package_rtl_ip.tcl) uses the RTL names.
proc npq_kernel_ports {impl} {
    switch -- $impl {
        hls { return {ctrl s_axi_control in in_r out out_r} }
        rtl { return {ctrl s_axil in s_axis out m_axis} }
        default { npq_fail "unknown IMPL '$impl' (hls or rtl)" }
    }
}

proc npq_kernel_vlnv {kernel} { return "neuropynq:hls:${kernel}:1.0" }

# The kernel build's overlay name (the design's and the .bit's basename); a named error
# for anything but a kernel build of the overlay table, or one the board does not have.
proc npq_overlay {kernel board} {
    global npq_root npq_kernels
    if {$kernel ni $npq_kernels} { npq_fail "-kernel must be one of [join $npq_kernels {, }], not '$kernel'" }
    if {![npq_board_has_overlay $npq_root $board $kernel]} {
        npq_fail [npq_missing_overlay $npq_root [dict get $board name] $kernel]
    }
    return [npq_overlay_name $npq_root $kernel]
}

# The latest installed version of a Xilinx IP (vendor:library:name), as a full VLNV.
proc npq_latest_ipdef {vln} {
    set found [get_ipdefs -all -quiet $vln:*]
    if {[llength $found] == 0} {
        npq_fail "IP $vln is not in this Vivado's IP catalog (get_ipdefs -all $vln:* is empty):\
is the Vivado installation complete for this device family?"
    }
    return [lindex [lsort -command npq_vlnv_compare $found] end]
}

proc npq_vlnv_compare {a b} {
    return [package vcompare [lindex [split $a :] end] [lindex [split $b :] end]]
}

# The latest installed board files matching vendor:board:part0.
proc npq_latest_board_part {board} {
    set pattern [dict get $board board_part]
    set found [get_board_parts -quiet -latest_file_version $pattern:*]
    if {[llength $found] == 0} {
        npq_fail "board files for [dict get $board name] ($pattern:*) are not installed: add them\
with Vivado's XHub store (Tools > Vivado Store > Boards) or the board vendor's package"
    }
    return [lindex [lsort -command npq_vlnv_compare $found] end]
}

proc npq_create_project {board design build_dir ip_repo} {
    create_project -force $design [file join $build_dir [dict get $board name] $design] \
        -part [dict get $board part]
    set_property board_part [npq_latest_board_part $board] [current_project]
    set_property ip_repo_paths [list [file normalize $ip_repo]] [current_project]
    update_ip_catalog
}

# The automation's name for a clock pin: "<pin> (<MHz> MHz)", at the frequency the
# PS really makes (its PLL dividers may not reach the requested one exactly).
proc npq_clock_label {pin} {
    set hz [get_property CONFIG.FREQ_HZ [get_bd_pins $pin]]
    return "$pin ([expr {int($hz / 1e6)}] MHz)"
}

# AXI automation between a master and a slave interface, all on the PS fabric clock;
# `on` is the interface pin the rule is applied to.
proc npq_connect_axi {master slave clock on} {
    apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list \
        Clk_master $clock Clk_slave $clock Clk_xbar $clock Master $master Slave $slave \
        ddr_seg Auto intc_ip Auto master_apm 0] [get_bd_intf_pins $on]
}

# The PS and each copy of `kernel`'s IP with its DMA: cells <ip> and <ip>_dma, then
# <ip>_<i> and <ip>_<i>_dma for copy i > 0 (npq_overlay_cells; the sparse bm overlay's
# kernel is a bm_sampler, as the host's drivers expect). All copies share the PS master
# (control) and the PS slave (memory) through the interconnects the automation makes.
proc npq_create_bd {board kernel design impl} {
    global npq_root
    set ports [npq_kernel_ports $impl]
    set ip [npq_overlay_ip $npq_root $kernel]
    if {[catch {npq_overlay_cells $npq_root $board $kernel} cells]} { npq_fail $cells }
    create_bd_design $design

    set ps [create_bd_cell -type ip -vlnv [npq_latest_ipdef [dict get $board ps_ip]] ps]
    apply_bd_automation -rule [dict get $board ps_rule] -config [dict get $board ps_automation] $ps
    set_property -dict [dict get $board ps_config] $ps
    set master "/ps/[dict get $board ps_master]"
    set slave "/ps/[dict get $board ps_slave]"
    set clock [npq_clock_label "/ps/[dict get $board ps_clock]"]
    set dma_vlnv [npq_latest_ipdef xilinx.com:ip:axi_dma]
    set width [dict get $board dma_bits]

    set vlnv [npq_kernel_vlnv $ip]
    if {[llength [get_ipdefs -quiet $vlnv]] == 0} {
        npq_fail "IP $vlnv is not in the IP repository: run 'make hls KERNEL=$kernel' first"
    }
    foreach cell $cells {
        set k [create_bd_cell -type ip -vlnv $vlnv $cell]
        set dma [create_bd_cell -type ip -vlnv $dma_vlnv ${cell}_dma]
        # Simple (register) mode, 26-bit length: a frame of up to 64 MiB (board/runner.py).
        set_property -dict [list CONFIG.c_include_sg 0 CONFIG.c_sg_length_width 26 \
                            CONFIG.c_include_mm2s 1 CONFIG.c_include_s2mm 1 \
                            CONFIG.c_m_axi_mm2s_data_width $width CONFIG.c_m_axis_mm2s_tdata_width $width \
                            CONFIG.c_m_axi_s2mm_data_width $width CONFIG.c_s_axis_s2mm_tdata_width $width \
                            CONFIG.c_mm2s_burst_size 64 CONFIG.c_s2mm_burst_size 64] $dma
        connect_bd_intf_net [get_bd_intf_pins $dma/M_AXIS_MM2S] \
                            [get_bd_intf_pins $k/[dict get $ports in]]
        connect_bd_intf_net [get_bd_intf_pins $k/[dict get $ports out]] \
                            [get_bd_intf_pins $dma/S_AXIS_S2MM]
        foreach lite [list $dma/S_AXI_LITE $k/[dict get $ports ctrl]] {
            npq_connect_axi $master /$lite $clock $lite
        }
        # As Vivado's own scripts do: the first master of the design is connected from the
        # PS slave pin (which creates the interconnect), every later one from its own pin.
        set first_on [expr {$cell eq [lindex $cells 0] ? $slave : "$dma/M_AXI_MM2S"}]
        npq_connect_axi /$dma/M_AXI_MM2S $slave $clock $first_on
        npq_connect_axi /$dma/M_AXI_S2MM $slave $clock $dma/M_AXI_S2MM
    }
    assign_bd_address
    validate_bd_design
    save_bd_design
}

proc npq_implement {board design jobs} {
    set bd [get_files $design.bd]
    generate_target all $bd
    add_files -norecurse [make_wrapper -files $bd -top]
    set_property top ${design}_wrapper [current_fileset]
    launch_runs impl_1 -to_step write_bitstream -jobs $jobs
    wait_on_run impl_1
    if {[get_property PROGRESS [get_runs impl_1]] ne "100%"} {
        npq_fail "implementation of [dict get $board name] did not finish: see the impl_1 run log"
    }
    open_run impl_1
}

# Copy <design>.bit + .hwh (same basename) and its reports; fail on negative slack.
proc npq_collect {board design out_dir} {
    set dest [file join $out_dir [dict get $board name]]
    file mkdir $dest
    set run_dir [get_property DIRECTORY [get_runs impl_1]]
    set bit [file join $run_dir ${design}_wrapper.bit]
    set hwh [lindex [get_files -all -quiet */hw_handoff/$design.hwh] 0]
    foreach f [list $bit $hwh] {
        if {$f eq "" || ![file exists $f]} { npq_fail "expected output is missing: '$f'" }
    }
    file copy -force $bit [file join $dest $design.bit]
    file copy -force $hwh [file join $dest $design.hwh]
    report_utilization -file [file join $dest ${design}_utilization.rpt]
    report_timing_summary -file [file join $dest ${design}_timing.rpt]
    set wns [get_property SLACK [get_timing_paths -max_paths 1 -setup]]
    if {$wns < 0} { npq_fail "timing not met on [dict get $board name] ($design): WNS $wns ns" }
    puts "neuropynq: wrote $dest/$design.bit and .hwh (WNS $wns ns)"
    return $dest
}

# One overlay: the board's PS and -kernel's copies, each with its DMA. -ip_repo holds
# this kernel build's IP only (the dense and sparse bm IPs share the spec's VLNV).
proc npq_build_bitstream {opts} {
    set board [npq_load_board [dict get $opts -board]]
    set kernel [dict get $opts -kernel]
    set design [npq_overlay $kernel $board]
    npq_kernel_ports [dict get $opts -impl]
    set ip_repo [dict get $opts -ip_repo]
    if {$ip_repo eq ""} { set ip_repo [file join build hls ip [dict get $board name] $kernel] }
    npq_create_project $board $design [dict get $opts -build] $ip_repo
    npq_create_bd $board $kernel $design [dict get $opts -impl]
    npq_implement $board $design [dict get $opts -jobs]
    npq_collect $board $design [dict get $opts -out]
}
