"""Many-core neuromorphic chip model: a 2-D mesh of cores with per-core limits and
the per-hop / per-core constants of the cost model (docs/mapping.md lists their
sources). A chip is a preset name or a JSON description of the same fields.

A description's sizes and constants are bounded so that the mapping's memory and
its costs stay finite: a 10^5 x 10^5 mesh or a hop energy of 1e308 pJ is refused."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import LimitError, ModelError, quote
from ..input_files import read_json

MESH_SIDE_MAX = 1024
CORES_MAX = 1 << 16            # placements keep per-core Python state
PER_CORE_MAX = (1 << 31) - 1   # neurons, inputs, synapses of one core
CONSTANT_MAX = 1e9             # ns or pJ: one second or one millijoule per event
JSON_BYTES_MAX = 1 << 20


@dataclass(frozen=True)
class Chip:
    name: str
    rows: int
    cols: int
    neurons_per_core: int        # neurons (or partial-sum accumulators) one core updates
    fanin_per_core: int          # distinct inputs (axons) one core can receive
    synapses_per_core: int       # weight memory, in stored synapses
    hop_latency_ns: float        # router + link delay of one spike packet per hop
    link_packet_ns: float        # time one packet occupies a link (its throughput limit)
    hop_energy_pj: float         # energy of moving one spike packet one hop
    synop_energy_pj: float       # energy of one synaptic operation
    synop_time_ns: float         # time of one synaptic operation inside a core
    core_step_energy_pj: float   # static + neuron-update energy of one used core per time step
    unavailable: tuple[tuple[int, int], ...] = field(default=())  # cores not free for mapping

    def __post_init__(self):
        for name in ("rows", "cols", "neurons_per_core", "fanin_per_core", "synapses_per_core"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ModelError(f"chip {quote(self.name)}: {name} must be a positive integer, "
                                 f"got {quote(value)}")
            maximum = MESH_SIDE_MAX if name in ("rows", "cols") else PER_CORE_MAX
            if value > maximum:
                raise LimitError(f"chip {quote(self.name)}: {name} is {value}; at most {maximum} "
                                 f"is supported")
        if self.rows * self.cols > CORES_MAX:
            raise LimitError(f"chip {quote(self.name)}: {self.rows} x {self.cols} cores; at most "
                             f"{CORES_MAX} are supported")
        for name in ("hop_latency_ns", "link_packet_ns", "hop_energy_pj", "synop_energy_pj", "synop_time_ns",
                     "core_step_energy_pj"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ModelError(f"chip {quote(self.name)}: {name} must be a number >= 0, "
                                 f"got {quote(value)}")
            if not value <= CONSTANT_MAX:   # also infinity, so that every cost stays finite
                raise LimitError(f"chip {quote(self.name)}: {name} is {value}; at most "
                                 f"{CONSTANT_MAX:g} is supported")
        cores = set()
        for core in self.unavailable:
            if (len(core) != 2 or not all(isinstance(v, int) for v in core)
                    or not (0 <= core[0] < self.rows and 0 <= core[1] < self.cols)):
                raise ModelError(f"chip {self.name!r}: unavailable core {list(core)} is not "
                                 f"[row, col] inside the {self.rows}x{self.cols} mesh")
            cores.add(tuple(core))
        if len(cores) == self.rows * self.cols:
            raise ModelError(f"chip {self.name!r}: every core is unavailable")

    @property
    def cores(self) -> int:
        return self.rows * self.cols

    def free_cores(self) -> list[int]:
        """Flat ids (row * cols + col) of the cores a mapping may use, ascending."""
        blocked = {r * self.cols + c for r, c in self.unavailable}
        return [k for k in range(self.cores) if k not in blocked]

    def to_dict(self) -> dict:
        out = asdict(self)
        out["unavailable"] = [list(core) for core in self.unavailable]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Chip":
        if not isinstance(data, dict):
            raise ModelError("chip description must be a JSON object")
        if not isinstance(data.get("name", ""), str):
            raise ModelError(f"chip description: name must be a string, got {quote(data['name'])}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ModelError(f"chip description has unknown field(s) {', '.join(unknown)}")
        missing = sorted(known - set(data) - {"unavailable"})
        if missing:
            raise ModelError(f"chip description lacks field(s) {', '.join(missing)}")
        unavailable = data.get("unavailable", [])
        if not isinstance(unavailable, list) or not all(isinstance(c, list) for c in unavailable):
            raise ModelError("chip description: unavailable must be a list of [row, col] pairs")
        return cls(**{**data, "unavailable": tuple(tuple(c) for c in unavailable)})


# Per-core limits of Tianjic (Pei et al., Nature 572, 2019: 156 cores x 256 neurons,
# 256 axons, 256x256 crossbar) on the 160-core mesh of TianjicX (Ma et al., Science
# Robotics 2022) laid out 10 x 16; timing and energy are assumptions (docs/mapping.md).
TIANJICX = Chip(name="tianjicx", rows=10, cols=16, neurons_per_core=256, fanin_per_core=256,
                synapses_per_core=65536, hop_latency_ns=13.0, link_packet_ns=3.3, hop_energy_pj=2.0,
                synop_energy_pj=1.5, synop_time_ns=0.1, core_step_energy_pj=500.0)

# SpiNNaker 2 (Hoeppner et al., 2021; Mayr et al., 2019): 152 processing elements,
# modelled one PE per mesh node on 8 x 19; 128 KiB SRAM per PE, of which 64 KiB holds
# 16-bit weights (32768 synapses); 256 neurons and up to 4096 inputs per PE.
SPINNAKER2 = Chip(name="spinnaker2", rows=8, cols=19, neurons_per_core=256, fanin_per_core=4096,
                  synapses_per_core=32768, hop_latency_ns=10.0, link_packet_ns=5.0, hop_energy_pj=3.0,
                  synop_energy_pj=10.0, synop_time_ns=5.0, core_step_energy_pj=2000.0)

PRESETS = {chip.name: chip for chip in (TIANJICX, SPINNAKER2)}


def load_chip(spec: str | Path) -> Chip:
    """A preset name (tianjicx, spinnaker2) or the path of a JSON chip description."""
    if str(spec) in PRESETS:
        return PRESETS[str(spec)]
    path = Path(spec)
    if path.suffix.lower() != ".json":
        raise ModelError(f"unknown chip {str(spec)!r}: expected {', '.join(PRESETS)} or a .json file")
    data = read_json(path, "a chip", JSON_BYTES_MAX)
    try:
        return Chip.from_dict(data)
    except (ModelError, LimitError, TypeError) as exc:
        raise ModelError(f"{path}: {exc}") from None
