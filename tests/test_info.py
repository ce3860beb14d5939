"""`neuropynq info`: what this machine runs, and why not the rest; on a (mock) board the
fpga backend's limits are the ones its kernels report in their INFO frames."""
import functools
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from neuropynq import __version__, cli, info, resources
from neuropynq.backends import cpu
from neuropynq.board.bitstreams import overlay_names
from neuropynq.boards import BM_SPARSE, board_build, board_builds
from neuropynq.framing import SPEC_VERSION, Status, output_frame
from neuropynq.limits import SPEC_BM_LIMITS, SPEC_BN_LIMITS
from neuropynq.reference import bm_sampler, bn_sampler

from mocks.pynq_board import MockBoard, MockMemory, fake_pynq


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def by_name(machine) -> dict:
    return {b.name: b for b in machine.backends}


def test_off_a_board_ref_and_cpu_run_and_fpga_says_what_it_lacks(monkeypatch):
    monkeypatch.delenv("BOARD", raising=False)
    machine = info.gather()
    backends = by_name(machine)
    assert [b.name for b in machine.backends] == ["ref", "cpu", "fpga"]
    assert backends["ref"].runs and backends["ref"].limits.bn_v_max == SPEC_BN_LIMITS.v_max
    assert backends["cpu"].runs == (shutil.which("g++") is not None)
    assert backends["cpu"].limits.bm_n_max == SPEC_BM_LIMITS.n_max
    assert not backends["fpga"].runs and backends["fpga"].limits is None
    assert "pynq" in backends["fpga"].detail or "board" in backends["fpga"].detail
    assert machine.board is None and "$BOARD" in machine.board_detail
    # no board to look for: every overlay of the table, none found
    assert machine.bitstreams == {kernel: None for kernel in overlay_names()}
    # every board build of the table, with the table's own figures
    assert list(machine.builds) == list(board_builds())
    for name, limits in machine.builds.items():
        build = board_build(name)
        assert (limits.source, limits.clock_mhz, limits.bn_lanes, limits.bn_table_max, limits.bm_n_max) == \
            ("board table", build.clock_mhz, build.bn_lanes, build.bn_limits.table_max, build.bm_limits.n_max)
        # RUN_SPARSE limits: the sparse bm overlay's (0 where the board has none)
        assert (limits.bm_sparse_n_max, limits.bm_d_max) == \
            (build.bm_sparse_limits.sparse_n_max, build.bm_sparse_limits.d_max)
        assert limits.bm_kernels == build.bm_instances
    assert machine.builds["zcu104"].bm_kernels == 2 and backends["ref"].limits.bm_kernels == 1


def test_cpu_without_a_compiler_says_so(monkeypatch):
    monkeypatch.setenv("CXX", "no-such-compiler-npq")
    status = by_name(info.gather())["cpu"]
    assert not status.runs and "no-such-compiler-npq" in status.detail and "not on PATH" in status.detail


def test_cli_info_text_and_json_agree(capsys, monkeypatch):
    monkeypatch.delenv("BOARD", raising=False)
    code, text, err = run_cli(capsys, "info")
    assert code == 0 and err == ""
    assert text.startswith(f"neuropynq {__version__}\n")
    for name in board_builds():
        assert f"{name} build" in text
    code, out, err = run_cli(capsys, "info", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["version"] == __version__
    assert data["runnable"][0] == "ref" and "fpga" not in data["runnable"]
    assert set(data["builds"]) == set(board_builds())
    assert data["builds"]["pynq-z2"]["bm_n_max"] == board_build("pynq-z2").bm_limits.n_max


def test_version(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out.strip() == f"neuropynq {__version__}"


@pytest.fixture
def mock_pynq_z2(tmp_path, monkeypatch):
    """A stand-in `pynq` over mock kernels built at the PYNQ-Z2 board's sizes, $BOARD set
    as a PYNQ image sets it, and each overlay of the board (.bit + .hwh; bn, dense bm and
    sparse bm) in bitstreams/pynq-z2/."""
    build = board_build("pynq-z2")
    memory = MockMemory()
    boards = {"bn_sampler": MockBoard(functools.partial(bn_sampler.run_frame, lanes=build.bn_lanes,
                                                        limits=build.bn_limits), memory=memory),
              "bm_sampler": MockBoard(functools.partial(bm_sampler.run_frame, lanes=build.bm_lanes,
                                                        limits=build.bm_limits), memory=memory),
              BM_SPARSE: MockBoard(functools.partial(bm_sampler.run_frame, lanes=build.bm_units,
                                                     limits=build.bm_sparse_limits), memory=memory)}
    assert build.bm_units > 0
    folder = tmp_path / "bitstreams" / "pynq-z2"
    folder.mkdir(parents=True)
    bits = {kernel: folder / f"{name}.bit" for kernel, name in overlay_names().items()}
    for bit in bits.values():
        bit.write_bytes(b"bit")
        bit.with_suffix(".hwh").write_text("<hwh/>")
    monkeypatch.setattr(resources, "root", lambda: tmp_path)
    pynq = fake_pynq(boards, memory)
    monkeypatch.setitem(sys.modules, "pynq", pynq)
    monkeypatch.setattr(info.importlib.util, "find_spec",
                        lambda name, *a: object() if name == "pynq" else None)
    sys.modules.pop("neuropynq.board.overlay", None)
    monkeypatch.setenv("BOARD", "Pynq-Z2")
    yield build, bits, pynq, boards
    sys.modules.pop("neuropynq.board.overlay", None)
    import neuropynq.board
    if hasattr(neuropynq.board, "overlay"):
        delattr(neuropynq.board, "overlay")


def test_on_a_board_the_fpga_limits_come_from_its_info_frames(mock_pynq_z2, capsys):
    build, bits, pynq, _ = mock_pynq_z2
    machine = info.gather()
    fpga = by_name(machine)["fpga"]
    paths = {kernel: str(bit) for kernel, bit in bits.items()}
    assert machine.board == "pynq-z2" and machine.bitstreams == paths
    assert fpga.runs, fpga.detail
    assert len(pynq.downloads) == 3          # each overlay, to ask it for INFO
    limits = fpga.limits
    assert limits.source == "INFO frame" and limits.clock_mhz == build.clock_mhz
    assert (limits.bn_lanes, limits.bn_table_max, limits.bm_lanes, limits.bm_n_max) == \
        (build.bn_lanes, build.bn_limits.table_max, build.bm_lanes, build.bm_limits.n_max)
    # the table below the spec's limits, so these figures cannot be the ref backend's
    assert limits.bn_table_max < SPEC_BN_LIMITS.table_max and limits.bm_n_max < SPEC_BM_LIMITS.n_max
    # RUN_SPARSE: the sparse overlay's INFO (the dense overlay reports 0, 0)
    assert (limits.bm_sparse_n_max, limits.bm_d_max) == \
        (build.bm_sparse_limits.sparse_n_max, build.bm_sparse_limits.d_max)
    assert limits.bm_d_max < SPEC_BM_LIMITS.d_max
    code, out, _ = run_cli(capsys, "info", "--json")
    data = json.loads(out)
    assert code == 0 and "fpga" in data["runnable"]
    assert data["board"] == "pynq-z2" and data["bitstreams"] == paths
    code, text, _ = run_cli(capsys, "info")
    for kernel, bit in paths.items():
        assert re.search(rf"{kernel} +{re.escape(bit)} +with {Path(bit).with_suffix('.hwh').name} beside it", text)


def test_on_a_board_without_one_overlay_fpga_names_what_is_missing(mock_pynq_z2):
    _, bits, _, _ = mock_pynq_z2
    bits["bm_sampler"].unlink()
    machine = info.gather()
    fpga = by_name(machine)["fpga"]
    assert machine.board == "pynq-z2" and machine.bitstreams == {"bn_sampler": str(bits["bn_sampler"]),
                                                                 "bm_sampler": None,
                                                                 BM_SPARSE: str(bits[BM_SPARSE])}
    assert not fpga.runs and "no bm_sampler overlay found" in fpga.detail
    assert "KERNEL=bm" in machine.bitstream_details["bm_sampler"]


def test_an_overlay_that_fails_to_start_is_reported_not_raised(mock_pynq_z2):
    _, _, _, boards = mock_pynq_z2
    # a bitstream whose bm kernel speaks another spec version
    boards["bm_sampler"].run_frame = lambda frame: output_frame(Status.OK, [SPEC_VERSION + 1])
    machine = info.gather()
    fpga = by_name(machine)["fpga"]
    assert not fpga.runs and "did not start" in fpga.detail and f"version {SPEC_VERSION + 1}" in fpga.detail
    assert machine.runnable[:1] == ["ref"]


def test_info_shows_as_html_in_a_notebook(monkeypatch):
    monkeypatch.delenv("BOARD", raising=False)
    machine = info.gather()
    page = machine._repr_html_()
    assert page.count("<table") == 3 and f"neuropynq {__version__}" in page      # backends, overlays, builds
    for kernel in overlay_names():
        assert f"<td style=\"text-align:left\">{kernel}</td>" in page
    for b in machine.backends:
        assert f"<td style=\"text-align:left\">{b.name}</td>" in page
    for name in board_builds():
        assert f"{name} build" in page
