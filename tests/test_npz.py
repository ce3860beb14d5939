"""Every .npz the package reads fails the same clear way on a wrong file."""
import subprocess
import sys

import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.npz import open_npz


@pytest.fixture
def files(tmp_path):
    npy = tmp_path / "array.npz"
    with open(npy, "wb") as handle:        # a single array under an .npz name
        np.save(handle, np.zeros(3))
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file")
    good = tmp_path / "good.npz"
    np.savez(good, W=np.eye(2))
    return {"missing": tmp_path / "none.npz", "npy": npy, "junk": junk, "good": good}


@pytest.mark.parametrize("case, message", [
    ("missing", "a thing file not found"),
    ("npy", "is a single .npy array, expected a thing"),
    ("junk", "is not a readable .npz file"),
])
def test_wrong_files_are_named(files, case, message):
    with pytest.raises(ModelError, match=message):
        open_npz(files[case], "a thing")


def test_a_good_archive_opens_as_a_context_manager(files):
    with open_npz(files["good"], "a thing") as archive:
        assert archive.files == ["W"]


@pytest.mark.parametrize("case", ["npy", "junk"])
def test_the_map_command_reports_a_wrong_network_file_in_one_line(files, case):
    proc = subprocess.run([sys.executable, "-m", "neuropynq", "map", str(files[case]),
                           "--chip", "tianjicx"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
