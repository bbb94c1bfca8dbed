"""``python -m govhub_gateway [run] [flags]`` runs a gateway (see ``--help``);
``python -m govhub_gateway verify-spool DIR`` checks a spool's hash chain offline and exits 1
when it is broken (DIR: the spool directory, or the gateway's data directory holding it)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from govhub_gateway.config import ConfigError, load_config, parse_flags

USAGE = ("usage: python -m govhub_gateway [run] [flags]\n"
         "       python -m govhub_gateway verify-spool DIR")


def verify_spool_command(directory: str) -> int:
    from govhub_gateway.evidence.spool import SEGMENT_PATTERN, verify_spool

    path = Path(directory)
    if not path.is_dir():
        print(f"verify-spool: {directory} is not a directory", file=sys.stderr)
        return 2
    has_segments = any(SEGMENT_PATTERN.match(child.name) for child in path.iterdir())
    if not has_segments and (path / "spool").is_dir():
        path = path / "spool"  # given the data directory
    count, problems = verify_spool(path)
    for problem in problems:
        print(f"BROKEN: {problem}")
    if problems:
        return 1
    print(f"OK: {count} records")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["verify-spool"]:
        if len(args) != 2:
            print(USAGE, file=sys.stderr)
            return 2
        return verify_spool_command(args[1])
    if args[:1] == ["run"]:
        args = args[1:]
    try:
        config = load_config(arguments=parse_flags(args))
    except ConfigError as error:
        print(f"govhub-gateway: configuration error: {error}", file=sys.stderr)
        return 2
    from govhub_gateway.runner import run

    return run(config)


if __name__ == "__main__":
    sys.exit(main())
