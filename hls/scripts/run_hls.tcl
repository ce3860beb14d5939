# Vitis HLS flow for one neuropynq kernel: C simulation against the golden
# vectors, synthesis, C/RTL co-simulation and export as IP with the spec's VLNV
# neuropynq:hls:<kernel>:1.0 (docs/spec.md §5).
#
#   vitis_hls -f hls/scripts/run_hls.tcl            (or vitis-run --mode hls --tcl ...)
#
# Parameters come from the environment (mk/hls.mk sets them), so both front ends work:
#   NPQ_KERNEL  bn_sampler | bm_sampler                      (default bn_sampler)
#   NPQ_BOARD   pynq-z2 | zcu104 | kv260                     (default pynq-z2)
#   NPQ_LANES   P, the kernels' lane count                   (default 4)
#   NPQ_CLOCK   clock period in ns                           (default: 10 on pynq-z2, 4 on the others)
#   NPQ_BN_TABLE_MAX  bn table words per lane                (default: 8192 on pynq-z2, 16384 on the others)
#   NPQ_STEPS   any of csim csynth cosim export, in order    (default: all four)
#   NPQ_GOLDEN  golden-vector folder (hls/tb/make_golden.py) (default build/golden)
#   NPQ_ROOT    repository root                              (default: two folders up from here)
# Output: project build/hls/<kernel>/<board> (RTL in impl/verilog), IP in build/hls/ip/<board>/<kernel>.

proc npq_param {name default} {
    if {[info exists ::env($name)] && $::env($name) ne ""} { return $::env($name) }
    return $default
}

proc npq_fail {message} {
    puts stderr "run_hls.tcl: $message"
    exit 1
}

set root [file normalize [npq_param NPQ_ROOT [file join [file dirname [info script]] .. ..]]]
set parts  [dict create pynq-z2 xc7z020clg400-1 zcu104 xczu7ev-ffvc1156-2-e kv260 xck26-sfvc784-2LV-c]
set clocks [dict create pynq-z2 10 zcu104 4 kv260 4]
# Block RAM decides the builds' limits (a build may lower the spec's, INFO reports
# them): bn keeps one table copy per lane (P x TABLE_MAX words), bm one N_MAX^2 W.
set n_max      [dict create pynq-z2 256 zcu104 1024 kv260 1024]
set table_max  [dict create pynq-z2 8192 zcu104 16384 kv260 16384]

set kernel [npq_param NPQ_KERNEL bn_sampler]
set board  [npq_param NPQ_BOARD pynq-z2]
set lanes  [npq_param NPQ_LANES 4]
set steps  [npq_param NPQ_STEPS "csim csynth cosim export"]
set golden [file normalize [npq_param NPQ_GOLDEN [file join $root build golden]]]

if {$kernel ni {bn_sampler bm_sampler}} { npq_fail "unknown kernel '$kernel' (bn_sampler or bm_sampler)" }
if {![dict exists $parts $board]} { npq_fail "unknown board '$board' ([join [dict keys $parts] {, }])" }
if {![string is integer -strict $lanes] || $lanes < 1} { npq_fail "NPQ_LANES must be a positive integer, got '$lanes'" }
foreach step $steps {
    if {$step ni {csim csynth cosim export}} { npq_fail "unknown step '$step' (csim csynth cosim export)" }
}
set clock [npq_param NPQ_CLOCK [dict get $clocks $board]]

set table [npq_param NPQ_BN_TABLE_MAX [dict get $table_max $board]]
set defines "-DNPQ_LANES=$lanes -DNPQ_BM_N_MAX=[dict get $n_max $board] -DNPQ_BN_TABLE_MAX=$table"
set cflags "-std=c++14 -I[file join $root hls include] $defines"
# The testbench drives only this kernel, so the other one need not be linked.
set tb_flags "$cflags -DNPQ_TB_ONLY_[string toupper [string range $kernel 0 1]]"

open_project -reset [file join $root build hls $kernel]
set_top $kernel
add_files [file join $root hls src $kernel.cpp] -cflags $cflags
add_files -tb [file join $root hls tb tb_kernels.cpp] -cflags $tb_flags
open_solution -reset -flow_target vivado $board
set_part [dict get $parts $board]
create_clock -period $clock -name default
config_export -format ip_catalog -vendor neuropynq -library hls -version 1.0 \
    -display_name $kernel -description "neuropynq $kernel (docs/spec.md), P=$lanes"

if {"csim" in $steps} { csim_design -argv $golden }
if {"csynth" in $steps} { csynth_design }
if {"cosim" in $steps} { cosim_design -argv $golden }
if {"export" in $steps} {
    export_design -format ip_catalog
    # Vivado's IP catalog scans folders, not the zip: copy the unpacked IP.
    set ip_out [file join $root build hls ip $board $kernel]
    file delete -force $ip_out
    file mkdir [file dirname $ip_out]
    file copy [file join $root build hls $kernel $board impl ip] $ip_out
    puts "run_hls.tcl: IP neuropynq:hls:$kernel:1.0 for $board in $ip_out"
}
exit
