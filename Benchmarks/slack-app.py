"""Slack app mode through `fivetran-notify listen` on 127.0.0.1 (driven by Benchmarks/slack-app.sh).

A fake Slack Web API (chat.postMessage, chat.update: ok, with a `ts` per post) and a fake incoming
webhook record every request with its arrival time. Then:

1. Latency of a single failure, with the bot token and with the incoming webhook: SINGLES failures of
   distinct connectors, one at a time, 1.2 s apart (below Slack's pacing of one a second, so no wait is
   pacing), each from sending the signed delivery until its post arrived at the fake; p50 and p90.
2. A storm with the bot token: STORM failures of distinct connectors at once (32 threads), until the
   outbox is quiet: how long until every connector was named in a post (parent or thread), how many
   parent messages; then the STORM recoveries: how long until every parent was updated green, and
   the chat.postMessage and chat.update calls (with the most chat.update calls in any 60 s).
3. While both storms run, a signed button click every 100 ms to the actions path: how long each took
   to be answered; p50 and p99. The clicks press a real parent's first button (Acknowledge) on a
   message the listener does not track, so each is verified, recorded and answered like any click,
   and is then told "no longer tracked" by its response_url: no chat.update of theirs mixes with the
   storm's figures.

Python 3 standard library only. It reports; it asserts no figures. Exit 1 when a listener did not
start or a delivery was not answered 200.
"""

import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import urllib.parse
import socket
import subprocess
import sys
import threading
import time

KEY = "bench-signing-key-0123456789abcdef"
TOKEN = "xoxb-0000-1111-benchTokenABCD"
SIGNING_SECRET = "bench-slack-signing-secret-0123"
SINGLES = int(os.environ.get("SINGLES", "20"))
STORM = int(os.environ.get("STORM", "1000"))
QUIET = float(os.environ.get("QUIET", "3"))
MAX_WAIT = float(os.environ.get("MAX_WAIT", "180"))
lock = threading.Lock()
requests = []  # (path, time, json, ts answered)


def now():
    return time.monotonic()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fake(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    next_ts = [0]

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            obj = json.loads(body)
        except ValueError:
            obj = {}
        with lock:
            Fake.next_ts[0] += 1
            ts = "1800000000.%06d" % Fake.next_ts[0]
            requests.append((self.path, now(), obj, obj.get("ts", ts)))
        if self.path.startswith("/api/"):
            answer = {"ok": True, "channel": "C0BENCH", "ts": obj.get("ts", ts)}
            data = json.dumps(answer).encode()
            kind = "application/json"
        else:
            data, kind = b"ok", "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


START = time.time()


def created(seconds_ago):
    """An ISO 8601 time `seconds_ago` before the run began (fresh for --max-age, distinct per delivery)."""
    moment = START - seconds_ago
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + ".%03dZ" % int(moment % 1 * 1000)


def delivery(connector, n, status="FAILURE"):
    body = json.dumps({
        "event": "sync_end", "created": created((1800 if status != "SUCCESSFUL" else 600) - n * 0.001),
        "connector_type": "postgres", "connector_id": "id_" + connector, "connector_name": connector,
        "sync_id": "sync-%s-%d" % (connector, n), "destination_group_id": "bench",
        "data": {"status": status, "reason": "password rejected"} if status != "SUCCESSFUL" else
        {"status": status}}).encode()
    return body, hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()


def post(port, item):
    body, signature = item
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/", body, {"Content-Type": "application/json",
                                           "X-Fivetran-Signature-256": signature})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def start(binary, work, name, args, env_extra):
    port = free_port()
    env = dict(os.environ, FIVETRAN_SIGNING_KEY=KEY, HOME=work, XDG_CONFIG_HOME=os.path.join(work, "config"))
    for variable in ("SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_SIGNING_SECRET",
                     "FIVETRAN_API_KEY", "FIVETRAN_API_SECRET"):
        env.pop(variable, None)
    env.update(env_extra)
    log = open(os.path.join(work, name + ".log"), "wb")
    proc = subprocess.Popen(
        [binary, "listen", "--host", "127.0.0.1", "--port", str(port), "--no-watch", "--state-dir",
         os.path.join(work, name + "-state")] + args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    deadline = now() + 30
    while now() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    sys.exit("slack-app: the %s listener did not start; see %s.log" % (name, name))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def singles(port, prefix, path_prefix):
    latencies = []
    for i in range(SINGLES):
        connector = "%s_%d" % (prefix, i)
        with lock:
            seen = len(requests)
        sent = now()
        if post(port, delivery(connector, i)) != 200:
            sys.exit("slack-app: a delivery was not answered 200")
        while now() - sent < 10:
            with lock:
                hit = next((t for p, t, o, _ in requests[seen:] if p.startswith(path_prefix)
                            and connector in json.dumps(o)), None)
            if hit:
                latencies.append(hit - sent)
                break
            time.sleep(0.001)
        time.sleep(1.2)
    return latencies


def until_quiet(since_index, quiet=QUIET):
    start_time = now()
    last = start_time
    count = 0
    while now() - start_time < MAX_WAIT:
        with lock:
            # Web API calls only: the clicks' response_url answers keep coming.
            calls = sum(1 for p, _, _, _ in requests[since_index:] if p.startswith("/api/"))
        if calls != count:
            count, last = calls, now()
        if now() - last > quiet:
            break
        time.sleep(0.05)
    return last - start_time


def click_payload(base, ts, action):
    return {"type": "block_actions", "user": {"id": "U0BENCH", "username": "bench"},
            "container": {"type": "message", "message_ts": ts, "channel_id": "C0BENCH"},
            "actions": [{"action_id": action.get("action_id", "ack"), "value": action.get("value", ""),
                         "action_ts": "%.6f" % time.time()}],
            "response_url": base + "/response/bench"}


class Clicker:
    """Signed clicks every 100 ms on the listener's actions path; the answer time of each."""

    def __init__(self, port, base, target):
        self.port, self.base, self.target = port, base, target
        self.latencies, self.bad = [], 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            ts, action = self.target()
            body = ("payload=" + urllib.parse.quote(json.dumps(click_payload(self.base, ts, action)))).encode()
            stamp = str(int(time.time()))
            signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body,
                                         hashlib.sha256).hexdigest()
            sent = now()
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            connection.request("POST", "/slack/actions", body, {
                "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature})
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                self.latencies.append(now() - sent)
            else:
                self.bad += 1
            self.stop.wait(0.1)


def parents_of(start_index):
    """Top-level chat.postMessage calls since `start_index`: (ts, time, body)."""
    with lock:
        return [(ts, t, o) for p, t, o, ts in requests[start_index:]
                if p == "/api/chat.postMessage" and not o.get("thread_ts")]


def first_button(body):
    for block in body.get("blocks") or []:
        if block.get("type") == "actions":
            for element in block.get("elements") or []:
                if element.get("type") == "button":
                    return element
    return {}


def storm(port, status, quiet=QUIET):
    items = [delivery("storm_%d" % i, i if status != "SUCCESSFUL" else i + 3000, status) for i in range(STORM)]
    with lock:
        seen = len(requests)
    failures = []
    began = now()

    def worker(chunk):
        for item in chunk:
            if post(port, item) != 200:
                failures.append(item)

    threads = [threading.Thread(target=worker, args=(items[i::32],)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit("slack-app: %d deliveries were not answered 200" % len(failures))
    took = until_quiet(seen, quiet)
    if took >= MAX_WAIT - quiet:
        print("  (still sending after MAX_WAIT=%.0f s: the figures below are a lower bound)" % MAX_WAIT)
    with lock:
        phase = requests[seen:]
    calls = [p for p, _, _, _ in phase]
    return began, phase, took, calls.count("/api/chat.postMessage"), calls.count("/api/chat.update")


def named_after(began, phase):
    """Seconds from the storm's first delivery until every connector was named in a post; None if not all."""
    first = {}
    for p, t, o, _ in phase:
        if p == "/api/chat.postMessage":
            for name in set(re.findall(r"storm_\d+", json.dumps(o))):
                first.setdefault(name, t)
    if len(first) < STORM:
        return None, len(first)
    return max(first.values()) - began, len(first)


def is_green(body):
    text = body.get("text", "")
    return text.startswith("Recovered") or re.match(r"All \d+ recovered", text) is not None


def green_after(began, phase, parents):
    """Seconds from the first recovery until every parent was updated green; and how many were."""
    green = {}
    for p, t, o, _ in phase:
        if p == "/api/chat.update" and o.get("ts") in parents and is_green(o):
            green.setdefault(o["ts"], t)
    if len(green) < len(parents):
        return None, len(green)
    return max(green.values()) - began, len(green)


def most_updates_in_a_minute(phase):
    times = sorted(t for p, t, _, _ in phase if p == "/api/chat.update")
    most, left = 0, 0
    for right, t in enumerate(times):
        while t - times[left] >= 60:
            left += 1
        most = max(most, right - left + 1)
    return most


def main(binary, work):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_address[1]
    app, app_port = start(binary, work, "app", ["--slack-channel", "C0BENCH"],
                          {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": base + "/api",
                           "SLACK_SIGNING_SECRET": SIGNING_SECRET})
    hook, hook_port = start(binary, work, "webhook", ["--slack-webhook-url", base + "/hook/T/B/X"], {})
    try:
        app_latency = singles(app_port, "app", "/api/chat.postMessage")
        hook_latency = singles(hook_port, "hook", "/hook/")
        print("single failure, send → post at the fake (%d each):" % SINGLES)
        for name, values in (("bot token (chat.postMessage)", app_latency), ("incoming webhook", hook_latency)):
            if values:
                print("  %-30s p50 %6.1f ms   p90 %6.1f ms" % (name, percentile(values, 50) * 1000,
                                                             percentile(values, 90) * 1000))
        hook.terminate()
        with lock:
            storm_start = len(requests)
        button = next((first_button(o) for _, _, o in parents_of(0) if first_button(o)), {})

        def target():
            return "1700000000.000001", button

        clicker = Clicker(app_port, base, target)
        clicker.thread.start()
        began, phase, took, posts, updates = storm(app_port, "FAILURE")
        parents = parents_of(storm_start)
        named, count = named_after(began, phase)
        print("%d failures at once (bot token): quiet after %.1f s; %d chat.postMessage, %d chat.update"
              % (STORM, took, posts, updates))
        print("  every connector named after %s (%d of %d named); %d parent messages"
              % ("%.2f s" % named if named is not None else "— not all", count, STORM, len(parents)))
        # A digest's parent changes at most once a minute: the recoveries go quiet for up to a minute.
        began, phase, took, posts, updates = storm(app_port, "SUCCESSFUL", quiet=max(QUIET, 65))
        clicker.stop.set()
        clicker.thread.join()
        green, count = green_after(began, phase, {ts for ts, _, _ in parents})
        print("%d recoveries (bot token): quiet after %.1f s; %d chat.postMessage, %d chat.update"
              % (STORM, took, posts, updates))
        print("  every parent green after %s (%d of %d green); at most %d chat.update in any 60 s"
              % ("%.1f s" % green if green is not None else "— not all", count, len(parents),
                 most_updates_in_a_minute(phase)))
        told, count = named_after(began, phase)
        print("  every recovery told in a thread after %s (%d of %d named)"
              % ("%.1f s" % told if told is not None else "— not all", count, STORM))
        if clicker.latencies:
            print("button clicks during both storms (%d, %d not answered 200): answered p50 %.1f ms, p99 %.1f ms"
                  % (len(clicker.latencies), clicker.bad, percentile(clicker.latencies, 50) * 1000,
                     percentile(clicker.latencies, 99) * 1000))
    finally:
        for proc in (app, hook):
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
        server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
