"""AXI4-Stream source and sink for cocotb 2.x with random idle cycles and
back-pressure (seeded, so a failure replays).

Handshakes are sampled in the ReadOnly phase before the clock edge that
completes them; signals are driven right after that edge.
"""
from __future__ import annotations

import random

from cocotb.triggers import ReadOnly, RisingEdge


class AxiStreamSource:
    """Sends words; `idle` is the chance of a bubble (tvalid low) before each word."""

    def __init__(self, ports, clk, idle: float = 0.2, seed: int = 1) -> None:
        self.p = ports
        self.clk = clk
        self.idle = idle
        self.rng = random.Random(seed)
        self.p["tvalid"].value = 0
        self.p["tdata"].value = 0
        self.p["tlast"].value = 0
        for extra in ("tkeep", "tstrb"):
            if extra in self.p:
                self.p[extra].value = 0xF

    async def send(self, words, last_index: int | None = None) -> None:
        """Send `words` with TLAST on word `last_index` (default the final word; -1: none)."""
        words = [int(w) & 0xFFFFFFFF for w in words]
        if last_index is None:
            last_index = len(words) - 1
        for i, word in enumerate(words):
            while self.idle and self.rng.random() < self.idle:
                self.p["tvalid"].value = 0
                await RisingEdge(self.clk)
            self.p["tdata"].value = word
            self.p["tlast"].value = int(i == last_index)
            self.p["tvalid"].value = 1
            while True:
                await ReadOnly()
                accepted = bool(int(self.p["tready"].value))
                await RisingEdge(self.clk)
                if accepted:
                    break
        self.p["tvalid"].value = 0
        self.p["tlast"].value = 0


class AxiStreamSink:
    """Collects frames; `backpressure` is the chance tready is low in a cycle."""

    def __init__(self, ports, clk, backpressure: float = 0.2, seed: int = 2) -> None:
        self.p = ports
        self.clk = clk
        self.backpressure = backpressure
        self.rng = random.Random(seed)
        self.p["tready"].value = 0

    async def receive(self, timeout_cycles: int) -> list[int]:
        """Words up to and including the next TLAST; TimeoutError after `timeout_cycles`."""
        words: list[int] = []
        for _ in range(timeout_cycles):
            ready = not (self.backpressure and self.rng.random() < self.backpressure)
            self.p["tready"].value = int(ready)
            await ReadOnly()
            valid = bool(int(self.p["tvalid"].value))
            data = int(self.p["tdata"].value) if valid and ready else 0
            last = bool(int(self.p["tlast"].value)) if valid and ready else False
            await RisingEdge(self.clk)
            if valid and ready:
                words.append(data)
                if last:
                    self.p["tready"].value = 0
                    return words
        self.p["tready"].value = 0
        raise TimeoutError(f"no TLAST within {timeout_cycles} cycles ({len(words)} words so far)")
