"""`python3 -m emulator --port 8099 [--state-file F] [--fault ...]`"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from .faults import parse_cli_fault
from .server import EmulatorServer


def _json_arg(text: str) -> dict:
    """Inline JSON, or @path to a JSON file."""
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as fh:
            return json.load(fh)
    return json.loads(text)


def _config_arg(text: str) -> dict:
    """KEY=VALUE (VALUE parsed as JSON when possible) or a JSON object / @file."""
    if text.startswith(("{", "@")):
        return _json_arg(text)
    key, _, value = text.partition("=")
    try:
        return {key: json.loads(value)}
    except ValueError:
        return {key: value}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python3 -m emulator",
        description="Mercado Pago in-store QR emulator (see emulator/README.md)",
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (127.0.0.1)")
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8099")),
        help="port (env PORT, default 8099; 0 picks a free one)",
    )
    p.add_argument("--state-file", help="persist state to this JSON file")
    p.add_argument("--seed", type=int, help="seed for ids and fault draws")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="RULE",
        help="HTTP fault, e.g. error=0.1,path=^/v1/orders,when=after "
        "(repeatable; JSON object accepted)",
    )
    p.add_argument("--faults", metavar="JSON|@FILE", help="a whole faults document")
    p.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="behaviour knob, e.g. pending_order_policy=reject (repeatable)",
    )
    p.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="SITE[:WEBHOOK_URL]",
        help="create an account at startup and print its token (repeatable)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def _say(line: str) -> None:
    # stdout, flushed: scripts and tests read the URL and tokens from it.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config: dict = {}
    for item in args.config:
        config.update(_config_arg(item))
    faults = _json_arg(args.faults) if args.faults else {}
    rules = list(faults.get("rules", [])) + [parse_cli_fault(f) for f in args.fault]
    if rules:
        faults["rules"] = rules
    if args.seed is not None:
        faults.setdefault("seed", args.seed)
    srv = EmulatorServer(
        port=args.port,
        state_file=args.state_file,
        host=args.host,
        seed=args.seed,
        config=config or None,
        faults=faults or None,
        verbose=args.verbose,
    )
    srv.start()

    def _terminate(signum, frame):  # SIGTERM: stop cleanly, state saved
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    for spec in args.account:
        site, _, hook = spec.partition(":")
        acc = srv.create_account(site or "MLA", webhook_url=hook or None)
        _say(
            f"account {acc['site_id']} user_id={acc['user_id']} "
            f"access_token={acc['access_token']} "
            f"webhook_secret={acc['webhook_secret']}"
        )
    _say(f"Mercado Pago emulator listening on {srv.url}")
    try:
        srv.threads[0].join()
    except KeyboardInterrupt:
        _say("stopping")
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
