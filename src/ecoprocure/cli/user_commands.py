"""Accounts and API tokens: ``ecoprocure user create-admin|add|token create|token revoke|token list``.

Passwords are read from a hidden prompt (asked twice) or one line of standard input with
``--password-stdin``; there is never a default password. Every change lands in the audit log with
the actor ``cli`` (or ``--actor``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ecoprocure.cli.context import console, database, fail, handles_errors, print_json
from ecoprocure.domain.accounts import Role, check_password, check_username, parse_role
from ecoprocure.store.accounts import (
    create_token,
    create_user,
    list_tokens,
    list_users,
    revoke_token,
    set_active,
)

user_app = typer.Typer(
    help="Accounts (admin, certification officer, procurement analyst) and API tokens.", no_args_is_help=True
)
token_app = typer.Typer(
    help="API tokens for machine clients (hashed at rest, revocable).", no_args_is_help=True
)
user_app.add_typer(token_app, name="token")

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from one line of standard input.")
]
DisplayName = Annotated[str | None, typer.Option("--display-name", help="The name shown to people.")]
Actor = Annotated[str, typer.Option(help="Who acts (written to the audit log).")]


def _password(username: str, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    check_password(password, check_username(username))
    return password


def _add(username: str, role: Role, password: str | None, display_name: str | None, actor: str) -> None:
    with database() as db, db.transaction() as session:
        user = create_user(session, username, role, password=password, display_name=display_name, actor=actor)
        console.print(f"created {user.role} {user.username}")


@user_app.command("create-admin")
@handles_errors
def create_admin(
    username: str,
    password_stdin: PasswordStdin = False,
    display_name: DisplayName = None,
    actor: Actor = "cli",
) -> None:
    """Create an administrator (asks for the password twice; never a default one)."""
    _add(username, Role.ADMIN, _password(username, password_stdin), display_name, actor)


@user_app.command("add")
@handles_errors
def add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, certification_officer or procurement_analyst.")],
    password_stdin: PasswordStdin = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="A machine account that signs in with API tokens only.")
    ] = False,
    display_name: DisplayName = None,
    actor: Actor = "cli",
) -> None:
    """Create an account with a role."""
    parsed = parse_role(role)
    password = None if no_password else _password(username, password_stdin)
    _add(username, parsed, password, display_name, actor)


@user_app.command("deactivate")
@handles_errors
def deactivate(username: str, actor: Actor = "cli") -> None:
    """Deactivate an account: its API tokens are refused from now on."""
    with database() as db, db.transaction() as session:
        user = set_active(session, username, False, actor=actor)
        console.print(f"deactivated {user.username}")


@user_app.command("activate")
@handles_errors
def activate(username: str, actor: Actor = "cli") -> None:
    """Activate a deactivated account again (its unrevoked tokens work again)."""
    with database() as db, db.transaction() as session:
        user = set_active(session, username, True, actor=actor)
        console.print(f"activated {user.username}")


@user_app.command("list")
@handles_errors
def list_accounts(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Accounts: username, role, active, whether a password is set (never the hash)."""
    with database() as db, db.transaction() as session:
        rows = [
            {
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role,
                "active": u.active,
                "has_password": u.password_hash is not None,
                "created_at": u.created_at,
            }
            for u in list_users(session)
        ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['username']:<24} {r['role']:<22} {'active' if r['active'] else 'deactivated'}")


@token_app.command("create")
@handles_errors
def token_create(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for (e.g. the client's name).")],
    actor: Actor = "cli",
) -> None:
    """Issue an API token; it is printed once and only its hash is kept."""
    if not name.strip() or len(name) > 100:
        fail("--name must have 1 to 100 characters")
    with database() as db, db.transaction() as session:
        token = create_token(session, username, name.strip(), actor=actor)
    sys.stderr.write(
        f"token {token.token_id} for {username}; shown once, keep it secret "
        f"(revoke with `ecoprocure user token revoke {token.token_id}`)\n"
    )
    sys.stdout.write(token.secret + "\n")


@token_app.command("revoke")
@handles_errors
def token_revoke(token_id: Annotated[str, typer.Argument(metavar="ID")], actor: Actor = "cli") -> None:
    """Revoke an API token by its id (the 8 characters after ``eco_``)."""
    with database() as db, db.transaction() as session:
        token = revoke_token(session, token_id, actor=actor)
        console.print(f"revoked token {token.token_id} ({token.name}) of {token.user.username}")


@token_app.command("list")
@handles_errors
def token_list(
    username: Annotated[str | None, typer.Argument()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """API tokens (ids, names, owners, dates; never the tokens themselves)."""
    with database() as db, db.transaction() as session:
        rows = [
            {
                "id": t.token_id,
                "name": t.name,
                "user": t.user.username,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in list_tokens(session, username)
        ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
        console.print(f"{r['id']}  {r['user']:<20} {r['name']:<30} {state}")
