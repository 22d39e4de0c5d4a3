"""Two installations on one machine exchange intelligence, as two agencies would.

Each installation has its own data directory (its own database), its own web server on its own
port and its own Celery worker. Installation A sends a report to installation B twice: once as
a file (downloaded at A, uploaded at B: an air-gapped link) and once pushed from A's server to
B's inbox. B takes each report into intake with provenance and the grading carried into its
scheme; a tampered copy and a replay are refused; both audit trails hold the right events; and
B cannot pass the report on against A's "originator consent" condition.

The schema is migrated once and copied (SQLite file, or a PostgreSQL template database), so
the test stays well under two minutes.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.e2e.platform import ROOT, Platform, free_port

pytestmark = pytest.mark.e2e

PASSWORD = "exchange-e2e-password-5c1d"
JUSTIFICATION = "OP-EXCHANGE e2e: sharing with a partner agency"

SETUP_A = """
import json
from exchange import services
from ilp_platform.core import context
from ilp_platform.accounts.models import Compartment, User
from intelligence.services.reports import create_report, evaluate_report
key, _ = services.create_keys(actor=None)
general = Compartment.objects.get(slug="general")
officer, analyst = User.objects.get(username="officer"), User.objects.get(username="analyst")
with context.acting(user=officer, justification="setup"):
    report = create_report(actor=officer, submit=True, data={
        "grading_scheme": "3x5x2", "source_evaluation": "2", "intelligence_assessment": "B",
        "handling_code": "P", "handling_conditions": "", "compartment": general,
        "text": "Covert source Q: the courier meets the buyer at the ferry port.",
        "has_special_category": False, "source": None})
with context.acting(user=analyst, justification="setup"):
    evaluate_report(report, actor=analyst, grading_data={},
                    sanitised_text="A courier meets a buyer at the ferry port on Fridays.")
print(json.dumps({"public_key": key.public_key, "fingerprint": key.fingerprint,
                  "report": report.pk, "urn": report.urn}))
"""

SETUP_B = """
import json
from exchange import services
key, _ = services.create_keys(actor=None)
print(json.dumps({"public_key": key.public_key, "fingerprint": key.fingerprint}))
"""

SEED = """
import io
import os
from audit.services import service_scope
from ilp_platform.accounts.seed import seed_accounts
class C:
    demo_password = os.environ["DEMO_PASSWORD"]
    password_given = True
    stdout = io.StringIO()
with service_scope():
    seed_accounts(C())
"""

PROVENANCE = """
import json
from intelligence.models import Provenance
print(json.dumps([{"report": p.report_id, "originator": p.originator,
                   "original_reference": p.original_reference,
                   "grading_as_given": p.grading_as_given, "conditions": p.conditions,
                   "data_quality": sorted(p.data_quality)}
                  for p in Provenance.objects.order_by("id")]))
"""


def _env(data_dir: Path, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
    env.update(
        ILP_ENV="development",
        ILP_DATA_DIR=str(data_dir),
        DEMO_PASSWORD=PASSWORD,
        CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_SETTINGS_MODULE="ilp_platform.settings",
        PYTHONUNBUFFERED="1",
        TWO_FACTOR_ENFORCED="false",
    )
    env.pop("TEST_DATABASE_NAME", None)
    env.pop("REDIS_URL", None)  # each installation its own embedded broker
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _manage(platform: Platform, *args: str) -> str:
    result = platform.manage(*args, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _shell(platform: Platform, code: str):
    out = _manage(platform, "shell", "-c", code).strip().splitlines()
    return json.loads(out[-1]) if out else None


def _databases(tmp: Path) -> tuple[str | None, str | None]:
    """Two database URLs on PostgreSQL (A migrated, B made from it as a template), or None for
    the SQLite file in each data directory."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None, None
    import psycopg

    suffix = os.environ.get("PYTEST_XDIST_WORKER", "") + uuid.uuid4().hex[:6]
    names = (f"exchange_a_{suffix}", f"exchange_b_{suffix}")
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{names[0]}"')
    parsed = urlparse(url)
    return tuple(parsed._replace(path=f"/{n}").geturl() for n in names)  # type: ignore[return-value]


def _copy_database(a: Platform, b: Platform) -> None:
    url = a.env.get("DATABASE_URL")
    if not url:
        shutil.copy(a.data_dir / "ilp.sqlite3", b.data_dir / "ilp.sqlite3")
        return
    import psycopg

    source = urlparse(url).path.lstrip("/")
    target = urlparse(b.env["DATABASE_URL"]).path.lstrip("/")
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def _start(platform: Platform, name: str) -> None:
    port = urlparse(platform.base_url).port
    web_log, worker_log = platform.data_dir / "web.log", platform.data_dir / "worker.log"
    platform.logs = [web_log, worker_log]
    platform.processes.append(
        subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=platform.env,
            stdout=open(web_log, "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
    )
    platform.processes.append(
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ilp_platform",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"exchange-{name}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=platform.env,
            stdout=open(worker_log, "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
    )


def _wait(platform: Platform) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{platform.base_url}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"{platform.base_url} did not answer /healthz:\n{platform.log_tail()}")


class Api:
    """A signed-in person on one installation's API."""

    def __init__(self, platform: Platform, username: str):
        self.base = platform.base_url + "/api/v1/"
        status, body = self.call(
            "POST", "auth/token/", {"username": username, "password": PASSWORD}, auth=False
        )
        assert status == 200, body
        self.token = body["token"]

    def call(
        self,
        method,
        path,
        data=None,
        *,
        auth=True,
        raw: bytes | None = None,
        content_type="application/json",
    ):
        headers = {"Accept": "application/json", "X-Justification": JUSTIFICATION}
        if auth:
            headers["Authorization"] = f"Token {self.token}"
        body = raw if raw is not None else (json.dumps(data).encode() if data is not None else None)
        if body is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(
            self.base + path,
            data=body,
            method=method,  # noqa: S310
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                payload = response.read()
                status = response.status
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            payload, status, kind = exc.read(), exc.code, exc.headers.get("Content-Type", "")
        if "json" in kind and not path.endswith("download/"):
            return status, json.loads(payload or b"null")
        return status, payload

    def upload(self, path: str, name: str, content: bytes):
        boundary = uuid.uuid4().hex
        body = (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/json\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.call(
            "POST", path, raw=body, content_type=f"multipart/form-data; boundary={boundary}"
        )


def _events(admin: Api, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    status, body = admin.call("GET", f"audit/events/?{query}")
    assert status == 200, body
    return body["results"]


def _built(api: Api, package_id: int) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, body = api.call("GET", f"exchange/packages/{package_id}/")
        assert status == 200, body
        if body["status"] in ("succeeded", "failed"):
            assert body["status"] == "succeeded", body["message"]
            return body
        time.sleep(0.3)
    raise AssertionError("the package job did not finish within a minute")


@pytest.fixture(scope="module")
def installations():
    tmp = Path(tempfile.mkdtemp(prefix="ilp-exchange-"))
    url_a, url_b = _databases(tmp)
    platforms = []
    for name, url in (("a", url_a), ("b", url_b)):
        data_dir = tmp / name
        data_dir.mkdir()
        platforms.append(
            Platform(
                base_url=f"http://127.0.0.1:{free_port()}",
                env=_env(data_dir, url),
                data_dir=data_dir,
            )
        )
    a, b = platforms
    try:
        _manage(a, "migrate", "--noinput", "-v", "0")
        _manage(a, "shell", "-c", SEED)
        _copy_database(a, b)
        with ThreadPoolExecutor(2) as pool:  # the two installations' keys, side by side
            setups = {"a": pool.submit(_shell, a, SETUP_A), "b": pool.submit(_shell, b, SETUP_B)}
            info = {name: future.result() for name, future in setups.items()}
        for platform, name in ((a, "a"), (b, "b")):
            _start(platform, name)
        for platform in (a, b):
            _wait(platform)
        yield a, b, info
    finally:
        for platform in platforms:
            platform.stop()
        if os.environ.get("DATABASE_URL") and url_a:
            import psycopg

            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
                for url in (url_a, url_b):
                    conn.execute(
                        f'DROP DATABASE IF EXISTS "{urlparse(url).path.lstrip("/")}" WITH (FORCE)'
                    )
        shutil.rmtree(tmp, ignore_errors=True)


def test_two_installations_exchange_a_report_by_file_and_by_push(installations):
    a, b, info = installations
    admin_a, admin_b = Api(a, "admin"), Api(b, "admin")
    analyst_a, analyst_b = Api(a, "analyst"), Api(b, "analyst")

    # Each administrator registers the other installation with the key its peer read out.
    status, partner_b = admin_a.call(
        "POST",
        "exchange/partners/",
        {
            "name": "Agency B",
            "country": "NL",
            "contact": "Liaison desk B",
            "public_key": info["b"]["public_key"],
            "grading_scheme": "4x4",
            "sendable_compartments": ["general"],
            "intake_compartment": "general",
            "inbox_url": b.base_url + "/api/v1/exchange/inbox/",
        },
    )
    assert status == 201, partner_b
    assert partner_b["fingerprint"] == info["b"]["fingerprint"]
    status, partner_a = admin_b.call(
        "POST",
        "exchange/partners/",
        {
            "name": "Agency A",
            "country": "GB",
            "contact": "Liaison desk A",
            "public_key": info["a"]["public_key"],
            "grading_scheme": "3x5x2",
            "sendable_compartments": ["general"],
            "intake_compartment": "general",
        },
    )
    assert status == 201, partner_a

    # --- By file: A builds (a real worker), downloads; B uploads. --------------------------
    request = {
        "partner": partner_b["id"],
        "reports": [info["a"]["report"]],
        "legal_basis": "Cooperation agreement A-B, art. 4",
        "conditions": ["originator_consent"],
    }
    status, package = analyst_a.call("POST", "exchange/packages/", request)
    assert status == 201, package
    package = _built(analyst_a, package["id"])
    status, sealed = analyst_a.call("GET", f"exchange/packages/{package['id']}/download/")
    assert status == 200 and b"Covert source" not in sealed and b"courier" not in sealed

    status, received = analyst_b.upload("exchange/inbox/", "package.json", sealed)
    assert status == 201, received
    assert received["partner"] == "Agency A" and received["report_count"] == 1
    report_id = received["report_ids"][0]
    status, report = analyst_b.call("GET", f"reports/{report_id}/")
    assert status == 200, report
    # 3x5x2 "2B P" at A arrives as 4x4 "X3 H0" at B, awaiting evaluation.
    assert (
        report["grading_scheme"],
        report["source_evaluation"],
        report["intelligence_assessment"],
        report["handling_code"],
    ) == ("4x4", "X", "3", "H0")
    assert report["status"] == "submitted"
    assert "ferry port" in report["sanitised_text"]

    # A tampered copy and a replay are refused, naming why; nothing is stored.
    envelope = json.loads(sealed)
    raw = bytearray(base64.b64decode(envelope["sealed"]))
    raw[100] ^= 0x20
    envelope["sealed"] = base64.b64encode(bytes(raw)).decode()
    status, refused = analyst_b.upload(
        "exchange/inbox/", "tampered.json", json.dumps(envelope).encode()
    )
    assert status == 400 and refused["refused"] == "altered", refused
    status, refused = analyst_b.upload("exchange/inbox/", "package.json", sealed)
    assert status == 400 and refused["refused"] == "replayed", refused

    # --- By push: A's server POSTs the package to B's inbox, authenticated by its signature.
    status, second = analyst_a.call("POST", "exchange/packages/", request)
    assert status == 201, second
    _built(analyst_a, second["id"])
    status, pushed = analyst_a.call("POST", f"exchange/packages/{second['id']}/push/")
    assert status == 200 and pushed["pushed_at"], pushed
    status, inbox = analyst_b.call("GET", "exchange/inbox/")
    assert status == 200
    assert sorted(r["channel"] for r in inbox["results"]) == ["push", "upload"]

    provenance = _shell(b, PROVENANCE)
    assert len(provenance) == 2
    for row in provenance:
        assert row["originator"] == "Agency A"
        assert row["original_reference"] == info["a"]["urn"]
        assert row["grading_as_given"] == "2B P (3x5x2)"
        assert row["conditions"] == ["originator_consent"]
        assert {"accuracy", "completeness", "reliability"} <= set(row["data_quality"])

    # --- B may not pass the report on against A's condition. -------------------------------
    _shell(
        b,
        f"""
import json
from ilp_platform.core import context
from ilp_platform.accounts.models import User
from intelligence.models import Report
from intelligence.services.reports import evaluate_report
analyst2 = User.objects.get(username="analyst2")
with context.acting(user=analyst2, justification="e2e"):
    evaluate_report(Report.objects.get(pk={report_id}), actor=analyst2, grading_data={{}},
                    sanitised_text="A courier meets a buyer at a port.")
print(json.dumps(True))
""",
    )
    status, partner_c = admin_b.call(
        "POST",
        "exchange/partners/",
        {
            "name": "Agency C",
            "country": "ES",
            "contact": "Desk C",
            "public_key": _other_key(),
            "grading_scheme": "3x5x2",
            "sendable_compartments": ["general"],
            "intake_compartment": "general",
        },
    )
    assert status == 201, partner_c
    status, onward = analyst_b.call(
        "POST",
        "exchange/packages/",
        {
            "partner": partner_c["id"],
            "reports": [report_id],
            "legal_basis": "Onward",
            "conditions_acknowledged": True,
        },
    )
    assert status == 400 and "consent" in json.dumps(onward), onward

    # --- Both audit trails. ----------------------------------------------------------------
    disclosed = [e for e in _events(admin_a, action="disclose") if e["outcome"] == "success"]
    assert len(disclosed) == 2
    assert all(e["recipient"] == "Agency B" for e in disclosed)
    assert all(e["details"]["reports"] == [info["a"]["urn"]] for e in disclosed)
    assert all(e["details"]["legal_basis"] == request["legal_basis"] for e in disclosed)
    taken = _events(admin_b, object_type="exchange.receivedpackage", action="create")
    outcomes = sorted(
        (e["outcome"], e["details"].get("refused", e["details"].get("channel"))) for e in taken
    )
    assert outcomes == [
        ("denied", "altered"),
        ("denied", "replayed"),
        ("success", "push"),
        ("success", "upload"),
    ]
    refused_onward = [e for e in _events(admin_b, action="disclose") if e["outcome"] == "denied"]
    assert refused_onward and refused_onward[0]["recipient"] == "Agency C"


def _other_key() -> str:
    from exchange.crypto import PrivateIdentity

    return PrivateIdentity.generate().public.text
