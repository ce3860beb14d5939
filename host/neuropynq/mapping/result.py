"""The result of mapping a network onto a chip: slices, their cores, the cost and
link loads; serialisable to JSON and printable as a text summary."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .chip import Chip
from .cost import Cost
from .partition import Slice
from .routing import LinkLoads


@dataclass(eq=False)
class Mapping:
    chip: Chip
    placement: str
    seed: int
    layers: list            # Layer.describe() of every layer
    slices: list            # Slice
    cores: np.ndarray       # cores[slice] = core id, row * cols + col
    limit: int              # lower bound on cores (partition.mapping_limit)
    cost: Cost
    links: LinkLoads
    seconds: float          # time taken to map

    @property
    def efficiency(self) -> float:
        """Mapping limit / cores used: 1.0 means no core could have been saved."""
        return self.limit / len(self.slices)

    def to_dict(self) -> dict:
        return {"chip": self.chip.to_dict(), "placement": self.placement, "seed": self.seed,
                "layers": self.layers, "limit": self.limit, "efficiency": self.efficiency,
                "cost": self.cost.to_dict(), "seconds": self.seconds,
                "slices": [{**s.to_dict(), "core": int(k)} for s, k in zip(self.slices, self.cores)],
                "links": self.links.to_dict()}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict) -> "Mapping":
        chip = Chip.from_dict(data["chip"])
        slices = [Slice.from_dict({k: v for k, v in s.items() if k != "core"}) for s in data["slices"]]
        return cls(chip=chip, placement=data["placement"], seed=data["seed"], layers=data["layers"],
                   slices=slices, cores=np.array([s["core"] for s in data["slices"]], dtype=np.int64),
                   limit=data["limit"], cost=Cost(**data["cost"]),
                   links=LinkLoads.from_dict(data["links"], chip.rows, chip.cols),
                   seconds=data["seconds"])

    @classmethod
    def from_json(cls, text: str) -> "Mapping":
        return cls.from_dict(json.loads(text))

    def _layer_rows(self) -> list[list]:
        roles = [Counter(s.role for s in self.slices if s.layer == i) for i in range(len(self.layers))]
        return [[i, layer["kind"], layer["n_out"], layer["synapses"], sum(count.values()),
                 f"{count['direct']}/{count['partial']}/{count['merge']}"]
                for i, (layer, count) in enumerate(zip(self.layers, roles))]

    def __repr__(self) -> str:
        chip, cost = self.chip, self.cost
        return (f"<Mapping of {len(self.layers)} layers onto {chip.name} ({chip.rows}x{chip.cols}), "
                f"{self.placement} placement: {cost.cores} cores, {cost.hop_traffic:.4g} packet-hops/step, "
                f"{cost.latency_ns:.4g} ns/step, {cost.energy_nj:.4g} nJ/step>")

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from ..tables import html_table
        chip, cost = self.chip, self.cost
        caption = (f"{chip.name}: {chip.rows}x{chip.cols} mesh, placement {self.placement} "
                   f"(seed {self.seed}), mapped in {self.seconds:.3f} s")
        layers = html_table(["layer", "kind", "neurons", "synapses", "slices", "direct/partial/merge"],
                            self._layer_rows(), caption)
        figures = [["cores used", cost.cores], ["mapping limit (cores)", self.limit],
                   ["partition efficiency", self.efficiency], ["traffic (packets/step)", cost.traffic],
                   ["traffic x hops", cost.hop_traffic], ["most loaded link (packets/step)", cost.max_link_load],
                   ["longest route (hops)", cost.max_hops], ["synaptic events/step", cost.synaptic_events],
                   ["latency (ns/step)", cost.latency_ns], ["energy (nJ/step)", cost.energy_nj]]
        return layers + html_table(["cost", "value"], figures, "cost")

    def summary(self) -> str:
        chip, cost = self.chip, self.cost
        neurons = sum(layer["n_out"] for layer in self.layers)
        synapses = sum(layer["synapses"] for layer in self.layers)
        lines = [f"chip {chip.name}: {chip.rows}x{chip.cols} mesh, {len(chip.free_cores())} free cores; "
                 f"placement {self.placement} (seed {self.seed}), mapped in {self.seconds:.3f} s",
                 f"network: {len(self.layers)} layers, {neurons} neurons, {synapses} synapses",
                 f"cores used {cost.cores}; mapping limit {self.limit} "
                 f"(partition reaches {100 * self.efficiency:.0f}% of it)",
                 f"{'layer':>5}  {'kind':<5}  {'neurons':>9}  {'synapses':>11}  {'slices':>6}  "
                 f"direct/partial/merge"]
        for i, kind, neurons, synapses, slices, roles in self._layer_rows():
            lines.append(f"{i:>5}  {kind:<5}  {neurons:>9}  {synapses:>11}  {slices:>6}  {roles}")
        lines += [f"traffic {cost.traffic:.4g} packets/step, traffic x hops {cost.hop_traffic:.4g}, "
                  f"most loaded link {cost.max_link_load:.4g} packets/step, longest route "
                  f"{cost.max_hops} hops",
                  f"{cost.synaptic_events:.4g} synaptic events/step; estimated latency "
                  f"{cost.latency_ns:.4g} ns/step, energy {cost.energy_nj:.4g} nJ/step"]
        return "\n".join(lines)
