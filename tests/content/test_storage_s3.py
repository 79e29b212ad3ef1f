"""Asset files in an S3-compatible store: a real S3 server (moto's, on a local port) takes
the place of the disk when PACER_STORAGE_URL names a bucket; uploads, renditions and the
file pages go through it, and a missing object reads as a missing file."""

import socket

import boto3
import pytest
from django.test import Client
from moto.server import ThreadedMotoServer

from pacer.content import assets, tasks
from pacer.content.storage import storage
from pacer.core.storage_s3 import S3Storage, StorageUrlError, parse_url
from tests.content.conftest import PASSWORD
from tests.content.test_assets import png

BUCKET = "pacer-media"


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch, settings):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.PACER_STORAGE_URL = f"s3://{BUCKET}/site?endpoint={s3_endpoint}&region=us-east-1"
    yield client
    for found in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=found["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_the_storage_url_is_read_and_a_bad_one_is_refused():
    assert parse_url("s3://media") == {
        "bucket": "media",
        "prefix": "",
        "endpoint": None,
        "region": None,
    }
    for bad in ("media", "file:///tmp", "s3:///prefix", "s3://b?secret=1"):
        with pytest.raises(StorageUrlError, match="PACER_STORAGE_URL"):
            parse_url(bad)


def test_the_store_saves_reads_and_deletes_objects_under_its_area(bucket):
    store = storage()
    assert isinstance(store, S3Storage)
    store.save("1/2/v1-a", b"\x00bytes")
    assert _keys(bucket) == ["site/assets/1/2/v1-a"]
    assert store.read("1/2/v1-a") == b"\x00bytes" and store.exists("1/2/v1-a")
    store.delete("1/2/v1-a")
    assert _keys(bucket) == [] and not store.exists("1/2/v1-a")
    with pytest.raises(FileNotFoundError):
        store.read("1/2/v1-a")
    for bad in ("../other/x", "/abs", "a//b", ""):
        with pytest.raises(ValueError, match="leaves the storage root"):
            store.save(bad, b"x")
    assert _keys(bucket) == []


@pytest.mark.django_db
def test_uploads_renditions_and_file_pages_go_through_the_bucket(workspace, team, bucket):
    asset = assets.upload_asset(
        workspace, name="Hero", filename="hero.png", data=png(300, 200), owner=team["editor"]
    )
    version = asset.versions.get()
    assert _keys(bucket) == [f"site/assets/{version.storage_key}"]
    assert tasks.render(version.pk) == 2
    assert len(_keys(bucket)) == 3
    client = Client()
    assert client.login(username=team["editor"].username, password=PASSWORD)
    original = client.get(f"/assets/{asset.pk}/v1/original/")
    assert original.status_code == 200 and original.content == png(300, 200)
    thumbnail = client.get(f"/assets/{asset.pk}/v1/thumbnail/")
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8\xff")
    bucket.delete_object(Bucket=BUCKET, Key=f"site/assets/{version.storage_key}")
    assert client.get(f"/assets/{asset.pk}/v1/original/").status_code == 404
