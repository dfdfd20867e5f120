"""Sub-commands of make_pdf.py: each module defines `add_parser(commands)` and `run(args)`."""
