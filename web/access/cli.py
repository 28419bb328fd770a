"""`flask users …`: create staff and rider logins, issue API tokens, list accounts."""

from __future__ import annotations

import secrets

import click
from flask.cli import AppGroup

from layers.access import roles, tokens, users
from web.core.cli import run

users_cli = AppGroup("users", help="登录账号（工作人员、骑手）Staff and rider logins, API tokens.")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(roles.KNOWN),
              help="角色 role（rider = 骑手（流动网格员），非工作人员）")
@click.option("--scope", "scope", default=None,
              help="管辖范围代码 6/9/12/15 位；省略为全市（骑手不设）")
@click.option("--department", default=None, help="部门代码（部门工作人员必填）")
@click.option("--display-name", default=None, help="显示名称（默认同用户名）")
@click.option("--password", default=None, help="密码；省略时随机生成并打印")
@click.option("--ask-password", is_flag=True, help="交互输入密码 prompt for the password")
@click.option("--personal-data/--no-personal-data", default=None, help="可查看个人信息")
def users_create(
    name: str,
    role: str,
    scope: str | None,
    department: str | None,
    display_name: str | None,
    password: str | None,
    ask_password: bool,
    personal_data: bool | None,
) -> None:
    """Create a staff or rider login; prints the generated password when none was given (link a
    rider's login to its member with `flask members link`)."""
    if ask_password:
        password = click.prompt("密码 password", hide_input=True, confirmation_prompt=True)
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    user = run(
        lambda s: users.create_user(
            s,
            name,
            role,
            password,
            display_name=display_name,
            scope_code=scope,
            department_code=department,
            personal_data=personal_data,
        )
    )
    where = "" if user.role == roles.RIDER else f", scope {user.scope_code or '全市'}"
    click.echo(f"created {user.name} ({roles.label(user.role)}{where})")
    if generated:
        click.echo(f"password: {password}")


@users_cli.command("token")
@click.argument("name")
def users_token(name: str) -> None:
    """Print a new API token for NAME (shown only once)."""
    click.echo(run(lambda s: tokens.issue_token(s, name)))


@users_cli.command("revoke-tokens")
@click.argument("name")
def users_revoke_tokens(name: str) -> None:
    """Revoke every API token of NAME."""
    count = run(lambda s: tokens.revoke_tokens(s, name))
    click.echo(f"revoked {count} token(s) of {name}")


@users_cli.command("password")
@click.argument("name")
@click.option("--password", default=None, help="新密码；省略时随机生成并打印")
def users_password(name: str, password: str | None) -> None:
    """Set a new password for NAME (printed when generated)."""
    new = password or secrets.token_urlsafe(12)
    run(lambda s: users.set_password(s, name, new))
    click.echo(f"password of {name} changed" + ("" if password else f": {new}"))


@users_cli.command("list")
def users_list() -> None:
    """List the accounts: name, role, scope, department, personal data, active."""
    rows = run(users.list_users)
    for row in rows:
        flags = ("个人信息 " if row["personal_data"] else "") + ("" if row["active"] else "停用")
        click.echo(
            f"{row['name']:<20} {row['role_label']:<10} {row['scope_code'] or '全市':<15} "
            f"{row['department_code'] or '-':<12} {row['display_name']} {flags}".rstrip()
        )
    if not rows:
        click.echo("no users yet")
