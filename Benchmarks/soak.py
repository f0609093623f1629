#!/usr/bin/env python3
"""Fault-injection ("soak") run of `fivetran-notify listen`; Benchmarks/soak.sh builds the binary and
runs this. Python 3 standard library only; everything is on 127.0.0.1.

    soak.py BINARY WORK_DIR

Settings come from the environment (defaults in brackets): DURATION [120] seconds of load; DRAIN [180]
seconds at most for the backlog to reach Slack afterwards (it ends once all is posted and Slack has
heard nothing for 8 s); HOSTILE [10000] hostile requests at least (the load runs on past DURATION until
they are sent, up to 2 × DURATION); VALID [600] distinct connectors' signed failures; KILLS [6] SIGKILLs of the listener;
WORKERS [4] threads of short hostile requests; SLOW_WORKERS [2]; IDLE_WORKERS [2]; PORT [a free one];
SEED [random]; LISTEN_ARGS [extra arguments for `listen`, split on spaces]; KINDS [all: comma-separated
parts of kind names, to send only those hostile kinds, for diagnosis].

What it does:
  * a fake Slack answers 500, 429 (Retry-After: 1) and 200 "ok" in turns, and records every body it
    answered 200; during the drain it answers only 200;
  * WORKERS threads send hostile requests of the kinds counted in the summary (bad and missing
    signatures, signed and unsigned non-JSON, truncated JSON, bodies shorter than their Content-Length,
    2 MiB bodies plain and chunked, 64 KiB headers, garbage bytes, random methods and paths), plus a
    few replays of acknowledged deliveries and signed failures created 4 days ago (stored, not
    forwarded); SLOW_WORKERS trickle requests a byte at a time; IDLE_WORKERS open connections and hold
    them, silent or with half a request;
  * two threads send VALID signed failures of distinct connectors soak_0, soak_1, …, retrying (same
    body, as Fivetran would) until one is answered 200 or 30 s have passed;
  * a probe asks GET /healthz every half second, to measure how long the listener stops answering;
  * a supervisor SIGKILLs the listener KILLS times during the load, every second time right after
    the fake Slack has sent a 200 (so inside the crash window, while the listener records the post),
    and restarts it on the same port and state directory; any other exit is a crash. It polls VmHWM
    of each incarnation.

At the end it checks that every connector whose delivery was answered 200 is named in a body Slack
answered 200 (lost = 0), counts posts beyond one per connector and tells those explained by the crash
window (Slack's 200 to the last request before a kill, posted again after the restart) from the rest,
and prints the figures. Exit status: 0 when nothing was lost, nothing crashed, no post was repeated
outside the crash window and the run did what it claims (hostile and kill counts); 1 otherwise.
"""
import collections
import hashlib
import hmac
import json
import os
import random
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def env_int(name, default):
    return int(os.environ.get(name) or default)


BINARY, WORK = sys.argv[1], sys.argv[2]
DURATION = env_int("DURATION", 120)
DRAIN = env_int("DRAIN", 180)
HOSTILE_TARGET = env_int("HOSTILE", 10000)
VALID = env_int("VALID", 600)
KILLS = env_int("KILLS", 6)
WORKERS = env_int("WORKERS", 4)
SLOW_WORKERS = env_int("SLOW_WORKERS", 2)
IDLE_WORKERS = env_int("IDLE_WORKERS", 2)
SEED = env_int("SEED", random.SystemRandom().randrange(1 << 31))
LISTEN_ARGS = os.environ.get("LISTEN_ARGS", "").split()
KINDS = [k.strip() for k in os.environ.get("KINDS", "").split(",") if k.strip()]
KEY = os.urandom(32).hex()
READY_TIMEOUT = 60  # seconds for an incarnation to log "listening on"
ANSWER_TIMEOUT = 10  # seconds to wait for the listener's answer to a whole request
QUIET = 8  # seconds without a Slack request that end the drain (pacing is 1/s; polling every 5 s)

START = time.monotonic()
lock = threading.Lock()
stop_load = threading.Event()


def now():
    return time.monotonic() - START


def log(message):
    print("[%6.1f s] %s" % (now(), message), file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = env_int("PORT", 0) or free_port()

# ---------------------------------------------------------------------------------------------------
# Fake Slack

SOAK_NAME = re.compile(r"(?<![A-Za-z0-9_])soak_(\d+)(?!\d)")
STALE_NAME = re.compile(r"(?<![A-Za-z0-9_])stale_(\d+)(?!\d)")
HOSTILE_NAME = re.compile(r"(?<![A-Za-z0-9_])hostile_(\d+)(?!\d)")


class Slack:
    """What the fake Slack saw: every request in order as (time, status, connectors named, stale named)."""

    def __init__(self):
        self.requests = []
        self.drain = False
        self.bad_requests = collections.Counter()  # not POST /services/T/B/X with JSON
        self.on_200 = None  # an Event to set right after the next 200 is sent
        self.hostile_posts = 0  # posts naming a hostile_ connector (a signed body sent to POST //, …)
        self.other_bodies = []  # posts naming no connector of ours

    def answer(self, body):
        with lock:
            index = len(self.requests)
            status = 200 if self.drain else (500, 429, 200)[index % 3]
            named = stale = frozenset()
            if status == 200:
                text = body.decode("utf-8", "replace")
                named = frozenset(int(n) for n in SOAK_NAME.findall(text))
                stale = frozenset(int(n) for n in STALE_NAME.findall(text))
                if HOSTILE_NAME.search(text):
                    self.hostile_posts += 1
                elif not named and not stale:
                    self.other_bodies.append(text)
            self.requests.append((now(), status, named, stale))
            return status

    def posts(self):
        """The requests answered 200, with their index among all requests."""
        return [(i, r) for i, r in enumerate(self.requests) if r[1] == 200]


slack = Slack()


class SlackHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path != "/services/T/B/X":
            slack.bad_requests["path " + self.path] += 1
        try:
            json.loads(body)
        except ValueError:
            slack.bad_requests["non-JSON body"] += 1
        status = slack.answer(body)
        reply = b"ok" if status == 200 else b"rate_limited" if status == 429 else b"internal_error"
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
        self.wfile.flush()
        if status == 200:
            with lock:
                armed, slack.on_200 = slack.on_200, None
            if armed is not None:
                armed.set()  # the supervisor kills the listener now, inside the crash window

    def log_message(self, *args):
        pass


# ---------------------------------------------------------------------------------------------------
# The listener and its supervisor


class Supervisor:
    def __init__(self):
        self.proc = None
        self.incarnation = 0
        self.kills = 0
        self.crashes = []  # (incarnation, returncode or reason, log tail)
        self.down = []  # (start, end) intervals in which the listener was not (yet) serving
        self.down_since = None  # the start of the current one
        self.peak_rss_kb = 0
        self.last_rss_kb = 0
        self.rss_by_incarnation = {}
        self.current_rss_kb = 0
        self.killed_by_us = False
        self.kill_times = []
        self.window_kills = 0  # kills right after a Slack 200

    def log_path(self, n):
        return os.path.join(WORK, "listener-%d.log" % n)

    def start(self):
        self.incarnation += 1
        n = self.incarnation
        env = dict(os.environ, FIVETRAN_SIGNING_KEY=KEY, XDG_CONFIG_HOME=os.path.join(WORK, "config"),
                   XDG_STATE_HOME=os.path.join(WORK, "xdg-state"), HOME=WORK)
        env.pop("SLACK_WEBHOOK_URL", None)
        args = [BINARY, "listen", "--host", "127.0.0.1", "--port", str(PORT), "--state-dir",
                os.path.join(WORK, "state"), "--slack-webhook-url",
                "http://127.0.0.1:%d/services/T/B/X" % SLACK_PORT] + LISTEN_ARGS
        with open(self.log_path(n), "wb") as err:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=env)
        with open(os.path.join(WORK, "listener.pid"), "w") as f:
            f.write(str(self.proc.pid))
        self.killed_by_us = False
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            with open(self.log_path(n), "rb") as f:
                if b"listening on" in f.read():
                    return True
            time.sleep(0.05)
        return False

    def tail(self, n, lines=15):
        try:
            with open(self.log_path(n), "rb") as f:
                return b"".join(f.readlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def poll_rss(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        kb = int(line.split()[1])
                        self.last_rss_kb = kb
                        self.rss_by_incarnation[self.incarnation] = kb
                    elif line.startswith("VmRSS:"):
                        self.current_rss_kb = int(line.split()[1])
                        self.peak_rss_kb = max(self.peak_rss_kb, kb)
        except (OSError, ValueError):
            pass

    def start_or_record(self):
        """Starts an incarnation; one that exits or never gets ready is a crash (then it tries again)."""
        if self.down_since is None:
            self.down_since = now()
        for _ in range(5):
            if self.start():
                self.down.append((self.down_since, now()))
                self.down_since = None
                log("listener %d ready (pid %d)" % (self.incarnation, self.proc.pid))
                return True
            code = self.proc.poll()
            if code is None:
                self.proc.kill()
                self.proc.wait()
                code = "not ready within %d s" % READY_TIMEOUT
            self.crashes.append((self.incarnation, code, self.tail(self.incarnation)))
            log("listener %d failed to start: %s" % (self.incarnation, code))
        return False

    def check_alive(self):
        code = self.proc.poll()
        if code is not None and not self.killed_by_us:
            self.crashes.append((self.incarnation, code, self.tail(self.incarnation)))
            log("listener %d exited by itself with %s; restarting" % (self.incarnation, code))
            self.start_or_record()

    def sleep_watching(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.poll_rss()
            self.check_alive()
            time.sleep(min(0.2, max(0, end - time.monotonic())))

    def kill_and_restart(self):
        self.poll_rss()
        self.killed_by_us = True
        killed_at = self.down_since = now()
        self.proc.send_signal(signal.SIGKILL)
        code = self.proc.wait()
        self.kills += 1
        self.kill_times.append(killed_at)
        if code != -signal.SIGKILL:  # it had already exited by itself
            self.crashes.append((self.incarnation, code, self.tail(self.incarnation)))
        log("SIGKILL %d of %d (listener %d)" % (self.kills, KILLS, self.incarnation))
        time.sleep(random.uniform(0, 1.5))  # a moment with nothing listening
        self.start_or_record()

    def run(self, rng):
        """Kills at random moments spread over the load, at least 3 s after each restart; every
        second kill waits for the fake Slack's next 200 and strikes right after it, while the listener
        is recording that post (the crash window)."""
        spacing = DURATION / (KILLS + 1)
        for k in range(KILLS):
            target = spacing * (k + 1) + rng.uniform(-0.3, 0.3) * spacing
            self.sleep_watching(max(target - now(), 3))
            if k % 2 == 1:
                armed = threading.Event()
                with lock:
                    slack.on_200 = armed
                end = time.monotonic() + 15
                while not armed.wait(0.2) and time.monotonic() < end:
                    self.poll_rss()
                    self.check_alive()
                with lock:
                    slack.on_200 = None
                if armed.is_set():
                    self.window_kills += 1
            self.kill_and_restart()
        while not stop_load.is_set():
            self.sleep_watching(0.5)

    def terminate(self):
        """SIGTERM at the end: a graceful stop is expected within 20 s."""
        self.poll_rss()
        self.check_alive()
        self.killed_by_us = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "still running 20 s after SIGTERM (killed)"

    def was_down(self, start, end):
        since = self.down_since
        return (since is not None and end >= since - 0.2) or any(
            a - 0.2 <= end and start <= b + 0.2 for a, b in self.down)


# ---------------------------------------------------------------------------------------------------
# Requests


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def failure_body(name, created=None):
    return json.dumps({
        "event": "sync_end", "created": iso(created or datetime.now(timezone.utc)),
        "connector_type": "postgres", "connector_id": name, "connector_name": name,
        "sync_id": str(uuid.uuid4()), "destination_group_id": "soak_group",
        "data": {"status": "FAILURE", "reason": "soak failure %s" % name},
    }, separators=(",", ":")).encode()


def sign(body):
    return hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()


def request(method, path, body=b"", headers=None, signature=None):
    head = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:%d" % PORT]
    if body or method in ("POST", "PUT", "PATCH"):
        head.append("Content-Type: application/json")
        head.append("Content-Length: %d" % len(body))
    if signature is not None:
        head.append("X-Fivetran-Signature-256: " + signature)
    head += list(headers or [])
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def read_answer(sock, timeout=ANSWER_TIMEOUT):
    """The status of the answer, or "closed" (EOF before any answer), "timeout" or "reset"."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return "closed" if not data else "garbled answer"
            data += chunk
    except socket.timeout:
        return "timeout"
    except OSError:
        return "reset" if not data else "garbled answer"
    parts = data.split(b"\r\n", 1)[0].split()
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return "garbled answer"


def connect():
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def exchange(payload, half_close=False, timeout=ANSWER_TIMEOUT):
    """Sends a whole request and reads the answer; connection errors come back as strings."""
    try:
        sock = connect()
    except ConnectionRefusedError:
        return "refused"
    except OSError as e:
        return "connect error %s" % type(e).__name__
    with sock:
        try:
            sock.sendall(payload)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            answer = read_answer(sock, timeout=1)
            return answer if isinstance(answer, int) else "reset"
        return read_answer(sock, timeout)


def big_exchange(head, chunks):
    """Streams a large body, stopping as soon as the listener answers (it may refuse it early)."""
    try:
        sock = connect()
    except ConnectionRefusedError:
        return "refused"
    except OSError as e:
        return "connect error %s" % type(e).__name__
    with sock:
        try:
            sock.sendall(head)
            for chunk in chunks:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(chunk)
        except OSError:
            answer = read_answer(sock, timeout=1)
            return answer if isinstance(answer, int) else "reset while sending"
        return read_answer(sock)


class Stats:
    def __init__(self):
        self.answers = collections.defaultdict(collections.Counter)  # kind -> answer -> count
        self.excused = collections.defaultdict(collections.Counter)  # kind -> connection errors while down
        self.sent = collections.Counter()  # kind: requests that reached an open connection
        self.when = collections.defaultdict(list)  # (kind, answer) -> first (start, seconds) of each

    def record(self, kind, answer, began, ended):
        with lock:
            self.answers[kind][answer] += 1
            if not (answer == "refused" or str(answer).startswith("connect error")):
                self.sent[kind] += 1
            if isinstance(answer, str) and supervisor.was_down(began, ended):
                self.excused[kind][answer] += 1
            elif kind in EXPECTED and answer not in EXPECTED[kind] and len(self.when[kind, answer]) < 3:
                self.when[kind, answer].append((began, ended - began))


stats = Stats()
acked = {}  # connector number -> (body, signature) of its delivery answered 200
acked_list = []
unacked = []  # connector numbers never answered 200
stale_acked = set()

VALID_KINDS = ["valid failure", "replay of an acknowledged delivery", "failure created 4 days ago"]
HOSTILE_KINDS = ["bad signature", "missing signature", "signed non-JSON", "unsigned non-JSON",
                 "truncated JSON", "body shorter than Content-Length", "2 MiB body", "2 MiB chunked body",
                 "64 KiB header", "garbage bytes", "random method and path", "slow", "idle"]
# What a correct listener may answer; anything else is listed as surprising (connection errors while
# it was down excepted).
EXPECTED = {
    "valid failure": {200}, "replay of an acknowledged delivery": {200}, "failure created 4 days ago": {200},
    "bad signature": {401}, "missing signature": {401}, "signed non-JSON": {400}, "unsigned non-JSON": {401},
    "truncated JSON": {400}, "body shorter than Content-Length": {400, "closed"},
    "2 MiB body": {413, "reset while sending"}, "2 MiB chunked body": {413, "reset while sending"},
    "64 KiB header": {400, 401, 431, "closed", "reset"}, "garbage bytes": {400, "closed"},
    "random method and path": {200, 400, 401, 404, 405, 413, 501, "closed"},
    "slow": {200, 401, 408, "closed"}, "idle": {"held", "closed", 408},
}

METHODS = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT", "PROPFIND", "FOO",
           "post", "P0ST", "GET\x00"]
PATHS = ["/", "/x", "/fivetran", "/healthz", "/metrics", "/../../etc/passwd", "/%00", "/%zz", "//",
         "/?a=1&b=2", "/" + "a" * 8000, "*", "http://example.com/", "/services/T/B/X",
         "/\u00e9".encode().decode("latin-1")]


def hostile(kind, rng):
    """Sends one hostile request of this kind; returns the answer."""
    body = failure_body("hostile_%d" % rng.randrange(10 ** 6))
    if kind == "bad signature":
        wrong = rng.choice([sign(body)[:-1] + "0" if sign(body)[-1] != "0" else sign(body)[:-1] + "1",
                            "00" * 32, "zz", "", "sha256=" + "ab" * 32, sign(body + b" ")])
        return exchange(request("POST", "/", body, signature=wrong))
    if kind == "missing signature":
        return exchange(request("POST", "/", body))
    if kind == "signed non-JSON":
        junk = rng.choice([b"hello", b"<xml/>", b"\xff\xfe\x00garbage", b"{", b"null", b"[1,2,3]",
                           b"", os.urandom(rng.randrange(1, 2000))])
        return exchange(request("POST", "/", junk, signature=sign(junk)))
    if kind == "unsigned non-JSON":
        return exchange(request("POST", "/", os.urandom(rng.randrange(1, 2000))))
    if kind == "truncated JSON":
        cut = body[:rng.randrange(1, len(body) - 1)]
        return exchange(request("POST", "/", cut, signature=sign(cut)))
    if kind == "body shorter than Content-Length":
        payload = request("POST", "/", body, signature=sign(body))
        return exchange(payload[:len(payload) - rng.randrange(1, len(body))], half_close=True)
    if kind == "2 MiB body":
        big = b'{"event":"sync_end","pad":"' + b"x" * (2 * 1024 * 1024 - 30) + b'"}'
        head = request("POST", "/", b"", signature=sign(big)).replace(
            b"Content-Length: 0", b"Content-Length: %d" % len(big))
        return big_exchange(head, [big[i:i + 65536] for i in range(0, len(big), 65536)])
    if kind == "2 MiB chunked body":
        head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\nX-Fivetran-Signature-256: %s\r\nConnection: close\r\n\r\n"
                % (PORT, "ab" * 32)).encode()
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        return big_exchange(head, [chunk] * 32 + [b"0\r\n\r\n"])
    if kind == "64 KiB header":
        return exchange(request("POST", "/", body, signature="ab" * 32, headers=["X-Pad: " + "p" * 65536]))
    if kind == "garbage bytes":
        junk = rng.choice([os.urandom(rng.randrange(1, 4096)), b"\r\n\r\n", b"GET\r\n\r\n",
                           b"POST / HTTP/9.9\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                           b"POST / HTTP/1.1\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n0123456789"])
        return exchange(junk, half_close=True)
    if kind == "random method and path":
        method = rng.choice(METHODS + ["POST"])
        path = rng.choice(PATHS)
        send_body = body if rng.random() < 0.5 else b""
        if method == "POST" and path in ("/", "/?a=1&b=2"):
            path = "/nope"
        return exchange(request(method, path, send_body, signature=sign(send_body) if send_body else None))
    raise ValueError(kind)


def timed(kind, send):
    began = now()
    answer = send()
    stats.record(kind, answer, began, now())
    if answer == "refused":
        time.sleep(0.05)  # nothing is listening (a restart): do not spin
    return answer


def hostile_sent():
    with lock:
        return sum(stats.sent[k] for k in HOSTILE_KINDS)


def load_over():
    """DURATION has passed and HOSTILE requests are sent, or 2 × DURATION has passed."""
    t = now()
    return t >= 2 * DURATION or (t >= DURATION and hostile_sent() >= HOSTILE_TARGET)


def hostile_worker(index, seed):
    rng = random.Random(seed)
    kinds = ["bad signature", "missing signature", "signed non-JSON", "unsigned non-JSON", "truncated JSON",
             "body shorter than Content-Length", "2 MiB body", "2 MiB chunked body", "64 KiB header",
             "garbage bytes", "random method and path", "replay of an acknowledged delivery",
             "failure created 4 days ago"]
    weights = [20, 12, 10, 8, 10, 6, 4, 2, 2, 8, 20, 1.5, 0.5]
    if KINDS:  # only the kinds named (diagnosis)
        weights = [w if any(k in kind for k in KINDS) else 0 for kind, w in zip(kinds, weights)]
        if not any(weights):
            return
    stale = 0
    while not stop_load.is_set():
        kind = rng.choices(kinds, weights)[0]
        if kind == "replay of an acknowledged delivery":
            with lock:
                if not acked_list:
                    continue
                body, signature = acked[rng.choice(acked_list)]
            timed(kind, lambda: exchange(request("POST", "/", body, signature=signature)))
        elif kind == "failure created 4 days ago":
            stale += 1
            number = index * 100000 + stale
            body = failure_body("stale_%d" % number, datetime.now(timezone.utc) - timedelta(days=4))
            if timed(kind, lambda: exchange(request("POST", "/", body, signature=sign(body)))) == 200:
                with lock:
                    stale_acked.add(number)
        else:
            timed(kind, lambda: hostile(kind, rng))


def slow_worker(seed):
    """Trickles a request a byte at a time (10–30 ms apart): a bad signature, or now and then a valid
    failure of a connector of its own (soak_<VALID + n>), which then counts like the others."""
    rng = random.Random(seed)
    count = 0
    while not stop_load.is_set():
        count += 1
        valid = rng.random() < 0.25
        number = VALID + 1000 * seed + count
        body = failure_body("soak_%d" % number if valid else "hostile_slow")
        payload = request("POST", "/", body, signature=sign(body) if valid else "ab" * 32)
        delay = rng.uniform(0.01, 0.03)

        def send():
            try:
                sock = connect()
            except ConnectionRefusedError:
                return "refused"
            except OSError as e:
                return "connect error %s" % type(e).__name__
            with sock:
                try:
                    for i in range(len(payload)):
                        sock.sendall(payload[i:i + 1])
                        time.sleep(delay)
                except OSError:
                    answer = read_answer(sock, timeout=1)
                    return answer if isinstance(answer, int) else "closed"
                return read_answer(sock)

        answer = timed("slow", send)
        if valid and answer != "refused":
            with lock:
                stats.answers["(slow valid failures)"][answer] += 1
                if answer == 200:
                    acked[number] = (body, sign(body))
                    acked_list.append(number)
                else:
                    unacked.append(number)


def idle_worker(seed):
    """Opens a connection and holds it 2–8 s, silent or after half a request line and headers."""
    rng = random.Random(seed)
    while not stop_load.is_set():
        hold = rng.uniform(2, 8)
        partial = rng.choice([b"", b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"PO"])

        def send():
            try:
                sock = connect()
            except ConnectionRefusedError:
                return "refused"
            except OSError as e:
                return "connect error %s" % type(e).__name__
            with sock:
                try:
                    sock.sendall(partial)
                except OSError:
                    return "reset"
                answer = read_answer(sock, timeout=hold)
                return "held" if answer == "timeout" else answer

        timed("idle", send)


probes = []  # (start, seconds, answered) of each GET /healthz


def probe_worker():
    """GET /healthz every half second (2 s to answer): how long the listener, though up, answered nothing."""
    while not stop_load.is_set():
        began = now()
        answer = exchange(request("GET", "/healthz"), timeout=2)
        ended = now()
        if not supervisor.was_down(began, ended):
            probes.append((began, ended, isinstance(answer, int)))
        time.sleep(max(0, 0.5 - (ended - began)))


def unresponsive():
    """The stretches in which every probe went unanswered, as (start, seconds), longest first."""
    stretches, start = [], None
    for began, ended, answered in probes:
        if not answered and start is None:
            start = began
        elif answered and start is not None:
            stretches.append((start, began - start))
            start = None
    if start is not None:
        stretches.append((start, probes[-1][1] - start))
    return sorted(stretches, key=lambda s: -s[1])


def valid_worker(numbers):
    """Sends each connector's failure, soak_n at about n / VALID of 85% of DURATION, retrying the same
    body like Fivetran until it is answered 200 (for up to 30 s, which outlasts a restart)."""
    for number in numbers:
        time.sleep(max(0, number / VALID * DURATION * 0.85 - now()))
        if stop_load.is_set():
            break
        body = failure_body("soak_%d" % number)
        signature = sign(body)
        deadline = time.monotonic() + 30
        while True:
            answer = timed("valid failure", lambda: exchange(request("POST", "/", body, signature=signature)))
            if answer == 200:
                with lock:
                    acked[number] = (body, signature)
                    acked_list.append(number)
                break
            if time.monotonic() > deadline:
                with lock:
                    unacked.append(number)
                break
            time.sleep(0.3)


# ---------------------------------------------------------------------------------------------------
# Checks


def duplicates():
    """Posts (Slack 200s) naming a connector an earlier post named, each with whether a kill explains it:
    Slack's 200 to the last request before the kill named those connectors (so the listener may have
    died before recording it), and the repost is the first after that kill."""
    requests = slack.requests
    kills = supervisor.kill_times
    explained_by = {}  # kill index -> the repost it explains
    seen = {}
    found = []
    for i, (t, status, named, _) in enumerate(requests):
        if status != 200 or not named:
            continue
        again = named & seen.keys()
        if again:
            reason = None
            for k, kill_t in enumerate(kills):
                before = [j for j, r in enumerate(requests) if r[0] <= kill_t]
                if not before or k in explained_by:
                    continue
                last = before[-1]
                if requests[last][1] == 200 and requests[last][2] & again and kill_t <= t:
                    explained_by[k] = i
                    reason = k
                    break
            found.append((i, t, sorted(again), reason))
        for n in named:
            seen.setdefault(n, i)
    return found


def where_missing(missing):
    """For connectors never posted: the states of the outbox messages that carry their deliveries
    (best effort: the schema belongs to the listener)."""
    path = os.path.join(WORK, "state", "fivetran-notify.sqlite")
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        names = {"soak_%d" % n for n in missing}
        ids = {str(i): subject for i, subject in db.execute("select id, subject from delivery")
               if subject in names}
        states = collections.Counter()
        carried = set()
        for _, state, delivery_ids in db.execute("select id, state, deliveryIds from message"):
            for i in (delivery_ids or "").split(","):
                if i in ids:
                    states["message %s" % state] += 1
                    carried.add(ids[i])
        stored = set(ids.values())
        states["stored, in no message"] = len(stored - carried)
        states["not stored"] = len(names - stored)
        return ", ".join("%s: %d" % kv for kv in states.items() if kv[1])
    except sqlite3.Error as e:
        return "cannot read the state: %s" % e


def outbox_left():
    """What the state directory still holds unsent (best effort: the schema belongs to the listener)."""
    path = os.path.join(WORK, "state", "fivetran-notify.sqlite")
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        out = {}
        for table in tables:
            columns = [r[1] for r in db.execute("pragma table_info(%s)" % table)]
            if "status" in columns or "state" in columns:
                column = "status" if "status" in columns else "state"
                query = "select %s, count(*) from %s group by 1" % (column, table)
                out[table] = dict(db.execute(query).fetchall())
            else:
                out[table] = db.execute("select count(*) from %s" % table).fetchone()[0]
        return out
    except sqlite3.Error as e:
        return "cannot read: %s" % e


def main():
    global SLACK_PORT, supervisor
    rng = random.Random(SEED)
    os.makedirs(os.path.join(WORK, "config"), exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlackHandler)
    server.daemon_threads = True
    SLACK_PORT = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    supervisor = Supervisor()
    log("soak: %s on 127.0.0.1:%d, fake Slack on :%d, seed %d, work dir %s"
        % (BINARY, PORT, SLACK_PORT, SEED, WORK))
    if not supervisor.start_or_record():
        print("soak: the listener does not start; see %s" % supervisor.log_path(supervisor.incarnation),
              file=sys.stderr)
        return 1

    threads = [threading.Thread(target=supervisor.run, args=(rng,), daemon=True)]
    numbers = list(range(VALID))
    threads += [threading.Thread(target=valid_worker, args=(numbers[i::2],), daemon=True) for i in range(2)]
    threads += [threading.Thread(target=hostile_worker, args=(i + 1, rng.randrange(1 << 30)), daemon=True)
                for i in range(WORKERS)]
    threads.append(threading.Thread(target=probe_worker, daemon=True))
    threads += [threading.Thread(target=slow_worker, args=(i + 1,), daemon=True)
                for i in range(SLOW_WORKERS)]
    threads += [threading.Thread(target=idle_worker, args=(i + 1,), daemon=True)
                for i in range(IDLE_WORKERS)]
    for thread in threads:
        thread.start()
    next_report = 10
    while not load_over() or supervisor.kills < KILLS and now() < 2 * DURATION:
        time.sleep(0.5)
        if now() >= next_report:
            next_report += 10
            log("%d hostile sent, %d valid acknowledged, %d Slack requests, %d kills"
                % (hostile_sent(), len(acked_list), len(slack.requests), supervisor.kills))
    stop_load.set()
    load_seconds = now()
    log("load over; waiting for the workers")
    for thread in threads:
        thread.join(timeout=30)

    # Drain: Slack answers only 200 until every acknowledged connector is posted and Slack has heard
    # nothing for QUIET seconds (the outbox is empty: what it still held could be reposts), or DRAIN passes.
    with lock:
        slack.drain = True
        load_posts = sum(1 for r in slack.requests if r[1] == 200)
    log("drain: Slack answers 200 only; waiting up to %d s for %d acknowledged connectors"
        % (DRAIN, len(acked)))
    drain_end = time.monotonic() + DRAIN
    while time.monotonic() < drain_end:
        posted = set()
        for _, r in slack.posts():
            posted |= r[2]
        quiet = now() - slack.requests[-1][0] if slack.requests else now()
        if not set(acked) - posted and quiet >= QUIET:
            break
        supervisor.sleep_watching(1)
    drain_seconds = DRAIN - max(0, drain_end - time.monotonic())
    drain_posts = sum(1 for r in slack.requests if r[1] == 200) - load_posts
    stop_code = supervisor.terminate()
    elapsed = now()
    with open(os.path.join(WORK, "slack.tsv"), "w") as f:  # for KEEP=1: every request Slack saw
        for t, status, named, stale in slack.requests:
            f.write("%.3f\t%d\t%s\t%s\n" % (t, status, " ".join("soak_%d" % n for n in sorted(named)),
                                            " ".join("stale_%d" % n for n in sorted(stale))))

    # ----- figures
    posts = slack.posts()
    posted = collections.Counter()
    stale_posted = set()
    for _, r in posts:
        posted.update(r[2])
        stale_posted |= r[3]
    lost = sorted(set(acked) - set(posted))
    extra_mentions = sum(c - 1 for c in posted.values() if c > 1)
    dups = duplicates()
    unexplained = [d for d in dups if d[3] is None]
    crashes = supervisor.crashes
    statuses = collections.Counter(r[1] for r in slack.requests)

    print()
    print("== fivetran-notify listen soak: %s" % BINARY)
    print("seed %d; %d s of load, %.0f s of drain (%d posts), %.0f s in all"
          % (SEED, load_seconds, drain_seconds, drain_posts, elapsed))
    print()
    print("%-38s %7s   %s" % ("requests by kind", "sent", "answers (listener down: connection errors excused)"))
    total_hostile = 0
    for kind in VALID_KINDS + HOSTILE_KINDS:
        answers = stats.answers.get(kind, {})
        if kind in HOSTILE_KINDS:
            total_hostile += stats.sent[kind]
        text = ", ".join("%s: %d" % (a, c) for a, c in sorted(answers.items(), key=lambda x: -x[1]))
        if stats.excused[kind]:
            text += "  (%d while down)" % sum(stats.excused[kind].values())
        print("%-38s %7d   %s" % (kind, stats.sent[kind], text))
    print("%-38s %7d" % ("hostile in all", total_hostile))
    surprising = []
    for kind, answers in stats.answers.items():
        if kind not in EXPECTED:
            continue
        odd = {a: c - stats.excused[kind][a] for a, c in answers.items() if a not in EXPECTED[kind]}
        odd = {a: c for a, c in odd.items() if c > 0}
        if odd:
            surprising.append("%s: %s" % (kind, ", ".join(
                "%s ×%d (first at %s)" % (a, c, ", ".join("%.1f s for %.1f s" % w for w in stats.when[kind, a]))
                for a, c in odd.items())))
    slow_valid = stats.answers.get("(slow valid failures)", {})
    print()
    print("valid failures of distinct connectors: %d sent (%d of them slow), %d answered 200, %d never"
          % (len(acked) + len(unacked), sum(slow_valid.values()), len(acked), len(unacked)))
    print("fake Slack: %d requests (%s), %d posts answered 200; %d ill-formed"
          % (len(slack.requests), ", ".join("%s: %d" % kv for kv in sorted(statuses.items())), len(posts),
             sum(slack.bad_requests.values())))
    print("posts naming hostile_ connectors (signed bodies some random method and path got stored): %d"
          % slack.hostile_posts)
    print("posts naming none of our connectors: %d%s" % (
        len(slack.other_bodies), "; the first: " + slack.other_bodies[0][:300] if slack.other_bodies else ""))
    print("failures created 4 days ago: %d answered 200, %d posted (expected 0 where --max-age exists)"
          % (len(stale_acked), len(stale_posted)))
    print("never-acknowledged connectors posted anyway (stored before the kill): %d"
          % len(set(unacked) & set(posted)))
    print("outbox left after SIGTERM: %s" % (outbox_left(),))
    print("exit on the final SIGTERM: %s" % (stop_code,))
    print()
    print("lost (answered 200, not posted):       %d%s" % (len(lost), "  " + str(lost[:20]) if lost else ""))
    if lost:
        print("    where they are: %s" % where_missing(lost))
    print("posts beyond one per delivery:         %d reposts (%d in the crash window, %d outside), %d connector mentions"
          % (len(dups), len(dups) - len(unexplained), len(unexplained), extra_mentions))
    for i, t, again, reason in dups[:20]:
        why = "kill %d at %.1f s" % (reason + 1, supervisor.kill_times[reason]) if reason is not None else None
        print("    Slack request #%d at %.1f s names %d already posted (%s…): %s" % (
            i, t, len(again), ", ".join("soak_%d" % n for n in again[:3]), why or "NO KILL EXPLAINS IT"))
    print("crashes other than the kills:          %d" % len(crashes))
    for n, code, tail in crashes:
        print("    listener %d: %s" % (n, code))
        for line in tail.splitlines():
            print("      | " + line)
    print("SIGKILLs and restarts:                 %d (%d of them right after a Slack 200)"
          % (supervisor.kills, supervisor.window_kills))
    each = ", ".join("%.0f" % (kb / 1024) for _, kb in sorted(supervisor.rss_by_incarnation.items()))
    print("peak RSS:                              %.1f MB" % (supervisor.peak_rss_kb / 1024))
    print("    each incarnation's: %s MB; RSS before the SIGTERM: %.1f MB" % (each, supervisor.current_rss_kb / 1024))
    stalls = unresponsive()
    print("listener up but not answering /healthz: %.0f s in %d stretches%s" % (
        sum(d for _, d in stalls), len(stalls),
        "; longest %.1f s from %.1f s" % (stalls[0][1], stalls[0][0]) if stalls else ""))
    print("surprising answers:                    %s" % ("none" if not surprising else "%d kinds" % len(surprising)))
    for line in surprising:
        print("    " + line)
    print("elapsed:                               %.0f s" % elapsed)

    failed = []
    if lost:
        failed.append("%d lost" % len(lost))
    if crashes:
        failed.append("%d crashes" % len(crashes))
    if unexplained:
        failed.append("%d reposts outside the crash window" % len(unexplained))
    if total_hostile < HOSTILE_TARGET:
        failed.append("only %d hostile requests (HOSTILE=%d)" % (total_hostile, HOSTILE_TARGET))
    if supervisor.kills < KILLS:
        failed.append("only %d kills (KILLS=%d)" % (supervisor.kills, KILLS))
    print()
    print("soak: %s" % ("FAILED: " + ", ".join(failed) if failed else "passed"))
    return 1 if failed else 0


def on_term(signum, frame):
    raise SystemExit(130)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    supervisor = None
    SLACK_PORT = 0
    try:
        sys.exit(main())
    finally:
        if supervisor is not None and supervisor.proc is not None:
            if supervisor.proc.poll() is None:
                supervisor.proc.kill()
                supervisor.proc.wait()
            try:
                os.remove(os.path.join(WORK, "listener.pid"))
            except OSError:
                pass
