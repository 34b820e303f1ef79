"""The `facilibot` command line: run, check-config, parse, demo, export, report,
import-facilitators."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from bot.config import Config, ConfigError, load_config, load_offline_config
from handlers.enrollment import ROSTER_BAD_FILE, ROSTER_NOT_UTF8, ROSTER_UNREADABLE, field_problem

log = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_CRYPTO_STORE = 3


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="facilibot", description="Bot Matrix du réseau des facilitateurs de Bercy."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé (DEBUG)")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="lance le bot jusqu'à SIGINT/SIGTERM")
    run.add_argument("--config", required=True, help="fichier de configuration TOML")

    check = commands.add_parser("check-config", help="valide un fichier de configuration")
    check.add_argument("--config", required=True, help="fichier de configuration TOML")

    parse = commands.add_parser("parse", help="affiche l'analyse d'un message (JSON)")
    parse.add_argument("--now", help="instant de référence, ISO 8601 (défaut : maintenant)")
    parse.add_argument("--batch", action="store_true", help="lit des lignes JSON sur stdin")
    parse.add_argument("text", nargs="?", help="le message à analyser")

    commands.add_parser("demo", help="homeserver jetable + bot + conversation scénarisée")

    export = commands.add_parser("export", help="missions par facilitateur, en CSV")
    export.add_argument("--config", required=True, help="fichier de configuration TOML")
    export.add_argument("--from", dest="first", required=True, help="premier jour, AAAA-MM-JJ")
    export.add_argument("--to", dest="last", required=True, help="dernier jour, AAAA-MM-JJ")
    export.add_argument("--output", help="fichier CSV à écrire (défaut : sortie standard)")

    report = commands.add_parser("report", help="l'année du réseau en chiffres et graphiques (PDF)")
    report.add_argument("--config", required=True, help="fichier de configuration TOML")
    report.add_argument("--year", required=True, type=int, help="l'année, AAAA")
    report.add_argument("--out", required=True, help="fichier PDF à écrire")

    # The roster import.
    roster = commands.add_parser(
        "import-facilitators", help="importe le fichier des facilitateurs (CSV, UTF-8)"
    )
    roster.add_argument("--config", required=True, help="fichier de configuration TOML")
    roster.add_argument("roster", help="fichier CSV : matrix_id, display_name, site, …")
    roster.add_argument(
        "--dry-run", action="store_true", help="montre ce qui changerait, sans rien enregistrer"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("nio").setLevel(logging.WARNING)
        # One INFO line per alarm armed: 10,000 lines at each start and rescan.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if args.command == "check-config":
        return check_config(args.config)
    if args.command == "run":
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            _print_problems(exc)
            return EXIT_CONFIG
        from bot.app import event_loop_factory, run
        from bot.matrix.errors import CryptoStoreError

        try:
            with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
                runner.run(run(config))
        except CryptoStoreError as exc:
            # Not a crash loop: a supervisor can stop on this status (README).
            print(f"facilibot : magasin de chiffrement inutilisable. {exc}", file=sys.stderr)
            return EXIT_CRYPTO_STORE
        return 0
    if args.command == "parse":
        return parse_command(args.now, args.text, args.batch, sys.stdin, sys.stdout)
    if args.command == "export":
        return export_command(args.config, args.first, args.last, args.output, sys.stdout)
    if args.command == "report":
        return report_command(args.config, args.year, args.out)
    if args.command == "import-facilitators":
        return import_facilitators(args.config, args.roster, sys.stdout, dry_run=args.dry_run)
    if args.command == "demo":
        from bot.sandbox.demo import run_demo

        return asyncio.run(run_demo(sys.stdout))
    return 1


def check_config(path: str) -> int:
    """Validate a configuration file: exit 0, or 2 with one line per problem."""
    try:
        load_config(path)
    except ConfigError as exc:
        _print_problems(exc)
        return EXIT_CONFIG
    print(f"{path} : configuration valide.")
    return 0


def import_facilitators(
    config_path: str, roster_path: str, out: TextIO, *, dry_run: bool = False
) -> int:
    """Upsert a roster file: one line per rejected row, then the summary.

    Exit 0 when every row loaded, 1 when some rows were rejected (the others
    loaded), 2 when the configuration or the file cannot be used.
    """

    config = _offline_config(config_path)
    if config is None:
        return EXIT_CONFIG
    try:
        text = Path(roster_path).read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        print(ROSTER_NOT_UTF8.format(path=roster_path), file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(ROSTER_UNREADABLE.format(path=roster_path, reason=reason), file=sys.stderr)
        return EXIT_CONFIG
    return asyncio.run(_import(config, roster_path, text, out, dry_run))


async def _import(
    config: Config, roster_path: str, text: str, out: TextIO, dry_run: bool = False
) -> int:
    from bot.domain.clock import SystemClock
    from bot.domain.roster import Invalid, parse_roster
    from handlers.enrollment import ROSTER_DRY_RUN, import_roster
    from storage.db import MigrationError
    from storage.store import Store

    try:
        roster = parse_roster(text, is_allowed=config.matrix.is_allowed)
    except Invalid as exc:
        problem = field_problem(exc.code, exc.values, prefix=config.bot.command_prefix)
        print(ROSTER_BAD_FILE.format(path=roster_path, problem=problem), file=sys.stderr)
        return EXIT_CONFIG
    try:
        store = await Store.open(config.storage.database)
    except (MigrationError, OSError, sqlite3.Error) as exc:
        print(f"{config.storage.database} : {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        report = await import_roster(
            store,
            roster,
            at=SystemClock().now(),
            coordinators=config.bot.coordinators,
            prefix=config.bot.command_prefix,
            dry_run=dry_run,
        )
    finally:
        await store.close()
    if dry_run:
        print(ROSTER_DRY_RUN, file=out)
        for line in report.changes:
            print(line, file=out)
    for line in report.rejected:
        print(line, file=out)
    print(report.summary(), file=out)
    return 1 if report.rejected else 0


def _offline_config(path: str) -> Config | None:
    """The configuration for a tool that only reads the database; None (problems printed)."""
    try:
        return load_offline_config(path)
    except ConfigError as exc:
        _print_problems(exc)
        return None


def _print_problems(exc: ConfigError) -> None:
    for problem in exc.problems:
        print(problem, file=sys.stderr)


def _parse_now(value: str | None) -> datetime:
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    if value is None:
        return datetime.now(paris)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=paris)


def parse_command(
    now: str | None, text: str | None, batch: bool, stdin: TextIO, stdout: TextIO
) -> int:
    """`facilibot parse`: one message, or JSON lines in and out, in order."""
    from bot.parsing import parse

    if not batch:
        if text is None:
            print("facilibot parse : donnez un TEXTE, ou --batch", file=sys.stderr)
            return EXIT_CONFIG
        try:
            moment = _parse_now(now)
        except ValueError:
            print(f"--now : date ISO 8601 invalide {now!r}", file=sys.stderr)
            return EXIT_CONFIG
        print(json.dumps(parse(text, moment).to_json(), ensure_ascii=False), file=stdout)
        return 0
    status = 0
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            moment = _parse_now(item.get("now"))
            result = parse(str(item["text"]), moment).to_json()
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            result = {"error": f"ligne {number} : {exc}"}
            status = 1
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    stdout.flush()
    return status


def export_command(
    config_path: str, first: str, last: str, output: str | None, stdout: TextIO
) -> int:
    """Write missions per facilitator between two days (inclusive) as CSV; 0, or 2 on bad input."""
    config = _offline_config(config_path)
    if config is None:
        return EXIT_CONFIG
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        print(f"dates invalides ({first}, {last}) : format attendu AAAA-MM-JJ", file=sys.stderr)
        return EXIT_CONFIG
    if end < start:
        print(f"--to ({last}) est avant --from ({first})", file=sys.stderr)
        return EXIT_CONFIG
    if not config.storage.database.exists():
        print(f"storage.database : base introuvable ({config.storage.database})", file=sys.stderr)
        return EXIT_CONFIG
    text = asyncio.run(_export(config.storage.database, start, end))
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        print(f"{output} : {text.count(chr(10)) - 1} facilitateur(s) exporté(s).", file=sys.stderr)
    else:
        stdout.write(text)
    return 0


async def _export(database: Path, start: date, end: date) -> str:
    from bot.domain.reports import missions_csv, per_facilitator
    from storage.store import Store

    store = await Store.open(database)
    try:
        missions = await store.reports.missions_between(start, end)
        return missions_csv(per_facilitator(missions, await store.reports.names()))
    finally:
        await store.close()


def report_command(config_path: str, year: int, out: str) -> int:
    """Write the network's year as a PDF; 0, or 2 on bad input."""
    config = _offline_config(config_path)
    if config is None:
        return EXIT_CONFIG
    if not 2000 <= year <= 2100:
        print(f"--year : année invalide ({year}), attendu AAAA", file=sys.stderr)
        return EXIT_CONFIG
    if not config.storage.database.exists():
        print(f"storage.database : base introuvable ({config.storage.database})", file=sys.stderr)
        return EXIT_CONFIG
    data = asyncio.run(_report(config, year))
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        print(f"{out} : écriture impossible ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_CONFIG
    print(f"{out} : rapport {year} écrit ({len(data) // 1024} Kio).", file=sys.stderr)
    return 0


async def _report(config: Config, year: int) -> bytes:
    from bot.domain.craft import long_date
    from bot.domain.network_year import year_report
    from bot.domain.report_pdf import report_pdf
    from handlers.reports import format_delay
    from storage.store import Store

    tz = config.bot.tz
    store = await Store.open(config.storage.database)
    try:
        start = datetime(year, 1, 1, tzinfo=tz)
        requests = await store.reports.requests_created(start, datetime(year + 1, 1, 1, tzinfo=tz))
        first, last = date(year, 1, 1), date(year, 12, 31)
        missions = await store.reports.missions_between(first, last)
        directory = await store.reports.directory()
        comments = await store.reports.comments(first, last)
    finally:
        await store.close()
    report = year_report(year, requests, missions, directory, comments=comments, tz=tz)
    delay = report.stats.median_time_to_staff
    return report_pdf(
        report,
        network=config.network.name,
        made_on=long_date(datetime.now(tz).date()),
        delay=format_delay(delay) if delay is not None else "—",
    )


if __name__ == "__main__":
    raise SystemExit(main())
