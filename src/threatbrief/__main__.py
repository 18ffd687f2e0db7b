# SPDX-License-Identifier: Apache-2.0
"""`python -m threatbrief` runs the command line."""

from .cli import cli

cli()
