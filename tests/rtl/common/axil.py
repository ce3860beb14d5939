"""AXI4-Lite master for cocotb 2.x (single outstanding transaction)."""
from __future__ import annotations

from cocotb.triggers import ReadOnly, RisingEdge


class AxiLiteMaster:
    """Drives the s_axil_* (twin) or s_axi_control_* (Vitis) slave of `ports`.

    `ports` maps the twin's port names to handles (see tb.PortMap).
    """

    def __init__(self, ports, clk, timeout_cycles: int = 1000) -> None:
        self.p = ports
        self.clk = clk
        self.timeout = timeout_cycles
        for name in ("awvalid", "wvalid", "bready", "arvalid", "rready"):
            self.p[name].value = 0
        self.p["awaddr"].value = 0
        self.p["araddr"].value = 0
        self.p["wdata"].value = 0
        self.p["wstrb"].value = 0

    async def _wait(self, signal_name: str, what: str) -> None:
        for _ in range(self.timeout):
            await ReadOnly()
            if int(self.p[signal_name].value):
                return
            await RisingEdge(self.clk)
        raise TimeoutError(f"AXI-Lite {what}: no {signal_name} within {self.timeout} cycles")

    async def write(self, addr: int, data: int) -> None:
        await RisingEdge(self.clk)
        self.p["awaddr"].value = addr
        self.p["awvalid"].value = 1
        self.p["wdata"].value = data & 0xFFFFFFFF
        self.p["wstrb"].value = 0xF
        self.p["wvalid"].value = 1
        aw_done = w_done = False
        for _ in range(self.timeout):
            await ReadOnly()
            aw_now = int(self.p["awready"].value)
            w_now = int(self.p["wready"].value)
            await RisingEdge(self.clk)
            if aw_now and not aw_done:
                aw_done = True
                self.p["awvalid"].value = 0
            if w_now and not w_done:
                w_done = True
                self.p["wvalid"].value = 0
            if aw_done and w_done:
                break
        else:
            raise TimeoutError(f"AXI-Lite write 0x{addr:02X}: not accepted")
        self.p["bready"].value = 1
        await self._wait("bvalid", f"write 0x{addr:02X}")
        await RisingEdge(self.clk)
        self.p["bready"].value = 0

    async def read(self, addr: int) -> int:
        await RisingEdge(self.clk)
        self.p["araddr"].value = addr
        self.p["arvalid"].value = 1
        await self._wait("arready", f"read 0x{addr:02X}")
        await RisingEdge(self.clk)
        self.p["arvalid"].value = 0
        self.p["rready"].value = 1
        await self._wait("rvalid", f"read 0x{addr:02X}")
        data = int(self.p["rdata"].value)
        await RisingEdge(self.clk)
        self.p["rready"].value = 0
        return data
