"""The whole mapping flow: partition the network into slices, measure the traffic
between slices, place the slices on the mesh, and cost the placement."""
from __future__ import annotations

import time

from ..errors import LimitError
from .chip import Chip
from .cost import evaluate
from .network import DenseLayer, Network
from .partition import mapping_limit, partition_network
from .placement import anneal_steps, check_fits, place
from .result import Mapping
from .traffic import slice_traffic

DENSE_SYNAPSES_MAX = 1 << 25   # 3x the synapse memory of a whole TianjicX
FLOWS_MAX = 1 << 22            # bound on traffic pairs (a 160-core TianjicX has at most 25600)
ANNEAL_WORK_MAX = 1e8          # a full TianjicX anneals in at most ~1e7 (32000 steps x 320 flows)


def map_network(network: Network, chip: Chip, placement: str = "hamilton", seed: int = 0) -> Mapping:
    """Map `network` onto `chip` with one of placement.PLACEMENTS."""
    start = time.perf_counter()
    # Checks before the work: the partition's arrays and the traffic between slices
    # grow with the synapses of dense layers and with the slices.
    check_fits(chip, mapping_limit(network, chip))
    dense = sum(layer.synapses for layer in network.layers if isinstance(layer, DenseLayer))
    if dense > DENSE_SYNAPSES_MAX:
        raise LimitError(f"the dense layers have {dense} synapses; at most {DENSE_SYNAPSES_MAX} "
                         f"can be mapped")
    partition = partition_network(network, chip)
    check_fits(chip, partition.cores)
    flows = sum(min(s.fanin, partition.cores) for s in partition.slices)
    if flows > FLOWS_MAX:
        raise LimitError(f"the mapping has {partition.cores} slices with up to {flows} slice-to-slice "
                         f"flows; at most {FLOWS_MAX} can be costed")
    traffic = slice_traffic(network, partition)
    if placement == "anneal":   # each annealing step visits the moved slices' flows
        n = partition.cores
        work = anneal_steps(n) * 2 * traffic.rate.size / max(n, 1)
        if work > ANNEAL_WORK_MAX:
            raise LimitError(f"annealing {n} slices with {traffic.rate.size} flows would take about "
                             f"{work:.2g} steps x flows (at most {ANNEAL_WORK_MAX:.0g}); use the hamilton placement")
    cores = place(placement, chip, partition.cores, traffic, seed)
    cost, links = evaluate(chip, partition, traffic, cores)
    return Mapping(chip=chip, placement=placement, seed=seed,
                   layers=[layer.describe() for layer in network.layers], slices=partition.slices,
                   cores=cores, limit=partition.limit, cost=cost, links=links,
                   seconds=time.perf_counter() - start)
