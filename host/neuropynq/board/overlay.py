"""PYNQ glue: DefaultIP drivers bound to the kernels' VLNVs, the neuropynq overlays
(one per kernel build: bn, dense bm and, where the board has it, sparse bm) and the
process's one loaded overlay. Importing this module needs
the `pynq` package (on a board)."""
from __future__ import annotations

import pynq

from ..errors import BackendUnavailable
from .axi_dma import AxiDma
from .bitstreams import board_name, cell_names, find_bitstream, overlays
from .kernel_control import KernelControl
from .runner import FrameRunner


class _SamplerIP(pynq.DefaultIP):
    """Common driver of both kernels: the register protocol of docs/spec.md §5."""

    def __init__(self, description):
        super().__init__(description=description)
        self.control = KernelControl(self.mmio, self._fullpath)

    def is_idle(self) -> bool:
        return self.control.is_idle()

    @property
    def status(self) -> int:
        return self.control.status()


class BnSamplerIP(_SamplerIP):
    bindto = ["neuropynq:hls:bn_sampler:1.0"]


class BmSamplerIP(_SamplerIP):
    bindto = ["neuropynq:hls:bm_sampler:1.0"]


class NeuropynqOverlay(pynq.Overlay):
    """One kernel build's overlay: its kernel IP (`bn_sampler` or `bm_sampler`; the
    sparse bm overlay holds a bm_sampler too) and its DMA (`<ip>_dma`), and where the
    board table gives the build several copies (boards.txt bm_instances) the others as
    `<ip>_<i>` with `<ip>_<i>_dma`. `board` names its build in the board table (None
    when neither given nor in $BOARD)."""

    def __init__(self, kernel, bitfile=None, board=None, download=True, **kwargs):
        super().__init__(str(find_bitstream(kernel, board, bitfile)), download=download, **kwargs)
        self.kernel = kernel
        try:
            self.board = board_name(board)
        except BackendUnavailable:
            self.board = None
        self._runners: list[FrameRunner] | None = None

    def runner(self, kernel: str) -> FrameRunner:
        """The frame runner of the overlay's (first) kernel (it owns the DMA's buffers)."""
        return self.runners(kernel)[0]

    def runners(self, kernel: str) -> list[FrameRunner]:
        """A frame runner per copy of the overlay's kernel, in cell order: the copies the
        bitstream holds (its .hwh names the cells), so a build of fewer copies runs too."""
        if kernel != self.kernel:
            raise BackendUnavailable(f"the {self.kernel} overlay has no {kernel}")
        if self._runners is None:
            ip = overlays()[kernel].ip
            count = 1
            while hasattr(self, cell_names(ip, count + 1)[-1]):
                count += 1
            # The DMA is driven through its registers (with deadlines), not PYNQ's DMA driver.
            self._runners = [FrameRunner(getattr(self, cell).control, AxiDma(getattr(self, f"{cell}_dma").mmio),
                                         lambda words: pynq.allocate(shape=(words,), dtype="u4"))
                             for cell in cell_names(ip, count)]
        return self._runners

    def close(self) -> None:
        """Free the DMA buffers (the fabric is about to hold another overlay)."""
        for runner in self._runners or ():
            runner.close()
        self._runners = None


_loaded: list = []     # [(bitstream path, overlay)]: the fabric holds one at a time


def load_overlay(kernel: str, board=None, bitfile=None, reload: bool = False) -> NeuropynqOverlay:
    """The loaded overlay of `kernel`, downloading it when the fabric holds another
    one (or none). A loaded overlay is shared: downloading it again would reconfigure
    the fabric under every backend using it. `reload` downloads it again (after a
    kernel that no recovery could bring back to idle)."""
    bit = find_bitstream(kernel, board, bitfile).resolve()
    if reload or not _loaded or _loaded[0][0] != bit:
        if _loaded:
            _loaded[0][1].close()
            _loaded.clear()
        _loaded[:] = [(bit, NeuropynqOverlay(kernel, bitfile=bit, board=board))]
    return _loaded[0][1]


# Bitstream path -> its kernel's INFO answer. The answer is a property of the
# bitstream, so it is asked once per process: a second backend does not switch the
# fabric back and forth to ask again.
_info_answers: dict = {}


class BoardOverlays:
    """A board's overlays, as FpgaBackend sees them: `kernels` (the kernel builds: every
    overlay the board has, data/overlays.txt), `runners(kernel)` (one per copy of the
    kernel) loads the build's overlay when the fabric holds another one. Every overlay of the board must be
    present (BackendUnavailable naming the missing one); `bitfiles` maps a kernel build
    to a .bit path of its own (also a build the board table does not give the board);
    `reload` downloads each overlay again the first time it is used here."""

    def __init__(self, board=None, bitfiles: dict | None = None, reload: bool = False):
        bitfiles = bitfiles or {}
        unknown = sorted(set(bitfiles) - set(overlays()))
        if unknown:
            raise BackendUnavailable(f"bitfiles names no kernel: {', '.join(unknown)} "
                                     f"(kernels: {', '.join(overlays())})")
        try:
            self.board = board_name(board)
        except BackendUnavailable:
            self.board = None
        # Without a board, the overlays every board has (find_bitstream then names the missing $BOARD).
        kernels = [k for k, o in overlays().items()
                   if (o.on(self.board) if self.board else o.needs is None) or k in bitfiles]
        self.bitstreams = {kernel: find_bitstream(kernel, board, bitfiles.get(kernel)).resolve()
                           for kernel in kernels}
        self.kernels = tuple(self.bitstreams)
        self._board = board
        self._reload = set(self.bitstreams) if reload else set()

    def loaded(self, kernel: str) -> bool:
        """True if the fabric holds `kernel`'s overlay."""
        return bool(_loaded) and _loaded[0][0] == self.bitstreams[kernel]

    def runner(self, kernel: str) -> FrameRunner:
        return self.runners(kernel)[0]

    def runners(self, kernel: str) -> list[FrameRunner]:
        """A frame runner per copy of `kernel` in its overlay (loaded if need be)."""
        reload = kernel in self._reload
        self._reload.discard(kernel)
        if reload:
            _info_answers.pop(self.bitstreams[kernel], None)
        return load_overlay(kernel, self._board, self.bitstreams[kernel], reload=reload).runners(kernel)

    def info(self, kernel: str, ask):
        """`kernel`'s INFO answer: `ask()` the first time its bitstream is asked in
        this process (or after a reload), the kept answer afterwards."""
        bit = self.bitstreams[kernel]
        if kernel in self._reload or bit not in _info_answers:
            _info_answers[bit] = ask()
        return _info_answers[bit]
