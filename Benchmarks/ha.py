#!/usr/bin/env python3
"""Several `fivetran-notify listen` nodes on one PostgreSQL through a failure storm, one SIGKILLed in
the middle (ha.md); Benchmarks/ha.sh builds the binary and runs this. Python 3 standard library only,
plus Debian's PostgreSQL server binaries; everything is on 127.0.0.1.

    ha.py BINARY

Settings from the environment (defaults in brackets): NODES ["2 3"] the cluster sizes to run; STORM
[1000] distinct connectors failing; KILL_AT [STORM/2] deliveries sent before node 1 is SIGKILLed;
MAX_WAIT [120] seconds for every connector to be named; THREADS [16] sending threads; KEEP [unset].

What it does, for each cluster size:
  * starts its own PostgreSQL (initdb in a temporary directory, fsync on, a free port; as the postgres
    user when run as root) and one database per run;
  * a fake Slack on 127.0.0.1 (200 "ok", recording every post with its time), the nodes' default route;
  * N listeners (`--database`, `--node-name nodeK`, own state directories), waiting for /healthz;
  * STORM signed `sync_end` failures of distinct connectors spread over the nodes by THREADS threads,
    as a load balancer would: a delivery refused by a dead node is sent to the next one; after KILL_AT
    of them node 1 gets SIGKILL;
  * waits until every acknowledged connector is named in a Slack post (or MAX_WAIT), then prints:
    deliveries acknowledged (200), connectors named, lost (acknowledged, never named: must be 0), posts
    sent twice (identical bodies; at most the dead node's in-flight post), the peak posts in any one
    second (the cluster's rate to the one channel), and the seconds from the first delivery until
    every connector was named.
Exit status 1 when a node did not start or a connector was lost.
"""
import collections
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin():
    root = "/usr/lib/postgresql"
    for version in sorted((v for v in os.listdir(root) if v.isdigit()), key=int, reverse=True):
        if os.path.exists(f"{root}/{version}/bin/postgres"):
            return f"{root}/{version}/bin"
    sys.exit("ha.py: no PostgreSQL server binaries (apt-get install postgresql)")


class Postgres:
    """A private PostgreSQL server for the run."""

    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        self.bin = postgres_bin()
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self.as_user:
            subprocess.run(["chown", "-R", "postgres:postgres", self.dir], check=True)
            os.chmod(work, 0o755)
        subprocess.run(self.as_user + [f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-U", "postgres",
                                       "--auth=trust", "-E", "UTF8"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log",
                                       "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                                             "-c max_connections=200", "-w", "start"],
                       check=True, stdout=subprocess.DEVNULL)

    def create(self, name):
        subprocess.run(["psql", "-h", self.dir, "-p", str(self.port), "-U", "postgres", "-q", "-c",
                        f"CREATE DATABASE {name}"], check=True)
        return f"postgres://postgres:not-needed@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class FakeSlack(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.posts = []
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler):
                body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
                with self.lock:
                    self.posts.append((time.monotonic(), body.decode("utf-8", "replace")))
                handler.send_response(200)
                handler.send_header("Content-Length", "2")
                handler.end_headers()
                handler.wfile.write(b"ok")

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def body(index, key):
    created = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    data = json.dumps({
        "event": "sync_end", "created": created, "connector_type": "google_cloud_postgresql",
        "connector_id": "ha_%04d" % index, "connector_name": "ha_conn_%04d" % index,
        "sync_id": "sync-%d" % index, "destination_group_id": "ha_group",
        "data": {"status": "FAILURE", "reason": "password authentication failed"},
    }, separators=(",", ":")).encode()
    return data, hmac.new(key.encode(), data, hashlib.sha256).hexdigest().upper()


def post(port, data, signature):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request("POST", "/", data, {"X-Fivetran-Signature-256": signature,
                                                "Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def run(binary, work, pg, nodes, storm, kill_at, max_wait, threads):
    key = "ha-bench-key"
    url = pg.create("ha_%d_%d" % (nodes, int(time.time())))
    slack = FakeSlack()
    slack_url = "http://127.0.0.1:%d/services/T0/B0/X" % slack.server_address[1]
    procs, ports = [], []
    for k in range(1, nodes + 1):
        port = free_port()
        env = dict(os.environ, FIVETRAN_SIGNING_KEY=key, XDG_CONFIG_HOME=os.path.join(work, "config"),
                   HOME=work)
        log = open(os.path.join(work, "node%d-%d.log" % (k, nodes)), "w")
        procs.append(subprocess.Popen(
            [binary, "listen", "--host", "127.0.0.1", "--port", str(port), "--database", url,
             "--node-name", "node%d" % k, "--state-dir", os.path.join(work, "state-%d-%d" % (nodes, k)),
             "--slack-webhook-url", slack_url, "--no-watch"], env=env, stdout=subprocess.DEVNULL, stderr=log))
        ports.append(port)
    for port in ports:
        deadline = time.time() + 30
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                print("ha.py: a node did not start; see %s" % work, file=sys.stderr)
                return False
            time.sleep(0.2)

    acknowledged = set()
    lock = threading.Lock()
    sent = [0]
    dead = set()
    started = time.monotonic()

    def worker(indexes):
        for i in indexes:
            data, signature = body(i, key)
            for attempt in range(len(ports) * 3):
                node = (i + attempt) % len(ports)
                if node in dead:
                    continue
                try:
                    status = post(ports[node], data, signature)
                except OSError:
                    continue  # the load balancer tries the next node
                if status == 200:
                    with lock:
                        acknowledged.add(i)
                    break
            with lock:
                sent[0] += 1
                if sent[0] == kill_at and 0 not in dead:
                    dead.add(0)
                    procs[0].send_signal(signal.SIGKILL)

    chunks = [list(range(t, storm, threads)) for t in range(threads)]
    workers = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    intake = time.monotonic() - started

    names = {i: "ha_conn_%04d" % i for i in range(storm)}
    all_named_at = None
    while time.monotonic() - started < max_wait:
        with slack.lock:
            text = "\n".join(b for _, b in slack.posts)
        missing = [i for i in acknowledged if names[i] not in text]
        if not missing:
            all_named_at = time.monotonic() - started
            break
        time.sleep(0.25)
    time.sleep(2)  # later posts still count as sent twice
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
    slack.shutdown()

    with slack.lock:
        posts = list(slack.posts)
    text = "\n".join(b for _, b in posts)
    named = sum(1 for i in range(storm) if names[i] in text)
    lost = sum(1 for i in acknowledged if names[i] not in text)
    twice = sum(n - 1 for n in collections.Counter(b for _, b in posts).values() if n > 1)
    seconds = collections.Counter(int(t - started) for t, _ in posts)
    peak = max(seconds.values()) if seconds else 0
    print("%d nodes: acknowledged %d/%d (intake %.1f s), named %d, lost %d, sent twice %d, posts %d, "
          "peak posts/s to the channel %d, every connector named after %s"
          % (nodes, len(acknowledged), storm, intake, named, lost, twice, len(posts), peak,
             "%.1f s" % all_named_at if all_named_at is not None else "NOT within %d s" % max_wait))
    return lost == 0


def main():
    binary = sys.argv[1]
    storm = int(os.environ.get("STORM") or 1000)
    kill_at = int(os.environ.get("KILL_AT") or storm // 2)
    max_wait = float(os.environ.get("MAX_WAIT") or 120)
    threads = int(os.environ.get("THREADS") or 16)
    work = tempfile.mkdtemp(prefix="fivetran-notify-ha.")
    pg = Postgres(work)
    ok = True
    try:
        for nodes in [int(n) for n in (os.environ.get("NODES") or "2 3").split()]:
            ok = run(binary, work, pg, nodes, storm, kill_at, max_wait, threads) and ok
    finally:
        pg.stop()
        if os.environ.get("KEEP"):
            print("ha.py: work dir kept: %s" % work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
