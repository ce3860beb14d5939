"""Build script. The metadata is in setup.cfg; this file adds one step to build_py:
it copies the repository files that neuropynq.resources.BUNDLE names (examples/*.bif,
hls/include, hls/src, bitstreams/<board>/) into the package's _bundled/ folder, so an
installed wheel finds them with importlib.resources. An editable install reads them
from the repository instead and never runs this step."""
import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RESOURCES = ROOT / "host" / "neuropynq" / "resources.py"


def _literal(name):
    """The value of `NAME = <literal>` in resources.py: the package cannot be imported
    while it is being built."""
    for node in ast.parse(RESOURCES.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError(f"{RESOURCES} defines no {name}")


def bundle_files():
    """(source, path inside the bundle) of every file the wheel carries."""
    files = []
    for folder, patterns in _literal("BUNDLE").items():
        for pattern in patterns:
            for source in sorted((ROOT / folder).glob(pattern)):
                if source.is_file():
                    files.append((source, Path(folder) / source.relative_to(ROOT / folder)))
    return files


class build_py_with_bundle(build_py):
    def _bundle_dir(self):
        return Path(self.build_lib) / "neuropynq" / _literal("BUNDLE_DIR")

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        # Start empty: build/lib outlives builds, and a removed bitstream must not ship.
        shutil.rmtree(self._bundle_dir(), ignore_errors=True)
        for source, inside in bundle_files():
            target = self._bundle_dir() / inside
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))

    def get_outputs(self, include_bytecode=1):
        bundled = [str(self._bundle_dir() / inside) for _, inside in bundle_files()]
        return super().get_outputs(include_bytecode) + bundled


setup(cmdclass={"build_py": build_py_with_bundle})
