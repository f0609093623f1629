#!/usr/bin/env python3
"""Makes Tests/FivetranNotifyCoreTests/Fixtures/upgrade-0.1.0/: a state directory written by the 0.1.0
release, kept so the upgrade test proves that a newer binary takes it over in place and delivers what
it held.

    scripts/make-upgrade-fixture.py PATH-TO-0.1.0-fivetran-notify

It runs the given (old) binary's `listen` against a fake Slack on 127.0.0.1 and leaves, at a SIGTERM:
two alerts delivered, one failed for good (Slack 404), three alerts pending (Slack answering 500),
a reminder and a recovery pending, the open incidents behind them, and one mute (50 years). Not part
of the build or the tests; run it only to remake the fixture with a release that wrote it.
"""
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = "upgrade-fixture-signing-key-0123456789abcdef"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "FivetranNotifyCoreTests", "Fixtures", "upgrade-0.1.0")


class FakeSlack(BaseHTTPRequestHandler):
    """Answers each post with the next status in `answers` (the last one repeats)."""

    answers = []
    posts = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        FakeSlack.posts.append(body)
        status = FakeSlack.answers.pop(0) if len(FakeSlack.answers) > 1 else FakeSlack.answers[0]
        text = b"ok" if status == 200 else b"no_service" if status == 404 else b"oops"
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    sys.exit(f"make-upgrade-fixture: timed out waiting for {what}")


def delivery(connector, status, created, reason="Sync failed: relation \"orders\" does not exist"):
    body = {
        "event": "sync_end",
        "created": created,
        "connector_type": "postgres",
        "connector_id": connector,
        "connector_name": connector.replace("_", " "),
        "destination_group_id": "upgrade_group",
        "sync_id": f"sync-{connector}-{created}",
        "data": {"status": status},
    }
    if status != "SUCCESSFUL":
        body["data"]["reason"] = reason
    return json.dumps(body, separators=(",", ":")).encode()


def post(port, body):
    sig = hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest().upper()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-Fivetran-Signature-256": sig})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200, answer.status


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp()
    state = os.path.join(work, "state")
    slack = ThreadingHTTPServer(("127.0.0.1", 0), FakeSlack)
    threading.Thread(target=slack.serve_forever, daemon=True).start()
    slack_url = f"http://127.0.0.1:{slack.server_address[1]}/services/T000/B000/XXXX"
    port = free_port()
    env = dict(os.environ, FIVETRAN_SIGNING_KEY=KEY, SLACK_WEBHOOK_URL=slack_url, HOME=work)
    listener = subprocess.Popen(
        [binary, "listen", "--host", "127.0.0.1", "--port", str(port), "--state-dir", state,
         "--notify-resolved", "--remind-every", "2s"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "listen.log"), "w"))

    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    wait_for(up, "the listener")
    stamp = "2026-11-30T10:%02d:00.000Z"
    FakeSlack.answers = [200, 200, 404, 500]
    post(port, delivery("orders_pg", "FAILURE", stamp % 0))
    post(port, delivery("billing_pg", "FAILURE", stamp % 1))
    wait_for(lambda: len(FakeSlack.posts) >= 2, "two delivered alerts")
    post(port, delivery("legacy_mysql", "FAILURE", stamp % 2))
    wait_for(lambda: len(FakeSlack.posts) >= 3, "the refused alert")
    for minute, connector in enumerate(["events_s3", "crm_salesforce", "ads_google"], start=3):
        post(port, delivery(connector, "FAILURE", stamp % minute))
    time.sleep(2.5)  # past --remind-every, so the next failure of orders_pg queues a reminder
    post(port, delivery("orders_pg", "FAILURE", stamp % 10))
    post(port, delivery("billing_pg", "SUCCESSFUL", stamp % 11))
    time.sleep(1)
    listener.send_signal(signal.SIGTERM)
    listener.wait(timeout=20)
    subprocess.run(
        [binary, "mute", "add", "--connector", "quiet_connector", "--for", "18250d", "--reason",
         "kept by the upgrade fixture", "--state-dir", state],
        env=env, check=True, stdout=subprocess.DEVNULL)
    slack.shutdown()

    db = sqlite3.connect(os.path.join(state, "fivetran-notify.sqlite"))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    states = db.execute("SELECT state, count(*) FROM message GROUP BY state").fetchall()
    db.close()
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    shutil.copy(os.path.join(state, "fivetran-notify.sqlite"), OUT)
    print(f"wrote {OUT}/fivetran-notify.sqlite: messages by state {dict(states)}, {len(FakeSlack.posts)} posts seen")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
