"""Count what a piece of code sends to the database: SQL statements, transaction
control (BEGIN, SAVEPOINT, ...) and commits, the latter including writes that commit
on their own (peewee runs in autocommit mode outside ``atomic()``)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class SqlCount:
    statements: int = 0   # SELECT, INSERT, UPDATE, DELETE
    control: int = 0      # BEGIN, SAVEPOINT, RELEASE, COMMIT, ROLLBACK
    commits: int = 0      # COMMITs plus writes outside a transaction
    log: list[str] = field(default_factory=list)

    def per(self, n: int) -> dict:
        return {"statements": round(self.statements / n, 2),
                "round_trips": round((self.statements + self.control) / n, 2),
                "commits": round(self.commits / n, 2)}


@contextmanager
def count_sql(database):
    """Count the SQL that ``database`` (a peewee Database, not the proxy) executes."""
    count = SqlCount()
    execute, begin, commit = database._execute_cursor, database.begin, database.commit

    def note(sql: str) -> None:
        verb = sql.lstrip().split(None, 1)[0].upper()
        count.log.append(sql)
        if verb in CONTROL:
            count.control += 1
            return
        count.statements += 1
        if verb in WRITES and not database.in_transaction():
            count.commits += 1

    def counted_execute(sql, params, **options):
        note(sql)
        return execute(sql, params, **options)

    def counted_begin(*args, **kwargs):
        count.control += 1
        count.log.append("BEGIN")
        return begin(*args, **kwargs)

    def counted_commit(*args, **kwargs):
        count.control += 1
        count.commits += 1
        count.log.append("COMMIT")
        return commit(*args, **kwargs)

    database._execute_cursor = counted_execute
    database.begin, database.commit = counted_begin, counted_commit
    try:
        yield count
    finally:
        del database._execute_cursor, database.begin, database.commit
