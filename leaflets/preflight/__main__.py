"""Run preflight on PDF files: python -m leaflets.preflight [--profile print] FILE..."""

import sys

from .terminal import cli

sys.exit(cli())
