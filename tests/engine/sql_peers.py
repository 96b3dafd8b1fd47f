"""The real PostgreSQL (127.0.0.1:5432, trust, db ``test``) and MariaDB (127.0.0.1:3306, root, no password, db ``test``)
of this project's machines: a throwaway schema / database per test, dropped after; skipped only where no server answers."""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass

import pytest

PG = {"host": "127.0.0.1", "port": 5432, "database": "test", "username": "postgres"}
MARIA = {"host": "127.0.0.1", "port": 3306, "database": "test", "username": "root", "password": ""}
START_HINT = ("start one with Debian's packages: apt-get install postgresql mariadb-server, then "
              "`service postgresql start` / `service mariadb start` (README.md, For contributors)")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


@dataclass
class Peer:
    auth: dict
    namespace: str  # the throwaway schema (PostgreSQL) or database (MariaDB)

    def config(self, **extra) -> dict:
        return {"authentication": {**self.auth, **extra}}


@pytest.fixture
def pg():
    if not _answers(5432):
        pytest.skip(f"no PostgreSQL answers on 127.0.0.1:5432; {START_HINT}")
    import psycopg

    schema = "keepwf_t_" + secrets.token_hex(4)
    with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres", autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
        c.execute(f"CREATE TABLE {schema}.disk (id int PRIMARY KEY, name text, defects numeric, seen timestamptz)")
        c.execute(f"INSERT INTO {schema}.disk VALUES (1, 'sda', 55.5, '2026-03-02T09:00:00Z'), "
                  f"(2, 'sdb', 12, '2026-03-02T08:00:00Z')")
        c.execute(f"CREATE TABLE {schema}.alert (alert_level text, alert_message text)")
    try:
        yield Peer(dict(PG), schema)
    finally:
        with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres", autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


def pg_rows(sql: str) -> list:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres", autocommit=True) as c:
        return c.execute(sql).fetchall()


@pytest.fixture
def maria():
    if not _answers(3306):
        pytest.skip(f"no MariaDB/MySQL answers on 127.0.0.1:3306; {START_HINT}")
    import pymysql

    db = "keepwf_t_" + secrets.token_hex(4)
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {db}")
        cur.execute(f"CREATE TABLE {db}.demo_table (id INT PRIMARY KEY, name VARCHAR(50), datetime DATETIME)")
        cur.execute(f"INSERT INTO {db}.demo_table VALUES (1, 'first', '2026-03-02 08:00:00'), "
                    f"(2, 'second', '2026-03-02 09:30:00')")
        cur.execute(f"CREATE TABLE {db}.customer (customer_id VARCHAR(20), name VARCHAR(50), email VARCHAR(80), "
                    f"tier VARCHAR(20))")
        cur.execute(f"INSERT INTO {db}.customer VALUES ('c-42', 'Acme', 'ops@acme.test', 'gold')")
    try:
        yield Peer({**MARIA, "database": db}, db)
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE {db}")
        conn.close()


def maria_rows(sql: str) -> list:
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
