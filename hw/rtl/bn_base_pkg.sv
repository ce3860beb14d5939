// Types and widths shared by the bn_sampler modules (named to sort before them, so a
// plain `ls *.sv` source list compiles it first). Widths are sized for the
// spec's limits (docs/spec.md §2.4); a build may lower V_MAX, TABLE_MAX and T_MAX
// through the top-level parameters, which only narrows what the loader accepts.
package bn_base_pkg;

  // Samples per lane per round. Consecutive cycles of a lane belong to different
  // samples of the batch, so the batch must outlast the deepest pipeline hazard
  // (a lane's 9 stages, A to W) and the count flush of one variable (CARD_MAX cycles, one per
  // state), which runs while the next variable takes its BATCH cycles.
  localparam int unsigned BATCH = 16;
  localparam int unsigned BW    = 4;      // $clog2(BATCH)

  localparam int unsigned VW    = 7;      // variable index (V_MAX <= 128)
  localparam int unsigned TAW   = 16;     // table address and table sizes (TABLE_MAX <= 32768)
  localparam int unsigned KW    = 4;      // state index (CARD_MAX <= 16); 16 table banks
  localparam int unsigned PMAX  = 8;      // parent slots in a descriptor
  localparam int unsigned NW    = 21;     // spikes of one sample, 0 ... T_MAX = 2^20
  localparam int unsigned LW    = 23;     // summed negative log-weights, <= 128 * 65535
  localparam int unsigned CW    = 48;     // spike-weighted counts (spec: 48-bit in hardware)
  localparam int unsigned CAW   = VW + KW;  // count memory address {variable, state}
  localparam int unsigned TKW   = 37;     // T * LOG2E_Q16 < 2^37
  localparam int unsigned LAMW  = 37;     // Poisson window bound Λ = (F * T * LOG2E_Q16) >> 24 < 2^37

  // What a lane needs to know about the variable being sampled.
  typedef struct packed {
    logic                           ev;        // evidence variable
    logic [KW-1:0]                  estate;    // its observed state
    logic [4:0]                     card;
    logic [TAW-1:0]                 base;      // first table word of the variable
    logic [PMAX-1:0][VW-1:0]        parent;    // kernel indices (unused slots: 0)
    // Table-address step per unit of each parent's value: the row-index weight of
    // the parent times the words per row (card - 1, or 1 for evidence); 0 for
    // unused slots, so the address is base + sum(x[parent] * stride) + k.
    logic [PMAX-1:0][TAW-1:0]       stride;
  } var_desc_t;

  // One issue slot of the lockstep schedule, broadcast to every lane.
  typedef struct packed {
    logic           valid;
    logic           spike;     // threshold step of the spike window (else variable loop)
    logic           sample;    // variable loop of a live round (else the final readout pass)
    logic           half;      // round parity: the x and spike-count banks of this round
    logic [1:0]     sbank;     // stream-state bank of this round (round index mod 3)
    logic           first;     // variable 0 (variable loop)
    logic           readout;   // fold the previous round's spikes into the counts
    logic           rfirst;    // first readout pass of the run: counts start from 0
    logic [BW-1:0]  b;
    logic [VW-1:0]  i;
    var_desc_t      d;
  } cmd_t;

endpackage
