"""The whole mapping flow: partition the network into slices, measure the traffic
between slices, place the slices on the mesh, and cost the placement."""
from __future__ import annotations

import time

from .chip import Chip
from .cost import evaluate
from .network import Network
from .partition import partition_network
from .placement import place
from .result import Mapping
from .traffic import slice_traffic


def map_network(network: Network, chip: Chip, placement: str = "hamilton", seed: int = 0) -> Mapping:
    """Map `network` onto `chip` with one of placement.PLACEMENTS."""
    start = time.perf_counter()
    partition = partition_network(network, chip)
    traffic = slice_traffic(network, partition)
    cores = place(placement, chip, partition.cores, traffic, seed)
    cost, links = evaluate(chip, partition, traffic, cores)
    return Mapping(chip=chip, placement=placement, seed=seed,
                   layers=[layer.describe() for layer in network.layers], slices=partition.slices,
                   cores=cores, limit=partition.limit, cost=cost, links=links,
                   seconds=time.perf_counter() - start)
