# Stand-ins for the Vivado Tcl commands used by hw/bd/*.tcl. Each records its call
# (one Tcl list per line) in $::env(NPQ_STUB_LOG) and returns what the flow needs.
# Behaviour is steered by environment variables set by tests/test_bd_tcl.py:
#   NPQ_STUB_RUN_DIR  directory the implementation run "writes" the .bit into
#   NPQ_STUB_NO_BOARD_FILES / NPQ_STUB_NO_IP (the kernels') / NPQ_STUB_NO_XILINX_IP /
#   NPQ_STUB_SLACK / NPQ_STUB_FREQ_HZ (what the PS clock really runs at)
# The installed versions of a Xilinx IP or board file are STUB_VERSIONS, unsorted.
set STUB_VERSIONS {3.4 3.10 1.0 3.5}

proc stub_log {call} {
    set f [open $::env(NPQ_STUB_LOG) a]
    puts $f $call
    close $f
}

proc stub_env {name default} {
    if {[info exists ::env($name)]} { return $::env($name) }
    return $default
}

foreach cmd {create_project set_property update_ip_catalog apply_bd_automation
             connect_bd_intf_net assign_bd_address validate_bd_design save_bd_design
             generate_target add_files launch_runs wait_on_run open_run} {
    proc $cmd {args} { stub_log [info level 0] }
}
# The design's name names the wrapper's .bit and the .hwh.
proc create_bd_design {name} { stub_log [info level 0]; set ::stub_design $name }
proc current_project {} { return proj }
proc current_fileset {} { return sources_1 }
proc get_runs {name} { return $name }
proc get_bd_intf_pins {path} { return $path }
proc create_bd_cell {args} { stub_log [info level 0]; return [lindex $args end] }
proc get_bd_pins {path} { return $path }
# vendor:name:part0:* -> every installed version (-latest_file_version: the newest per board)
proc get_board_parts {args} {
    stub_log [info level 0]
    if {[stub_env NPQ_STUB_NO_BOARD_FILES 0]} { return {} }
    return [list [string map {:* :1.4} [lindex $args end]]]
}
# vendor:library:name:* -> every installed version; a full VLNV -> itself (the kernels')
proc get_ipdefs {args} {
    set pattern [lindex $args end]
    if {[string match *:\\* $pattern]} {
        if {[stub_env NPQ_STUB_NO_XILINX_IP 0]} { return {} }
        return [lmap v $::STUB_VERSIONS { string map [list :* :$v] $pattern }]
    }
    if {[stub_env NPQ_STUB_NO_IP 0]} { return {} }
    return $pattern
}
proc make_wrapper {args} { stub_log [info level 0]; return ${::stub_design}_wrapper.v }
proc get_files {args} {
    set pattern [lindex $args end]
    if {[string match *hwh $pattern]} {
        set hwh [file join $::env(NPQ_STUB_RUN_DIR) hw_handoff [file tail $pattern]]
        file mkdir [file dirname $hwh]
        set f [open $hwh w]; puts $f "<MODULES/>"; close $f
        return [list $hwh]
    }
    return $pattern
}
proc get_property {name object} {
    switch -- $name {
        CONFIG.FREQ_HZ { return [stub_env NPQ_STUB_FREQ_HZ 100000000] }
        PROGRESS  { return 100% }
        DIRECTORY {
            set bit [file join $::env(NPQ_STUB_RUN_DIR) ${::stub_design}_wrapper.bit]
            set f [open $bit w]; puts $f "bitstream"; close $f
            return $::env(NPQ_STUB_RUN_DIR)
        }
        SLACK     { return [stub_env NPQ_STUB_SLACK 0.412] }
    }
    error "stub get_property: unexpected property $name"
}
proc get_timing_paths {args} { return path0 }
foreach cmd {report_utilization report_timing_summary} {
    proc $cmd {args} {
        stub_log [info level 0]
        set f [open [lindex $args end] w]; puts $f "report"; close $f
    }
}

# IP packager (ipx::) stand-ins for hw/bd/npq_ipx.tcl.
namespace eval ipx {}
foreach cmd {package_project remove_bus_interface create_xgui_files update_checksums
             check_integrity save_core} {
    proc ipx::$cmd {args} { stub_log [concat [list ipx::[namespace tail [lindex [info level 0] 0]]] $args] }
}
proc read_verilog {args} { stub_log [concat read_verilog {*}$args] }
proc ipx::current_core {} { return core }
proc ipx::get_bus_interfaces {args} {
    if {[lsearch $args -of_objects] == 0} { return {} }
    return [lindex $args 0]
}
proc ipx::add_bus_interface {name core} { stub_log [list ipx::add_bus_interface $name]; return $name }
proc ipx::add_port_map {logical bif} { return $bif/$logical }
proc ipx::add_memory_map {name core} { stub_log [list ipx::add_memory_map $name]; return mm_$name }
proc ipx::add_address_block {name mm} { return $mm/$name }
proc ipx::add_bus_parameter {name bif} { return $bif/$name }
