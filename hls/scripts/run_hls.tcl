# Vitis HLS flow for one neuropynq kernel: C simulation against the golden
# vectors, synthesis (failing when the estimate exceeds the device), C/RTL
# co-simulation and export as IP with the spec's VLNV neuropynq:hls:<kernel>:1.0
# (docs/spec.md §5).
#
#   vitis_hls -f hls/scripts/run_hls.tcl            (or vitis-run --mode hls --tcl ...)
#
# Parameters come from the environment (mk/hls.mk sets them), so both front ends work:
#   NPQ_KERNEL  bn_sampler | bm_sampler | bm_sampler_sparse  (default bn_sampler; the last:
#               bm_sampler with the sparse engine, the sparse bm overlay's IP, on boards
#               whose table row has bm_units > 0)
#   NPQ_BOARD   a board of host/neuropynq/data/boards.txt    (default pynq-z2)
#   NPQ_LANES   P, the kernel's lane count                   (default: the board's P for the kernel;
#               for bm_sampler_sparse its units U)
#   NPQ_STEPS   any of csim csynth cosim export, in order    (default: all four)
#   NPQ_GOLDEN  golden-vector folder (hls/tb/make_golden.py) (default build/golden)
#   NPQ_ROOT    repository root                              (default: two folders up from here)
# Part, clock, limits and memory binding come from the board table (hw/board_table.tcl).
# Every step is caught: a failure prints what failed and exits 1, so `make` never
# packs a stale IP. Output: project build/hls/<kernel>/<board> (RTL in impl/verilog),
# IP in build/hls/ip/<board>/<kernel> (the dense and sparse bm IPs share the spec's VLNV
# neuropynq:hls:bm_sampler:1.0, so each build's IP has a folder of its own).

proc npq_param {name default} {
    if {[info exists ::env($name)] && $::env($name) ne ""} { return $::env($name) }
    return $default
}

proc npq_fail {message} {
    puts stderr "run_hls.tcl: $message"
    exit 1
}

# Run one Vitis step; any Tcl error becomes a named failure and exit 1.
proc npq_step {what script} {
    if {[catch {uplevel 1 $script} message]} {
        npq_fail "$what failed: $message"
    }
}

# The kernel's -D build parameters from the board build (hls/include/npq_config.h).
# bm_sampler_sparse is the sparse engine alone: N_MAX = 0 (RUN frames are LIMIT errors),
# the table's SPARSE_N_MAX, D_MAX and units U (INFO reports U as P).
proc npq_defines {build lanes kernel} {
    set sparse [expr {$kernel eq "bm_sampler_sparse"}]
    set defines [list -DNPQ_LANES=$lanes \
        -DNPQ_BN_V_MAX=[dict get $build bn_v_max] -DNPQ_BN_CARD_MAX=[dict get $build bn_card_max] \
        -DNPQ_BN_PARENTS_MAX=[dict get $build bn_parents_max] \
        -DNPQ_BN_TABLE_MAX=[dict get $build bn_table_max] \
        -DNPQ_BM_N_MAX=[expr {$sparse ? 0 : [dict get $build bm_n_max]}]]
    if {[dict get $build bn_memory] eq "uram"} { lappend defines -DNPQ_BN_TABLE_URAM=1 }
    if {$sparse} {
        lappend defines -DNPQ_BM_SPARSE_N_MAX=[dict get $build bm_sparse_n_max] \
            -DNPQ_BM_D_MAX=[dict get $build bm_d_max] -DNPQ_BM_UNITS=$lanes
        return [join $defines]
    }
    if {[dict get $build bm_memory] eq "uram"} { lappend defines -DNPQ_BM_W_URAM=1 }
    if {[dict get $build bm_engine] eq "fields"} { lappend defines -DNPQ_BM_ENGINE=1 }
    # The dense bm overlay takes no RUN_SPARSE frames (INFO reports 0, 0).
    lappend defines -DNPQ_BM_SPARSE_N_MAX=0 -DNPQ_BM_D_MAX=0
    return [join $defines]
}

# Clock period in ns of clock_mhz, without trailing zeros (100 -> 10, 150 -> 6.667).
proc npq_period_ns {clock_mhz} {
    set ns [format %.3f [expr {1000.0 / $clock_mhz}]]
    return [string trimright [string trimright $ns 0] .]
}

# csynth's utilisation estimate: resource -> {used available}. Vitis HLS writes
# <profile><AreaEstimates><Resources>..</Resources><AvailableResources>..</..>.
proc npq_csynth_utilisation {report} {
    set fh [open $report r]
    set xml [read $fh]
    close $fh
    if {![regexp {<AreaEstimates>(.*?)</AreaEstimates>} $xml -> area]} {
        npq_fail "$report has no <AreaEstimates> (not a csynth report?)"
    }
    set used {}
    set available {}
    foreach {section var} {Resources used AvailableResources available} {
        if {![regexp "<$section>(.*?)</$section>" $area -> body]} {
            npq_fail "$report has no <AreaEstimates><$section> (not a csynth report?)"
        }
        foreach {-> name value} [regexp -all -inline {<(\w+)>\s*(\d+)\s*</\1>} $body] {
            dict set $var $name $value
        }
    }
    set table {}
    dict for {name value} $used {
        if {[dict exists $available $name]} {
            dict set table $name [list $value [dict get $available $name]]
        }
    }
    if {[dict size $table] == 0} { npq_fail "$report lists no resource with its available count" }
    return $table
}

# Fail when any resource estimate is above 100 % of the device; print each one.
proc npq_check_fit {report board} {
    if {![file isfile $report]} { npq_fail "csynth wrote no report at $report" }
    set over {}
    dict for {name counts} [npq_csynth_utilisation $report] {
        lassign $counts used available
        set percent [expr {$available > 0 ? [format "%5.1f %%" [expr {100.0 * $used / $available}]] : "none on the device"}]
        puts [format "run_hls.tcl: csynth estimate %-9s %8d of %8d (%s)" $name $used $available $percent]
        if {$used > $available} { lappend over "$name $used > $available" }
    }
    if {[llength $over]} {
        npq_fail "the csynth estimate does not fit $board: [join $over {, }] ($report);\
lower the board's limits or P in host/neuropynq/data/boards.txt"
    }
}

# The board table is this checkout's; NPQ_ROOT names the tree the sources and output are in.
set checkout [file normalize [file join [file dirname [file normalize [info script]]] .. ..]]
source [file join $checkout hw board_table.tcl]
set root [file normalize [npq_param NPQ_ROOT $checkout]]

set kernel [npq_param NPQ_KERNEL bn_sampler]
set board  [npq_param NPQ_BOARD pynq-z2]
set steps  [npq_param NPQ_STEPS "csim csynth cosim export"]
set golden [file normalize [npq_param NPQ_GOLDEN [file join $root build golden]]]

if {$kernel ni [dict keys [npq_overlays $checkout]]} {
    npq_fail "unknown kernel '$kernel' ([join [dict keys [npq_overlays $checkout]] {, }])"
}
if {[catch {npq_board_build $checkout $board} build]} { npq_fail $build }
if {![npq_board_has_overlay $checkout $build $kernel]} { npq_fail [npq_missing_overlay $checkout $board $kernel] }
# The kernel IP (the C++ top): bm_sampler_sparse is a bm_sampler build.
set top    [npq_overlay_ip $checkout $kernel]
set prefix [string range $top 0 1]
# P of the build: the table's lanes column, the sparse engine's units
set lanes  [npq_param NPQ_LANES [dict get $build [expr {$kernel eq "bm_sampler_sparse" ? "bm_units" : "${prefix}_lanes"}]]]
if {![string is integer -strict $lanes] || $lanes < 1} { npq_fail "NPQ_LANES must be a positive integer, got '$lanes'" }
foreach step $steps {
    if {$step ni {csim csynth cosim export}} { npq_fail "unknown step '$step' (csim csynth cosim export)" }
}

set cflags "-std=c++14 -I[file join $root hls include] [npq_defines $build $lanes $kernel]"
# The testbench drives only this kernel, so the other one need not be linked.
set tb_flags "$cflags -DNPQ_TB_ONLY_[string toupper $prefix]"
set project [file join $root build hls $kernel]

npq_step "opening the project" {
    open_project -reset $project
    set_top $top
    add_files [file join $root hls src $top.cpp] -cflags $cflags
    add_files -tb [file join $root hls tb tb_kernels.cpp] -cflags $tb_flags
    open_solution -reset -flow_target vivado $board
    set_part [dict get $build part]
    create_clock -period [npq_period_ns [dict get $build clock_mhz]] -name default
    config_export -format ip_catalog -vendor neuropynq -library hls -version 1.0 \
        -display_name $top -description "neuropynq $kernel (docs/spec.md), P=$lanes"
}

if {"csim" in $steps} { npq_step "C simulation (csim_design)" { csim_design -argv $golden } }
if {"csynth" in $steps} {
    npq_step "synthesis (csynth_design)" { csynth_design }
    set report_dir [file join $project $board syn report]
    set report [file join $report_dir ${top}_csynth.xml]
    if {![file isfile $report]} { set report [file join $report_dir csynth.xml] }
    npq_check_fit $report $board
}
if {"cosim" in $steps} { npq_step "C/RTL co-simulation (cosim_design)" { cosim_design -argv $golden } }
if {"export" in $steps} {
    npq_step "IP export (export_design)" {
        export_design -format ip_catalog
        # Vivado's IP catalog scans folders, not the zip: copy the unpacked IP.
        set ip_out [file join $root build hls ip $board $kernel]
        file delete -force $ip_out
        file mkdir [file dirname $ip_out]
        file copy [file join $project $board impl ip] $ip_out
    }
    puts "run_hls.tcl: IP neuropynq:hls:$top:1.0 ($kernel) for $board in $ip_out"
}
exit 0
