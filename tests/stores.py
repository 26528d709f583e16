"""Fixtures for tests that must hold on both media backends: disk and S3.

`store` is parametrized: a test that takes it runs once with MEDIA_ROOT on
disk and once with a bucket on moto's S3 server (tests.s3), reached through
a `FaultyS3` proxy the test can make fail. Both give the test the same
handle to look at, plant and remove stored files behind the app's back.
"""

import os
import time
import uuid

import pytest

from tests import s3


class DiskStore:
    backend = "disk"

    def __init__(self, root):
        self.root = root

    def names(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def write(self, name: str, data: bytes):
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def remove(self, name: str):
        (self.root / name).unlink()

    def age(self, name: str, seconds: int = 3600):
        past = time.time() - seconds
        os.utime(self.root / name, (past, past))


class S3Store:
    backend = "s3"

    def __init__(self, endpoint: str, bucket: str, prefix: str, faults: s3.FaultyS3):
        self.client = s3.client(endpoint)
        self.bucket = bucket
        self.prefix = prefix
        self.faults = faults

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def names(self) -> list[str]:
        keys = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys += [entry["Key"] for entry in page.get("Contents", ())]
        assert all(key.startswith(self._key("")) for key in keys), keys
        return sorted(key[len(self._key("")):] for key in keys)

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()

    def head(self, name: str) -> dict:
        return self.client.head_object(Bucket=self.bucket, Key=self._key(name))

    def write(self, name: str, data: bytes):
        self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)

    def remove(self, name: str):
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """moto's S3 server, started once per test run, only if a test asks for S3."""
    server = s3.MotoServer(tmp_path_factory.mktemp("moto") / "moto.log").start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(moto_server):
    """A new, empty bucket on the S3 server."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3.client(moto_server.url).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(moto_server, s3_bucket, settings, media_root):
    """The app's media on S3 (under a prefix, as S3_PREFIX puts it), through a proxy."""
    faults = s3.FaultyS3(moto_server.url)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3.storage_settings(s3_bucket, faults.url, prefix="media"),
    }
    yield S3Store(moto_server.url, s3_bucket, "media", faults)
    faults.close()


@pytest.fixture(params=["disk", "s3"])
def store(request, media_root):
    """The app's media on disk, then on S3: the same test runs on both."""
    if request.param == "s3":
        return request.getfixturevalue("s3_store")
    return DiskStore(media_root)
