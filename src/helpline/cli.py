"""The ``helpline`` command: serve, worker, db upgrade, createuser, token create."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from helpline.core.actor import SYSTEM
from helpline.core.db import Database
from helpline.core.errors import DomainError
from helpline.core.settings import Settings, SettingsError, load_settings
from helpline.eval_cli import eval_app
from helpline.kb_cli import kb_app

app = typer.Typer(help="Helpline: an open-source customer service platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(eval_app, name="eval")
app.add_typer(kb_app, name="kb")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        typer.echo(f"helpline: {error}", err=True)
        raise typer.Exit(2) from None


def _migrate(settings: Settings) -> None:
    from helpline.core.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)


def _fail(error: DomainError) -> typer.Exit:
    typer.echo(f"helpline: {error.detail}", err=True)
    return typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Load a realistic sample workspace.")] = False,
) -> None:
    """Run the web UI, the API and the background worker in one process."""
    import uvicorn

    from helpline.app import create_app

    settings = _settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    _migrate(settings)
    db = Database(settings.effective_database_url)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"  # noqa: S104
    if demo:
        from helpline.demo import load_demo

        info = load_demo(db)
        typer.echo(info.describe(url))
    mail = _start_mail_intake(settings, db)
    typer.echo(f"Helpline is running at {url}  (database: {db.dialect}; Ctrl+C to stop)")
    try:
        uvicorn.run(create_app(settings, db), host=host, port=port, log_level="warning")
    finally:
        for stop in mail:
            stop()


def _start_mail_intake(settings: Settings, db: Database) -> list[Callable[[], None]]:
    """Start the built-in SMTP server and the IMAP poller; return their stop functions."""
    from helpline.email.imap import ImapPoller
    from helpline.email.smtp import InboundSMTPServer

    stops: list[Callable[[], None]] = []
    if settings.smtp_enabled:
        server = InboundSMTPServer(
            db, settings.smtp_listen, restrict_to_mailboxes=settings.smtp_restrict_to_mailboxes
        )
        try:
            server.start()
        except OSError as error:
            typer.echo(f"helpline: cannot listen for email on {settings.smtp_listen}: {error}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Receiving email by SMTP on {settings.smtp_listen}")
        stops.append(server.stop)
    poller = ImapPoller(db, settings.secret_key)
    poller.start_thread()
    stops.append(poller.stop)
    return stops


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit.")] = False,
) -> None:
    """Deliver the outbox (emails, webhooks, events). Run as many as you like."""
    import helpline.app as _features  # noqa: F401  (importing the app registers every feature's hooks and jobs)
    from helpline.email import outbound as email_outbound
    from helpline.email.imap import ImapPoller
    from helpline.outbox.runner import OutboxRunner

    settings = _settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    db = Database(settings.effective_database_url)
    runner = OutboxRunner(
        db, max_attempts=settings.outbox_max_attempts, lease_seconds=settings.outbox_lease_seconds
    )
    if settings.smtp_relay_url:
        email_outbound.configure(settings.smtp_relay_url, settings.mail_from)
    from helpline import realtime
    from helpline.assist import enrich as assist_enrich

    assist_enrich.configure(data_dir=settings.data_dir)
    from helpline.kb import email_bot as kb_email_bot
    from helpline.kb.search import ArticleSearch

    ArticleSearch.configure(settings.data_dir / "kb")  # the bots' jobs search with the stored vectors
    kb_email_bot.configure(settings.base_url)

    realtime.attach(db, realtime.make_broker(settings.redis_url))  # chat follow-ups reach open sockets
    if once:
        typer.echo(f"delivered {runner.drain()} item(s)")
        return
    poller = ImapPoller(db, settings.secret_key)
    poller.start_thread()
    typer.echo(f"worker {runner.name} delivering from {db.dialect}; Ctrl+C to stop")
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop()
    finally:
        poller.stop()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest schema."""
    settings = _settings()
    _migrate(settings)
    typer.echo("database is up to date")


@app.command()
def createuser(
    email: Annotated[str, typer.Option(help="Sign-in email address.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[str, typer.Option(help="admin or agent.")] = "agent",
    password: Annotated[str | None, typer.Option(help="At least 10 characters.")] = None,
) -> None:
    """Create an agent or an admin."""
    from helpline.accounts.service import create_user

    settings = _settings()
    _migrate(settings)
    db = Database(settings.effective_database_url)
    try:
        with db.transaction() as session:
            user = create_user(session, SYSTEM, email=email, name=name, role=role, password=password)
            typer.echo(f"created {user.role} {user.email} (id {user.id})")
    except DomainError as error:
        raise _fail(error) from None


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="Email of the user (or customer) the token acts as.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
) -> None:
    """Issue an API token. The token is printed alone on the last line."""
    from helpline.accounts.service import create_token, find_user_by_email
    from helpline.customers.service import find_by_identity

    settings = _settings()
    _migrate(settings)
    db = Database(settings.effective_database_url)
    try:
        with db.transaction() as session:
            user = find_user_by_email(session, email)
            if user is not None:
                issued = create_token(session, SYSTEM, name=name, user_id=user.id)
                who = f"{user.role} {user.email}"
            else:
                customer = find_by_identity(session, "email", email)
                if customer is None:
                    typer.echo(f"helpline: nobody has the email {email}; create the user first", err=True)
                    raise typer.Exit(1)
                issued = create_token(session, SYSTEM, name=name, customer_id=customer.id)
                who = f"customer {email}"
    except DomainError as error:
        raise _fail(error) from None
    typer.echo(f"token for {who} (shown once; store it safely):")
    typer.echo(issued.secret)


def main() -> None:
    try:
        app()
    except SettingsError as error:
        typer.echo(f"helpline: {error}", err=True)
        sys.exit(2)
