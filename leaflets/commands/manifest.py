"""`make_pdf.py manifest merge`: join the manifest parts of a sharded build into one manifest."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..diagnostics import display_path
from ..exits import EXIT_OK
from ..paths import ROOT, output_folder


def add_parser(commands) -> None:
    parser = commands.add_parser("manifest", help="work with build manifests (merge shard parts)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    merge = actions.add_parser(
        "merge", help="join manifest.part-K-of-N.json files into manifest.json",
        description="Join the manifest parts written by `build --shard K/N` into manifest.json. "
                    "Fails when a part is missing, damaged, or lists an edition another part lists.")
    merge.add_argument("parts", nargs="*", type=Path,
                       help="part files (default: every manifest.part-K-of-N.json in the output folder)")
    merge.add_argument("--out", type=output_folder, default=None, help="output folder (default: build/)")
    merge.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..outputs import find_parts, merge

    out = args.out or ROOT / "build"
    parts = list(args.parts) or find_parts(out)
    path = merge(parts, out, ROOT)
    print(f"merged {len(parts)} part(s) into {display_path(path)}")
    return EXIT_OK
