"""Files kept in an S3-compatible object store (AWS S3, MinIO, Ceph, R2, ...) through
boto3, with the interface of ``pacer.core.storage.LocalStorage`` (save, read, exists,
delete by key). ``pacer.core.storage.storage`` hands one out per area when
``PACER_STORAGE_URL`` names a bucket::

    PACER_STORAGE_URL=s3://bucket/optional/prefix?endpoint=http://localhost:9000&region=eu-west-1

Credentials come from boto3's usual places (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, a profile, an instance role). An object is written in one
``PutObject``, so a reader sees the whole file or none of it, as on the local disk.
"""

from functools import cache
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.exceptions import ClientError


class StorageUrlError(ValueError):
    """The storage URL is not an ``s3://bucket[/prefix][?endpoint=...&region=...]``."""


def parse_url(url: str) -> dict:
    """The bucket, prefix, endpoint and region a storage URL names.

    >>> found = parse_url("s3://media/pacer?endpoint=http://127.0.0.1:9000&region=eu-west-1")
    >>> found["bucket"], found["prefix"], found["endpoint"], found["region"]
    ('media', 'pacer', 'http://127.0.0.1:9000', 'eu-west-1')
    """
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise StorageUrlError(f"PACER_STORAGE_URL: expected s3://bucket[/prefix], not {url!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise StorageUrlError(f"PACER_STORAGE_URL: unknown option(s) {', '.join(sorted(unknown))}")
    return {
        "bucket": parts.netloc,
        "prefix": parts.path.strip("/"),
        "endpoint": query.get("endpoint") or None,
        "region": query.get("region") or None,
    }


@cache
def _client(endpoint: str | None, region: str | None):
    return boto3.client("s3", endpoint_url=endpoint, region_name=region)


class S3Storage:
    """One area's files under ``prefix/area/`` of a bucket."""

    def __init__(self, url: str, area: str):
        config = parse_url(url)
        self.bucket = config["bucket"]
        self.root = "/".join(p for p in (config["prefix"], area) if p)
        self.client = _client(config["endpoint"], config["region"])

    def _key(self, key: str) -> str:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"key {key!r} leaves the storage root")
        return f"{self.root}/{key}"

    def save(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def read(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from None
            raise
        return answer["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
