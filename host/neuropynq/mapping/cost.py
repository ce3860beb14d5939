"""Cost of a placed mapping, per SNN time step: cores used, traffic, traffic x hops,
the most loaded link, and latency and energy estimates from the chip's per-hop and
per-core constants (docs/mapping.md):

  latency = max over cores (synaptic events x synop_time)      compute, cores in parallel
          + max hops of any flow x hop_latency                 the longest route
          + max link load x link_packet                        serialisation on the busiest link
  energy  = synaptic events x synop_energy + traffic x hops x hop_energy
          + cores used x core_step_energy"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .chip import Chip
from .partition import Partition
from .routing import LinkLoads, hops, link_loads
from .traffic import Traffic


@dataclass
class Cost:
    cores: int
    traffic: float            # packets per step between cores
    hop_traffic: float        # packets x hops per step
    max_link_load: float      # packets per step on the most loaded directed link
    max_hops: int
    synaptic_events: float    # synaptic operations per step
    latency_ns: float
    energy_nj: float

    def to_dict(self) -> dict:
        return asdict(self)


def hop_traffic(traffic: Traffic, cores: np.ndarray, cols: int) -> float:
    """Sum of packets x hops for slices placed on `cores` (cores[slice] = core id)."""
    return float(traffic.rate @ hops(cores[traffic.src], cores[traffic.dst], cols))


def evaluate(chip: Chip, partition: Partition, traffic: Traffic, cores: np.ndarray) -> tuple[Cost, LinkLoads]:
    cores = np.asarray(cores)
    distance = hops(cores[traffic.src], cores[traffic.dst], chip.cols)
    loads = link_loads(chip.rows, chip.cols, cores[traffic.src], cores[traffic.dst], traffic.rate)
    events = np.array([s.events for s in partition.slices])
    hop_total = float(traffic.rate @ distance)
    max_hops = int(distance.max()) if distance.size else 0
    latency = (float(events.max()) * chip.synop_time_ns + max_hops * chip.hop_latency_ns
               + loads.max() * chip.link_packet_ns)
    energy_pj = (float(events.sum()) * chip.synop_energy_pj + hop_total * chip.hop_energy_pj
                 + partition.cores * chip.core_step_energy_pj)
    cost = Cost(cores=partition.cores, traffic=traffic.total, hop_traffic=hop_total,
                max_link_load=loads.max(), max_hops=max_hops, synaptic_events=float(events.sum()),
                latency_ns=latency, energy_nj=energy_pj / 1000.0)
    return cost, loads
