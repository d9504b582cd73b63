"""``motcua demo`` (``python -m demo``): a whole centre on this machine, on fake hardware."""

from __future__ import annotations

import argparse

from .centre import run_demo


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="motcua demo",
                                     description="a whole centre on this machine, on fake hardware")
    parser.add_argument("--http-port", type=int, default=8080, help="hub web port (default 8080)")
    parser.add_argument("--dir", default="var/demo", help="where the demo keeps its files")
    parser.add_argument("--speed", type=float, default=10.0,
                        help="how many times faster than real time the day runs (default 10)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the last demo's centre (tickets, dossiers) instead of a "
                             "fresh one")
    parser.add_argument("--seed", type=int,
                        help="random seed of the simulated citizens and officers")
    parser.add_argument("--check", type=float, metavar="SECONDS",
                        help="stop by itself SECONDS after the floor opened (or at Ctrl-C) "
                             "and say whether the centre served: pages answer, every node "
                             "online, tickets issued, called, served and printed, no error "
                             "in the logs; exit status 0 only if it did")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_demo(http_port=args.http_port, directory=args.dir, speed=args.speed,
                    resume=args.resume, seed=args.seed,
                    check=args.check)


if __name__ == "__main__":
    raise SystemExit(main())
