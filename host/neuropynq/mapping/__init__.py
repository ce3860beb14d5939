"""Mapping SNNs onto many-core neuromorphic chips (partition, placement, cost) and
onto the accelerator's lanes. See docs/mapping.md."""
from .chip import PRESETS, SPINNAKER2, TIANJICX, Chip, load_chip
from .lanes import lane_balance, lane_order
from .mapper import map_network
from .network import ConvLayer, DenseLayer, Network, load_network, network_from_dict, network_from_weights
from .placement import PLACEMENTS, mesh_loop
from .result import Mapping
from .svg import mapping_svg, write_svg

__all__ = ["Chip", "PRESETS", "TIANJICX", "SPINNAKER2", "load_chip", "lane_order", "lane_balance",
           "map_network", "Network", "DenseLayer", "ConvLayer", "load_network", "network_from_dict",
           "network_from_weights", "PLACEMENTS", "mesh_loop", "Mapping", "mapping_svg", "write_svg"]
