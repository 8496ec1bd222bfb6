"""Evidence files in an S3-compatible store (NHACVIEC_EVIDENCE_STORE=s3), against a real S3 server on 127.0.0.1
(moto's ThreadedMotoServer): a file sent from chat through one worker is downloaded from the desk of another
worker that has nothing on its own disk; nothing is read from the machine's AWS configuration."""
from __future__ import annotations

import hashlib

import httpx

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from bot.inbound import StartupRefused, preflight
from services.evidence import S3Store, evidence_store, read_evidence, store_evidence
from storage.models import Assignment, Evidence, Status, StatusChange
from tests.fakes import FakeFile, refuse_internet
from tests.telegram_harness import running_bot
from tests.test_telegram_e2e import STAFF, join, open_card, texts_to
from tests.web_harness import make_desk, signed_in

PDF = b"%PDF-1.4\n% bao cao CCHC quy I (S3)\n" + b"1" * 3000 + b"\n%%EOF\n"
BUCKET = "nhacviec-evidence"


def poison_aws_environment(monkeypatch, tmp_path) -> None:
    """The machine's AWS set-up points somewhere else entirely: using any of it would show."""
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = us-west-2\nendpoint_url = http://192.0.2.1:9\n"
                      "[profile elsewhere]\nregion = eu-north-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-such-aws-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "WRONG-KEY-FROM-THE-ENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "WRONG-SECRET-FROM-THE-ENVIRONMENT")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "sa-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://192.0.2.1:9")   # unroutable: used only if our endpoint is ignored


@pytest.fixture
def s3(monkeypatch, tmp_path):
    """A real S3 server on 127.0.0.1 (moto's, in a thread of this process)."""
    from moto.server import ThreadedMotoServer
    poison_aws_environment(monkeypatch, tmp_path)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        httpx.post(f"{endpoint}/moto-api/reset").raise_for_status()    # moto keeps buckets per process
        yield endpoint
    finally:
        server.stop()


def s3_settings(settings, endpoint: str, evidence_dir):
    return settings.model_copy(update={
        "evidence_store": "s3", "s3_endpoint": endpoint, "s3_bucket": BUCKET, "s3_region": "ap-southeast-1",
        "s3_access_key": SecretStr("nhacviec-test-key"), "s3_secret_key": SecretStr("nhacviec-test-secret"),
        "evidence_dir": evidence_dir})


async def test_a_file_sent_through_one_worker_downloads_from_the_desk_of_another(settings, engine, s3, tmp_path):
    chat_worker = s3_settings(settings, s3, tmp_path / "worker-1-evidence")
    with refuse_internet():
        evidence_store(chat_worker).client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
        async with running_bot(chat_worker, engine) as h:
            await join(h, STAFF, "VP")
            card = await open_card(h, STAFF, "1")
            h.fake.push_message(STAFF, STAFF, "xong", reply_to=card["message_id"],
                                document=FakeFile("Báo cáo quý I.pdf", PDF, "application/pdf"))
            await h.fake.wait_for_async(lambda: any("✅ Đã ghi nhận" in t for t in texts_to(h.fake, STAFF)))
            [evidence] = h.rows(Evidence)
            [done] = h.rows(Assignment, Assignment.id == evidence.assignment_id)
        assert done.status == Status.DONE and evidence.sha256 == hashlib.sha256(PDF).hexdigest()
        key = f"evidence/{evidence.sha256[:2]}/{evidence.sha256}_Báo_cáo_quý_I.pdf"
        assert evidence.stored_path == f"s3://{BUCKET}/{key}"
        assert not (tmp_path / "worker-1-evidence").exists()                  # nothing on the worker's disk
        listed = evidence_store(chat_worker).client.list_objects_v2(Bucket=BUCKET)["Contents"]
        assert [o["Key"] for o in listed] == [key]

        other_worker = s3_settings(settings, s3, tmp_path / "worker-2-evidence")
        desk = make_desk(other_worker, engine)
        download = signed_in(desk).get(f"/evidence/{evidence.id}")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"] == (
            "attachment; filename*=utf-8''B%C3%A1o%20c%C3%A1o%20qu%C3%BD%20I.pdf")
        assert signed_in(desk).get(f"/evidence/{evidence.id}?open=1").headers["content-disposition"].startswith(
            "inline")
        assert signed_in(desk, unit_code="THPT-KL").get(f"/evidence/{evidence.id}").status_code == 403


def test_the_same_file_twice_is_one_object_and_a_missing_object_is_404(settings, engine, s3, tmp_path):
    cfg = s3_settings(settings, s3, tmp_path / "unused")
    store = evidence_store(cfg)
    assert isinstance(store, S3Store) and evidence_store(cfg) is store       # one client per configuration
    with refuse_internet():
        store.client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
        desk = make_desk(cfg, engine)
        with Session(engine, expire_on_commit=False) as session:
            a = session.get(Assignment, 1)
            first = store_evidence(session, assignment_id=a.id, data=PDF, name="bc.pdf", mime="application/pdf",
                                   channel="zalo_bot", uploaded_by=None, limit=10**6, store=store)
            again = store_evidence(session, assignment_id=a.id, data=PDF, name="bc.pdf", mime="application/pdf",
                                   channel="zalo_bot", uploaded_by=None, limit=10**6, store=store)
            session.commit()
        assert first.stored_path == again.stored_path
        assert len(store.client.list_objects_v2(Bucket=BUCKET)["Contents"]) == 1
        store.client.delete_object(Bucket=BUCKET, Key=first.stored_path.split("/", 3)[3])
        assert read_evidence(cfg, first.stored_path) is None
        assert signed_in(desk).get(f"/evidence/{first.id}").status_code == 404


async def test_an_unreachable_store_changes_nothing_and_says_so_in_vietnamese(settings, engine, tmp_path):
    # A port nothing listens on: the upload fails, the "xong" with its file is not recorded, the staff is told.
    cfg = s3_settings(settings, "http://127.0.0.1:9", tmp_path / "unused")
    with refuse_internet():
        async with running_bot(cfg, engine) as h:
            await join(h, STAFF, "VP")
            card = await open_card(h, STAFF, "1")
            before = len(h.fake.sent)
            h.fake.push_message(STAFF, STAFF, "xong", reply_to=card["message_id"],
                                document=FakeFile("bc.pdf", PDF, "application/pdf"))
            await h.fake.wait_for_sent_async(before + 1, timeout=120)
            assert "Không lưu được tệp vào kho lưu trữ tệp của Sở (S3)" in texts_to(h.fake, STAFF)[-1]
            assert h.rows(Evidence) == [] and h.rows(StatusChange, StatusChange.field == "status") == []


def test_run_refuses_an_s3_store_without_its_settings(settings):
    with pytest.raises(StartupRefused) as refused:
        preflight(settings.model_copy(update={"evidence_store": "s3", "s3_endpoint": "http://127.0.0.1:9"}))
    assert "NHACVIEC_S3_BUCKET, NHACVIEC_S3_ACCESS_KEY, NHACVIEC_S3_SECRET_KEY" in str(refused.value)


def test_the_client_uses_only_the_nhacviec_settings(settings, monkeypatch, tmp_path):
    poison_aws_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_PROFILE", "a-profile-that-does-not-exist")   # botocore would refuse to start with it
    client = S3Store(endpoint="http://127.0.0.1:9000", bucket=BUCKET, access_key="nhacviec-key",
                     secret_key="nhacviec-secret", region="ap-southeast-1").client
    assert client.meta.endpoint_url == "http://127.0.0.1:9000" and client.meta.region_name == "ap-southeast-1"
    credentials = client._get_credentials()
    assert (credentials.access_key, credentials.secret_key) == ("nhacviec-key", "nhacviec-secret")


def test_the_desk_says_when_the_store_cannot_be_reached(settings, engine, tmp_path):
    cfg = s3_settings(settings, "http://127.0.0.1:9", tmp_path / "unused")      # nothing listens there
    desk = make_desk(cfg, engine)
    with Session(engine, expire_on_commit=False) as session:
        item = Evidence(assignment_id=1, stored_path=f"s3://{BUCKET}/evidence/ab/abc_bc.pdf", original_name="bc.pdf",
                        size=3, sha256="abc", mime="application/pdf", channel="telegram", uploaded_by=None)
        session.add(item)
        session.commit()
    with refuse_internet():
        answer = signed_in(desk).get(f"/evidence/{item.id}")
    assert answer.status_code == 503 and "Kho lưu trữ tệp tạm thời không truy cập được" in answer.text
