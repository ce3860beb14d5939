"""The kernels' AXI4-Lite control protocol (docs/spec.md §5): start, poll ap_idle
with a deadline, read STATUS. ap_done is clear-on-read, so only ap_idle is polled."""
from __future__ import annotations

import time

from ..errors import KernelError
from . import registers as r


class KernelControl:
    def __init__(self, regs, name: str, clock=time.monotonic, sleep=time.sleep):
        self.regs, self.name = regs, name
        self._clock, self._sleep = clock, sleep

    def is_idle(self) -> bool:
        return bool(self.regs.read(r.CTRL) & r.AP_IDLE)

    def start(self) -> None:
        if not self.is_idle():
            raise KernelError(f"{self.name} is still running a previous frame (ap_idle is 0)")
        self.regs.write(r.CTRL, r.AP_START)

    def wait_idle(self, deadline: float) -> None:
        while not self.is_idle():
            if self._clock() > deadline:
                raise KernelError(f"timed out waiting for {self.name} to finish (ap_idle stayed 0)")
            self._sleep(20e-6)

    def status(self) -> int:
        """The STATUS register of the last frame (the output frame carries it too)."""
        return self.regs.read(r.STATUS)
