#!/usr/bin/env python3
"""Failure storm through `fivetran-notify listen` (release build); Benchmarks/storm.sh builds the binary
and runs this. Python 3 standard library only; everything is on 127.0.0.1.

    storm.py [BINARY [WORK_DIR]]

BINARY defaults to $BINARY, else .build-bench/release/fivetran-notify; WORK_DIR to a new temporary
directory (removed at the end unless KEEP is set; a given WORK_DIR is left in place).

Settings come from the environment (defaults in brackets): STORM [1000] distinct connectors failing at
once; MAX_WAIT [60] seconds at most, from the first delivery sent, for the destinations to name them
all; KINDS [slack,pagerduty,teams,forward] the destination kinds configured on the default route;
THREADS [32] sending threads (keep-alive connections); LINGER [2] seconds to keep listening after
every kind named everyone (posts then count "in all"), before the SIGTERM; PORT [a free one];
LISTEN_ARGS [extra `listen` arguments, split on spaces]; KEEP [unset: keep the work dir: listen.log, requests-<kind>.jsonl].

What it does:
  * one fake receiver per kind (threaded HTTP servers): Slack answers 200 "ok", PagerDuty 202 on
    /v2/enqueue, Teams 202, the forward endpoint 204; each records every request (time, body);
  * starts `listen` with those destinations on the default route at its default pacing (what users
    get: Slack and Teams about one post a second with bursts of 3, PagerDuty under 120 events a minute
    with bursts of 5 and never digested, forward ten times faster) and waits for GET /healthz;
  * sends STORM signed `sync_end` FAILURE deliveries of distinct connectors (storm_0001 named
    storm_conn_0001, …, one destination group, one reason) as fast as THREADS threads can;
  * measures per kind, from the first delivery sent, the seconds until every connector was named
    (Slack and Teams: the name in a post's text, Teams' Markdown escapes removed; forward:
    `connector.name` of a notice or of a digest's `incidents`; PagerDuty: triggers with distinct
    `dedup_key`s naming the connector id), and the requests it took; PagerDuty cannot trigger 1000 in
    a minute, so it reports how many in MAX_WAIT, the rate after the burst, the most triggers in any
    60 s, and the projected time to all;
  * prints a table, the listener's peak RSS (VmHWM) and CPU time, the warnings and errors in its log,
    and compares Slack with the figure from before PagerDuty and Teams existed (all named in about
    2 s with about 5 posts); it reports, it does not assert.

Exit status: 0 when the run completed (whatever the figures), 1 when the listener did not start, the
deliveries were not all answered 200, or the listener crashed.
"""
import collections
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def env_int(name, default):
    return int(os.environ.get(name) or default)


ALL_KINDS = ("slack", "pagerduty", "teams", "forward")
STORM = env_int("STORM", 1000)
MAX_WAIT = float(os.environ.get("MAX_WAIT") or 60)
THREADS = env_int("THREADS", 32)
LINGER = float(os.environ.get("LINGER") or 2)
KINDS = [k.strip().lower() for k in (os.environ.get("KINDS") or ",".join(ALL_KINDS)).split(",") if k.strip()]
LISTEN_ARGS = os.environ.get("LISTEN_ARGS", "").split()
KEEP = bool(os.environ.get("KEEP"))
KEY = os.urandom(32).hex()
READY_TIMEOUT = 60
SLACK_BEFORE = (2.0, 5)  # seconds and posts to name 1000 connectors before PagerDuty and Teams existed
PD_BURST, PD_LIMIT = 5, 120  # PagerDuty pacing's burst; PagerDuty's events a minute per routing key

for kind in KINDS:
    if kind not in ALL_KINDS:
        sys.exit("storm: unknown kind %r in KINDS (known: %s)" % (kind, ", ".join(ALL_KINDS)))

START = time.monotonic()
lock = threading.Lock()


def now():
    return time.monotonic() - START


def log(message):
    print("[%6.1f s] %s" % (now(), message), file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------
# What the receivers name

NAME = re.compile(r"storm_conn_(\d+)")
ID = re.compile(r"(?<![A-Za-z0-9_])storm_(\d+)(?![0-9])")
INVISIBLE = dict.fromkeys(map(ord, "\\\u200b\u200c\u200d\u2060\ufeff"))


def strings(value):
    """Every string in a JSON value (keys too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def text_names(body):
    """Connector numbers named in a Slack or Teams post: storm_conn_N anywhere in its strings, after
    removing Markdown backslash escapes and invisible separators."""
    try:
        parts = list(strings(json.loads(body)))
    except ValueError:
        parts = [body.decode("utf-8", "replace")]
    found = set()
    for part in parts:
        found.update(int(n) for n in NAME.findall(part.translate(INVISIBLE)))
    return found


def forward_names(body):
    """Connector numbers of a forward notice: `connector.name`, or each of a digest's `incidents`."""
    try:
        notice = json.loads(body)
    except ValueError:
        return set()
    incidents = notice.get("incidents") if isinstance(notice.get("incidents"), list) else [notice]
    found = set()
    for incident in incidents:
        connector = incident.get("connector") if isinstance(incident, dict) else None
        name = connector.get("name") if isinstance(connector, dict) else None
        match = NAME.fullmatch(name or "")
        if match:
            found.add(int(match.group(1)))
    return found


def pagerduty_names(body):
    """Connector numbers of a PagerDuty trigger, from its `dedup_key` (which holds the connector id)."""
    try:
        event = json.loads(body)
    except ValueError:
        return set()
    if event.get("event_action") != "trigger":
        return set()
    return {int(n) for n in ID.findall(str(event.get("dedup_key", "")))}


PARSERS = {"slack": text_names, "teams": text_names, "forward": forward_names, "pagerduty": pagerduty_names}


# ---------------------------------------------------------------------------------------------------
# Fake receivers


class Receiver:
    """One destination's fake service: every request as (time, path, body, numbers named)."""

    def __init__(self, kind):
        self.kind = kind
        self.requests = []
        self.first_named = {}  # number -> index of the first request naming it
        self.all_named_at = None  # (time, requests so far) when the last connector got named
        self.odd = collections.Counter()  # requests not as the kind expects
        self.dedup_keys = set()

    def record(self, path, body):
        t = now()
        named = PARSERS[self.kind](body)
        with lock:
            index = len(self.requests)
            self.requests.append((t, path, body, named))
            for n in named:
                self.first_named.setdefault(n, index)
            if self.all_named_at is None and len(self.first_named) >= STORM:
                self.all_named_at = (t, index + 1)
            if self.kind == "pagerduty":
                try:
                    key = json.loads(body).get("dedup_key")
                except (ValueError, AttributeError):
                    key = None
                if key:
                    self.dedup_keys.add(key)

    def answer(self, path):
        """(status, content type, body) of the answer."""
        if self.kind == "slack":
            return 200, "text/plain", b"ok"
        if self.kind == "pagerduty":
            if path != "/v2/enqueue":
                self.odd["path " + path] += 1
                return 404, "application/json", b'{"status":"invalid path"}'
            key = "k%s" % uuid.uuid4().hex
            return 202, "application/json", json.dumps(
                {"status": "success", "message": "Event processed", "dedup_key": key}).encode()
        if self.kind == "teams":
            return 202, "text/plain", b""
        return 204, None, b""


def handler_for(receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    body += self.rfile.read(size)
                    self.rfile.readline()
            else:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.record(self.path, body)
            status, content_type, reply = receiver.answer(self.path)
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            if status != 204:
                self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            if status != 204:
                self.wfile.write(reply)

        def do_GET(self):
            receiver.odd["GET " + self.path] += 1
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


def start_receiver(kind):
    receiver = Receiver(kind)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(receiver))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


# ---------------------------------------------------------------------------------------------------
# Deliveries


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def failure_body(number):
    return json.dumps({
        "event": "sync_end", "created": iso(datetime.now(timezone.utc)),
        "connector_type": "postgres", "connector_id": "storm_%04d" % number,
        "connector_name": "storm_conn_%04d" % number,
        "sync_id": str(uuid.uuid4()), "destination_group_id": "storm_group",
        "data": {"status": "FAILURE", "reason": "storm: the warehouse refused the connection"},
    }, separators=(",", ":")).encode()


def sign(body):
    return hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()


class Sender:
    def __init__(self, port, deliveries):
        self.port = port
        self.deliveries = deliveries
        self.next = 0
        self.answers = collections.Counter()
        self.reconnects = 0
        self.first_sent = None
        self.last_answered = None

    def take(self):
        with lock:
            if self.next >= len(self.deliveries):
                return None
            self.next += 1
            return self.deliveries[self.next - 1]

    def worker(self):
        connection = None
        while True:
            item = self.take()
            if item is None:
                break
            body, signature = item
            for attempt in range(5):
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                try:
                    with lock:
                        if self.first_sent is None:
                            self.first_sent = now()
                    connection.request("POST", "/", body, {
                        "Content-Type": "application/json", "X-Fivetran-Signature-256": signature})
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                        connection = None
                except (OSError, http.client.HTTPException) as e:
                    connection.close()
                    connection = None
                    status = "error %s" % type(e).__name__
                    with lock:
                        self.reconnects += 1
                    if attempt < 4:
                        continue
                with lock:
                    self.answers[status] += 1
                    self.last_answered = now()
                break
        if connection is not None:
            connection.close()


# ---------------------------------------------------------------------------------------------------
# The listener


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def peak_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def healthy(port):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/healthz")
        status = connection.getresponse().status
        connection.close()
        return status == 200
    except (OSError, http.client.HTTPException):
        return False


def log_findings(path):
    """The listener log's lines by kind (text format: `--> ` deliveries, `<-- ` sends, `digest:`,
    `warning: `, `error: `, other), with up to a dozen examples of the warnings, errors and other lines
    (grouped by shape: digits stripped)."""
    counts = collections.Counter()
    examples = collections.OrderedDict()
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return counts, examples, 0
    for line in lines:
        if line.startswith("--> "):
            kind = "deliveries (-->)"
        elif line.startswith("<-- "):
            kind = "sends (<--)"
        elif line.startswith("digest:"):
            kind = "digest"
        elif line.startswith("warning: "):
            kind = "warning"
        elif line.startswith("error: "):
            kind = "error"
        else:
            kind = "other"
        counts[kind] += 1
        if kind in ("warning", "error", "other"):
            shape = re.sub(r"\d+", "N", line)[:160]
            if shape not in examples and len(examples) < 12:
                examples[shape] = line[:400]
    return counts, examples, len(lines)


# ---------------------------------------------------------------------------------------------------


def fmt_seconds(s):
    return "%.1f" % s if s >= 10 else "%.2f" % s


def main(binary, work):
    receivers = {}
    servers = []
    for kind in KINDS:
        receiver, server = start_receiver(kind)
        receivers[kind] = receiver
        servers.append(server)
    port = env_int("PORT", 0) or free_port()
    args = [binary, "listen", "--host", "127.0.0.1", "--port", str(port), "--state-dir",
            os.path.join(work, "state")]
    env = dict(os.environ, FIVETRAN_SIGNING_KEY=KEY, HOME=work,
               XDG_CONFIG_HOME=os.path.join(work, "config"), XDG_STATE_HOME=os.path.join(work, "xdg-state"))
    for name in ("SLACK_WEBHOOK_URL", "PAGERDUTY_URL", "PAGERDUTY_ROUTING_KEY", "TEAMS_WEBHOOK_URL",
                 "FORWARD_URL", "FIVETRAN_API_KEY", "FIVETRAN_API_SECRET"):
        env.pop(name, None)
    address = {k: "http://127.0.0.1:%d" % s.server_address[1] for k, s in zip(KINDS, servers)}
    if "slack" in receivers:
        args += ["--slack-webhook-url", address["slack"] + "/services/T/B/X"]
    if "pagerduty" in receivers:
        args += ["--pagerduty-routing-key", "R0123456789abcdef0123456789abcdef"]
        env["PAGERDUTY_URL"] = address["pagerduty"]
    if "teams" in receivers:
        args += ["--teams-webhook-url", address["teams"] + "/workflows/storm"]
    if "forward" in receivers:
        args += ["--forward-url", address["forward"] + "/hook"]
    args += LISTEN_ARGS
    os.makedirs(os.path.join(work, "config"), exist_ok=True)
    log_path = os.path.join(work, "listen.log")
    log("storm: %s on 127.0.0.1:%d, %d connectors, kinds %s, work dir %s"
        % (binary, port, STORM, ",".join(KINDS), work))
    with open(log_path, "wb") as err:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=env)
    try:
        return run(proc, port, receivers, log_path, work, args)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for server in servers:
            server.shutdown()


def run(proc, port, receivers, log_path, work, args):
    deadline = time.monotonic() + READY_TIMEOUT
    while not healthy(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            print("storm: the listener did not start (%s); its log:" % (
                "exit %s" % proc.returncode if proc.poll() is not None else "no /healthz in %d s" % READY_TIMEOUT))
            with open(log_path, "rb") as f:
                sys.stdout.write(f.read().decode("utf-8", "replace")[-4000:])
            return 1
        time.sleep(0.05)
    log("listener ready (pid %d)" % proc.pid)
    cpu_before = cpu_seconds(proc.pid) or 0.0

    deliveries = []
    for number in range(1, STORM + 1):
        body = failure_body(number)
        deliveries.append((body, sign(body)))
    sender = Sender(port, deliveries)
    threads = [threading.Thread(target=sender.worker, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()

    # Wait until every kind named everyone, or MAX_WAIT after the first delivery was sent.
    next_report = 5
    while True:
        time.sleep(0.05)
        t0 = sender.first_sent
        if t0 is None:
            continue
        done = all(r.all_named_at is not None for r in receivers.values())
        if done and all(not t.is_alive() for t in threads):
            break
        if now() - t0 >= MAX_WAIT:
            break
        if proc.poll() is not None:
            log("the listener exited by itself with %s" % proc.returncode)
            break
        if now() - t0 >= next_report:
            next_report += 5
            log("%d answered; named so far: %s" % (sum(sender.answers.values()), ", ".join(
                "%s %d (%d requests)" % (k, len(r.first_named), len(r.requests)) for k, r in receivers.items())))
    t0 = sender.first_sent
    window = now() - t0
    for thread in threads:
        thread.join(timeout=30)
    sent_seconds = (sender.last_answered or now()) - t0
    crashed = proc.poll()
    # When every kind finished early, LINGER more seconds count posts after the last name (repeats),
    # then SIGTERM.
    if crashed is None and window < MAX_WAIT:
        time.sleep(LINGER)
    crashed = proc.poll()
    rss = peak_rss_kb(proc.pid)
    cpu = cpu_seconds(proc.pid)
    stop_code = crashed
    if crashed is None:
        proc.send_signal(signal.SIGTERM)
        try:
            stop_code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            stop_code = "no exit 20 s after SIGTERM (killed)"

    if KEEP:
        for kind, r in receivers.items():
            with open(os.path.join(work, "requests-%s.jsonl" % kind), "w") as f:
                for t, path, body, named in r.requests:
                    f.write(json.dumps({"t": round(t - t0, 3), "path": path, "named": len(named),
                                        "body": body.decode("utf-8", "replace")}) + "\n")

    # ----- figures
    print()
    print("== fivetran-notify failure storm: %s" % args[0])
    print("%d distinct connectors' failures sent by %d threads in %.2f s (%.0f/s); answers: %s%s"
          % (STORM, THREADS, sent_seconds, STORM / sent_seconds if sent_seconds > 0 else 0,
             ", ".join("%s: %d" % kv for kv in sorted(sender.answers.items(), key=str)),
             "; %d reconnects" % sender.reconnects if sender.reconnects else ""))
    print("kinds on the default route: %s; waited %.1f s (MAX_WAIT %.0f s) from the first delivery sent%s"
          % (", ".join(KINDS), window, MAX_WAIT, ", then %.0f s more" % LINGER if window < MAX_WAIT else ""))
    print()
    header = ("destination", "all named (s)", "requests", "rate", "named twice+")
    rows = []
    notes = []
    for kind, r in receivers.items():
        total = len(r.requests)
        mentions = collections.Counter()
        for _, _, _, named in r.requests:
            mentions.update(named)
        again = sum(1 for c in mentions.values() if c > 1)
        times = [t - t0 for t, _, _, _ in r.requests]
        if r.all_named_at is not None:
            at, needed = r.all_named_at
            named_text = fmt_seconds(at - t0)
            requests_text = "%d" % needed + (" (%d in all)" % total if total != needed else "")
        else:
            named_text = "%d of %d in %.0f s" % (len(r.first_named), STORM, window)
            requests_text = "%d" % total
        if kind == "pagerduty":
            triggers = [t - t0 for t, _, _, named in r.requests if named]
            if len(triggers) > PD_BURST + 1:
                span = triggers[-1] - triggers[0]
                steady = (len(triggers) - PD_BURST) / span * 60 if span > 0 else float("inf")
                busiest = max(sum(1 for u in triggers if t <= u < t + 60) for t in triggers)
                rate = "%.0f/min after the burst of %d; most in any 60 s: %d" % (steady, PD_BURST, busiest)
                if r.all_named_at is None:
                    projected = triggers[-1] + (STORM - len(r.first_named)) / (steady / 60)
                    named_text += " (all at ≈%.0f s)" % projected
                if steady > PD_LIMIT or busiest > PD_LIMIT:
                    notes.append("PagerDuty above %d events a minute" % PD_LIMIT)
            else:
                rate = "%d triggers" % len(triggers)
            if len(r.dedup_keys) != len(triggers) or any(len(n) != 1 for _, _, _, n in r.requests):
                notes.append("PagerDuty: %d events, %d distinct dedup_keys, %d events naming one connector"
                             % (total, len(r.dedup_keys), sum(1 for *_, n in r.requests if len(n) == 1)))
        else:
            span = (times[-1] - times[0]) if len(times) > 1 else 0
            rate = "%.1f/s" % ((len(times) - 1) / span) if span > 0 else "-"
        if r.odd:
            notes.append("%s: unexpected requests %s" % (kind, dict(r.odd)))
        rows.append((kind, named_text, requests_text, rate, str(again)))
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    print()
    if "slack" in receivers:
        r = receivers["slack"]
        if r.all_named_at is not None:
            at, needed = r.all_named_at
            got = "all %d named in %.2f s with %d posts" % (STORM, at - t0, needed)
        else:
            got = "%d of %d named in %.0f s with %d posts" % (len(r.first_named), STORM, window, len(r.requests))
        print("Slack: %s; before PagerDuty and Teams existed: about %.0f s with about %d posts (for 1000)"
              % (got, SLACK_BEFORE[0], SLACK_BEFORE[1]))
    print("listener: peak RSS %s MB, CPU %s s during the storm (%s s in all); exit on SIGTERM: %s"
          % ("%.1f" % (rss / 1024) if rss else "?",
             "%.2f" % (cpu - cpu_before) if cpu is not None else "?",
             "%.2f" % cpu if cpu is not None else "?", stop_code))
    if crashed is not None:
        notes.append("the listener exited by itself with %s during the run" % crashed)
    counts, examples, lines = log_findings(log_path)
    print("listener log: %d lines (%s)" % (lines, ", ".join("%s: %d" % kv for kv in counts.most_common())))
    for line in examples.values():
        print("    | " + line)
    sends = collections.Counter()
    for line in open(log_path, "rb").read().decode("utf-8", "replace").splitlines():
        if line.startswith("<-- "):
            sends[" ".join(line.split()[1:3])] += 1
    print("    sends as logged: %s; answered by the fakes: %s" % (
        ", ".join("%s ×%d" % kv for kv in sorted(sends.items())),
        ", ".join("%s %s" % (k, {"slack": 200, "pagerduty": 202, "teams": 202, "forward": 204}[k])
                  for k in receivers)))
    for note in notes:
        print("note: " + note)
    failed = crashed is not None or sender.answers.get(200, 0) != STORM
    return 1 if failed else 0


def on_term(signum, frame):
    raise SystemExit(130)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = (sys.argv[1] if len(sys.argv) > 1 else None) or os.environ.get("BINARY") or \
        os.path.join(root, ".build-bench", "release", "fivetran-notify")
    if len(sys.argv) > 2:
        work, own = sys.argv[2], False
    else:
        work, own = tempfile.mkdtemp(prefix="fivetran-notify-storm."), True
    try:
        sys.exit(main(binary, work))
    finally:
        if own:
            if KEEP:
                print("storm: work dir kept: %s" % work, file=sys.stderr)
            else:
                shutil.rmtree(work, ignore_errors=True)
