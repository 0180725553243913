"""What compose runs in containers beside the app, provided by this machine for one run.

PostgreSQL and Redis are the ones already running on 127.0.0.1 (``CLUSTER_POSTGRES_URL``,
``CLUSTER_REDIS_URL`` point elsewhere); each run takes a database of its own on both and
gives it back. The S3 server is moto's, started for the run.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import boto3
import psycopg
import redis
from psycopg import sql

from tests.support.processes import answers, free_port, stop_process_group, wait_for

ADMIN_DATABASE_URL = os.environ.get(
    "CLUSTER_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_ORIGIN = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
# Never 0 and 1 (`make run`'s and compose's numbers), 13 (bench/gallery_cache.py's), 14 (the
# cache tests') nor 15 (the RQ backend test's); and only an empty one (see RedisDatabases).
REDIS_CANDIDATES = range(12, 1, -1)
_CLAIM_KEY = "dreamjourney-cluster:claim"


class BackingUnavailable(RuntimeError):
    """PostgreSQL or Redis does not answer where the run expects it."""


class FreshDatabase:
    """A new PostgreSQL database named ``dreamjourney_cluster_<random>``, dropped on ``drop``."""

    def __init__(self, admin_url: str = ADMIN_DATABASE_URL) -> None:
        self.admin_url = admin_url
        self.name = f"dreamjourney_cluster_{secrets.token_hex(4)}"
        self.url = f"{admin_url.rsplit('/', 1)[0]}/{self.name}"
        self._connection: psycopg.Connection | None = None

    def create(self) -> FreshDatabase:
        try:
            with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        except psycopg.OperationalError as exc:
            raise BackingUnavailable(f"PostgreSQL at {self.admin_url}: {exc}") from exc
        return self

    def rows(self, query: str, params: tuple = ()) -> list[tuple]:
        """Run a read on the run's database (one connection, kept open until ``drop``)."""
        if self._connection is None:
            self._connection = psycopg.connect(self.url, autocommit=True)
        return self._connection.execute(query, params).fetchall()

    def drop(self) -> bool:
        """Drop the database, whoever is still connected; ``True`` once it is gone."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
            left = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return left.fetchone() is None


class RedisDatabases:
    """Database numbers on the local Redis that nobody uses, claimed for one run.

    A number is taken only if it is empty, and claimed with a key set only-if-absent, so two
    runs at once never share one. ``release`` flushes them.
    """

    def __init__(self, origin: str = REDIS_ORIGIN) -> None:
        self.origin = origin
        self.numbers: list[int] = []
        self._run = secrets.token_hex(8)

    def client(self, number: int) -> redis.Redis:
        return redis.Redis.from_url(f"{self.origin}/{number}")

    def claim(self, count: int) -> list[int]:
        try:
            self.client(0).ping()
        except redis.ConnectionError as exc:
            raise BackingUnavailable(f"Redis at {self.origin}: {exc}") from exc
        for number in REDIS_CANDIDATES:
            if len(self.numbers) == count:
                break
            db = self.client(number)
            if db.dbsize() == 0 and db.set(_CLAIM_KEY, self._run, nx=True):
                self.numbers.append(number)
        if len(self.numbers) < count:
            self.release()
            raise BackingUnavailable(f"fewer than {count} empty Redis databases at {self.origin}")
        return list(self.numbers)

    def release(self) -> bool:
        """Flush every claimed database; ``True`` when all are empty again."""
        empty = True
        for number in self.numbers:
            db = self.client(number)
            db.flushdb()
            empty = empty and db.dbsize() == 0
        return empty


class MotoServer:
    """moto's S3 server (what compose's MinIO is) in its own process group on a free port."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> MotoServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: answers(f"{self.origin}/moto-api/"), timeout=30)
        return self

    def stop(self) -> None:
        stop_process_group(self.process)


def s3_client(origin: str, *, key: str, secret: str, region: str):
    return boto3.client(
        "s3",
        endpoint_url=origin,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name=region,
    )


def bucket_create(client, bucket: str) -> None:
    """What compose's ``createbucket`` does: the bucket, with no anonymous access."""
    client.create_bucket(Bucket=bucket)
    client.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def bucket_objects(client, bucket: str) -> dict[str, int]:
    """Every object key in the bucket with its size."""
    objects: dict[str, int] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        objects.update((item["Key"], item["Size"]) for item in page.get("Contents", []))
    return objects
