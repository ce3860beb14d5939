"""`python -m neuropynq`: the command line (neuropynq.cli)."""
import sys

from .cli import main

sys.exit(main())
