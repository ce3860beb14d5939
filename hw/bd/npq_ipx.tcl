# Procedures that package an RTL twin as IP (sourced by package_rtl_ip.tcl and by the
# tclsh stub test). Port names follow the twin's top-level convention (docs/rtl.md).

# bus interface -> {abstraction bus mode {logical physical ...}}
proc npq_rtl_interfaces {} {
    return {
        s_axil {xilinx.com:interface:aximm_rtl:1.0 xilinx.com:interface:aximm:1.0 slave
                {AWADDR s_axil_awaddr_i AWVALID s_axil_awvalid_i AWREADY s_axil_awready_o
                 WDATA s_axil_wdata_i WSTRB s_axil_wstrb_i WVALID s_axil_wvalid_i
                 WREADY s_axil_wready_o BRESP s_axil_bresp_o BVALID s_axil_bvalid_o
                 BREADY s_axil_bready_i ARADDR s_axil_araddr_i ARVALID s_axil_arvalid_i
                 ARREADY s_axil_arready_o RDATA s_axil_rdata_o RRESP s_axil_rresp_o
                 RVALID s_axil_rvalid_o RREADY s_axil_rready_i}}
        s_axis {xilinx.com:interface:axis_rtl:1.0 xilinx.com:interface:axis:1.0 slave
                {TDATA s_axis_tdata_i TVALID s_axis_tvalid_i TREADY s_axis_tready_o
                 TLAST s_axis_tlast_i}}
        m_axis {xilinx.com:interface:axis_rtl:1.0 xilinx.com:interface:axis:1.0 master
                {TDATA m_axis_tdata_o TVALID m_axis_tvalid_o TREADY m_axis_tready_i
                 TLAST m_axis_tlast_o}}
    }
}

# Only the files the kernel IP (bn_sampler or bm_sampler) needs: the shared npq_*
# modules and its own.
proc npq_rtl_sources {rtl_dir kernel} {
    set prefix [lindex [split $kernel _] 0]
    set files [lsort [concat [glob -nocomplain -directory $rtl_dir npq_*.sv] \
                             [glob -nocomplain -directory $rtl_dir ${prefix}_*.sv]]]
    if {[llength $files] == 0} { npq_fail "no SystemVerilog sources for $kernel in $rtl_dir" }
    # the package must be compiled first
    set pkg [lsearch -inline -glob $files */npq_pkg.sv]
    if {$pkg ne ""} { set files [concat [list $pkg] [lsearch -all -inline -not -exact $files $pkg]] }
    return $files
}

# The twin's top-level parameters at the board build's sizes (as
# neuropynq.boards.BoardBuild.twin_parameters gives them to the RTL regression);
# `lanes` is P, or the sparse engine's units U for bm_sampler_sparse.
proc npq_twin_generics {build kernel lanes} {
    switch -- $kernel {
        bn_sampler {
            return [list P=$lanes V_MAX=[dict get $build bn_v_max] CARD_MAX=[dict get $build bn_card_max] \
                         PARENTS_MAX=[dict get $build bn_parents_max] TABLE_MAX=[dict get $build bn_table_max]]
        }
        bm_sampler {
            # ENGINE as neuropynq.boards.BM_ENGINES: 0 lanes, 1 fields
            set engine [expr {[dict get $build bm_engine] eq "fields" ? 1 : 0}]
            return [list P=$lanes N_MAX=[dict get $build bm_n_max] ENGINE=$engine]
        }
        bm_sampler_sparse {
            # the sparse engine: ENGINE 2, RUN_SPARSE frames only
            return [list ENGINE=2 U=$lanes SPARSE_N_MAX=[dict get $build bm_sparse_n_max] \
                         D_MAX=[dict get $build bm_d_max]]
        }
    }
    npq_fail "unknown kernel '$kernel' (bn_sampler, bm_sampler or bm_sampler_sparse)"
}

# P of `kernel`'s build: the table's lanes column, the sparse engine's units.
proc npq_build_lanes {build kernel} {
    switch -- $kernel {
        bn_sampler { return [dict get $build bn_lanes] }
        bm_sampler { return [dict get $build bm_lanes] }
        bm_sampler_sparse { return [dict get $build bm_units] }
    }
    npq_fail "unknown kernel '$kernel' (bn_sampler, bm_sampler or bm_sampler_sparse)"
}

# One kernel build's IP in <out>/<kernel> (the dense and sparse bm IPs share the spec's
# VLNV, so each has a folder of its own and the block design gets only its own).
proc npq_package_rtl {opts} {
    global npq_root npq_kernels
    set kernel [dict get $opts -kernel]
    if {$kernel ni $npq_kernels} { npq_fail "unknown kernel '$kernel' ([join $npq_kernels {, }])" }
    set name [dict get $opts -board]
    set build [npq_board_row $name]
    if {![npq_board_has_overlay $npq_root $build $kernel]} { npq_fail [npq_missing_overlay $npq_root $name $kernel] }
    set ip [npq_overlay_ip $npq_root $kernel]
    set lanes [dict get $opts -lanes]
    if {$lanes eq ""} { set lanes [npq_build_lanes $build $kernel] }
    if {![string is integer -strict $lanes] || $lanes < 1} { npq_fail "-lanes must be a positive integer, got '$lanes'" }
    set out [file join [dict get $opts -out] $kernel]
    create_project -in_memory -part [dict get $build part]
    read_verilog -sv [npq_rtl_sources [dict get $opts -rtl] $ip]
    set_property top $ip [current_fileset]
    set_property generic [join [npq_twin_generics $build $kernel $lanes]] [current_fileset]
    ipx::package_project -root_dir $out -vendor neuropynq -library hls -taxonomy /neuropynq \
        -import_files -set_current true
    set core [ipx::current_core]
    set_property -dict [list name $ip version 1.0 display_name "neuropynq $kernel (RTL twin)"] $core
    # Replace whatever Vivado inferred with the explicit interfaces.
    foreach bus [ipx::get_bus_interfaces -of_objects $core] { ipx::remove_bus_interface [get_property NAME $bus] $core }
    dict for {name spec} [npq_rtl_interfaces] {
        lassign $spec abstraction bus mode ports
        set bif [ipx::add_bus_interface $name $core]
        set_property -dict [list abstraction_type_vlnv $abstraction bus_type_vlnv $bus interface_mode $mode] $bif
        foreach {logical physical} $ports {
            set_property physical_name $physical [ipx::add_port_map $logical $bif]
        }
    }
    set mm [ipx::add_memory_map s_axil $core]
    set_property slave_memory_map_ref s_axil [ipx::get_bus_interfaces s_axil -of_objects $core]
    set_property range 64 [ipx::add_address_block reg0 $mm]
    npq_add_signal $core ap_clk xilinx.com:signal:clock_rtl:1.0 xilinx.com:signal:clock:1.0 clk_i \
        {ASSOCIATED_BUSIF s_axil:s_axis:m_axis ASSOCIATED_RESET rst_ni}
    npq_add_signal $core ap_rst_n xilinx.com:signal:reset_rtl:1.0 xilinx.com:signal:reset:1.0 rst_ni \
        {POLARITY ACTIVE_LOW}
    npq_add_signal $core interrupt xilinx.com:signal:interrupt_rtl:1.0 xilinx.com:signal:interrupt:1.0 \
        interrupt_o {SENSITIVITY LEVEL_HIGH}
    ipx::create_xgui_files $core
    ipx::update_checksums $core
    ipx::check_integrity $core
    ipx::save_core $core
    puts "neuropynq: packaged [npq_kernel_vlnv $ip] ($kernel) in $out"
    return $out
}

proc npq_add_signal {core name abstraction bus physical parameters} {
    set bif [ipx::add_bus_interface $name $core]
    set_property -dict [list abstraction_type_vlnv $abstraction bus_type_vlnv $bus \
                             interface_mode slave] $bif
    set logical [expr {[string match *clock* $abstraction] ? "CLK" :
                       [string match *reset* $abstraction] ? "RST" : "INTERRUPT"}]
    if {$logical eq "INTERRUPT"} { set_property interface_mode master $bif }
    set_property physical_name $physical [ipx::add_port_map $logical $bif]
    foreach {p v} $parameters {
        set_property value $v [ipx::add_bus_parameter $p $bif]
    }
}
