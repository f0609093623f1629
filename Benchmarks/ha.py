#!/usr/bin/env python3
"""Two or three listeners on one PostgreSQL through a failure storm, one killed with SIGKILL in the
middle (ha.md, "How it is checked"); Benchmarks/ha.sh starts the database and runs this. Python 3
standard library only (it reuses storm.py's fake Slack and deliveries); everything is on 127.0.0.1.

    ha.py BINARY DATABASE_URL NODES WORK_DIR

DATABASE_URL must name a database that is empty (ha.sh makes a new one per run). NODES listeners run
`listen --database DATABASE_URL --node-name nodeN` with one fake Slack incoming webhook on the
default route at the default pacing. STORM [1000] signed `sync_end` failures of distinct connectors
are sent by THREADS [32] threads spread over the nodes as a load balancer would (round robin; a
connection refused, a reset or a 503 is tried on the next node). When KILL_AT [0.5] of them were
answered, node1 gets SIGKILL. It then waits at most MAX_WAIT [120] seconds for every connector to be
named and prints: deliveries answered 200, connectors named, lost (answered 200, never named: must be
0), named twice or more and in how many re-sent posts (at most the kill's in-flight sends), the most Slack posts in any 1 s and any
10 s window (one listener: about 1 a second with a burst of 3), the seconds from the first delivery
sent until every connector was named, and each node's exit. It reports; it does not assert.
"""
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storm  # noqa: E402  (the fake receivers, the deliveries and their signatures)

KILL_AT = float(os.environ.get("KILL_AT") or 0.5)
MAX_WAIT = float(os.environ.get("MAX_WAIT") or 120)
THREADS = storm.env_int("THREADS", 32)
STORM = storm.STORM


def start_node(binary, database, number, slack, work):
    port = storm.free_port()
    name = "node%d" % number
    env = dict(os.environ, FIVETRAN_SIGNING_KEY=storm.KEY, HOME=work,
               XDG_CONFIG_HOME=os.path.join(work, "config"), XDG_STATE_HOME=os.path.join(work, "xdg-state"))
    for variable in ("SLACK_WEBHOOK_URL", "PAGERDUTY_ROUTING_KEY", "TEAMS_WEBHOOK_URL", "FORWARD_URL",
                     "FIVETRAN_API_KEY", "FIVETRAN_API_SECRET", "FIVETRAN_NOTIFY_DATABASE_URL"):
        env.pop(variable, None)
    args = [binary, "listen", "--host", "127.0.0.1", "--port", str(port), "--no-watch",
            "--state-dir", os.path.join(work, name), "--database", database, "--node-name", name,
            "--slack-webhook-url", slack]
    log = open(os.path.join(work, name + ".log"), "wb")
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    return {"name": name, "port": port, "proc": proc, "alive": True}


class Balancer:
    """Sends each delivery to the next live node; on a refused connection, a reset or a 503 it tries
    the next one, as a load balancer with retries would (Fivetran itself would retry later)."""

    def __init__(self, nodes, deliveries):
        self.nodes = nodes
        self.deliveries = deliveries
        self.next = 0
        self.turn = 0
        self.answered = 0
        self.acknowledged = set()
        self.retries = 0
        self.first_sent = None
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if self.next >= len(self.deliveries):
                return None
            self.next += 1
            return self.next - 1

    def pick(self):
        with self.lock:
            live = [n for n in self.nodes if n["alive"]]
            self.turn += 1
            return live[self.turn % len(live)] if live else None

    def worker(self):
        import http.client
        while True:
            index = self.take()
            if index is None:
                return
            body, signature = self.deliveries[index]
            for _ in range(20):
                node = self.pick()
                if node is None:
                    return
                with self.lock:
                    if self.first_sent is None:
                        self.first_sent = storm.now()
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", node["port"], timeout=15)
                    connection.request("POST", "/", body, {
                        "Content-Type": "application/json", "X-Fivetran-Signature-256": signature})
                    status = connection.getresponse().status
                    connection.close()
                except (OSError, http.client.HTTPException):
                    status = None
                if status == 200:
                    with self.lock:
                        self.answered += 1
                        self.acknowledged.add(index)
                    break
                with self.lock:
                    self.retries += 1
                time.sleep(0.05)


def main(binary, database, count, work):
    receiver, server = storm.start_receiver("slack")
    slack = "http://127.0.0.1:%d/services/T/B/X" % server.server_address[1]
    os.makedirs(os.path.join(work, "config"), exist_ok=True)
    nodes = [start_node(binary, database, n + 1, slack, work) for n in range(count)]
    try:
        deadline = time.monotonic() + 60
        for node in nodes:
            while not storm.healthy(node["port"]):
                if node["proc"].poll() is not None or time.monotonic() > deadline:
                    sys.exit("ha: %s did not become healthy; see %s.log in %s" % (node["name"], node["name"], work))
                time.sleep(0.1)
        deliveries = []
        for number in range(1, STORM + 1):
            body = storm.failure_body(number)
            deliveries.append((body, storm.sign(body)))
        balancer = Balancer(nodes, deliveries)
        threads = [threading.Thread(target=balancer.worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        victim = nodes[0]
        while balancer.answered < KILL_AT * STORM and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        with balancer.lock:
            victim["alive"] = False
        victim["proc"].send_signal(signal.SIGKILL)
        killed_at = storm.now()
        for t in threads:
            t.join()
        acknowledged = {n + 1 for n in balancer.acknowledged}
        wait_until = time.monotonic() + MAX_WAIT
        while time.monotonic() < wait_until:
            with storm.lock:
                named = set(receiver.first_named)
            if acknowledged <= named:
                break
            time.sleep(0.05)
        time.sleep(float(os.environ.get("LINGER") or 3))
        with storm.lock:
            requests = list(receiver.requests)
        times = [t for t, _, _, _ in requests]
        counts = {}
        for _, _, _, numbers in requests:
            for n in numbers:
                counts[n] = counts.get(n, 0) + 1
        named = set(counts)
        # A post is a re-send when everything it names was named before (a message cut by the kill and
        # sent again by another node after its claim expired).
        seen, resent = set(), 0
        for _, _, _, numbers in requests:
            if numbers and numbers <= seen:
                resent += 1
            seen |= numbers
        last_named = max((t for t, _, _, numbers in requests if numbers), default=None)

        def most_in(window):
            best, start = 0, 0
            for end in range(len(times)):
                while times[end] - times[start] >= window:
                    start += 1
                best = max(best, end - start + 1)
            return best

        exits = []
        for node in nodes[1:]:
            node["proc"].send_signal(signal.SIGTERM)
        for node in nodes:
            try:
                exits.append("%s %s" % (node["name"], node["proc"].wait(timeout=15)))
            except subprocess.TimeoutExpired:
                exits.append("%s did not stop" % node["name"])
        first = balancer.first_sent or 0
        print("%d nodes on one PostgreSQL, %d failures, node1 killed (SIGKILL) at %.1f s after %d answered"
              % (count, STORM, killed_at - first, int(KILL_AT * STORM)))
        print("  answered 200        %d of %d (%d retries on another node)"
              % (balancer.answered, STORM, balancer.retries))
        print("  connectors named    %d" % len(named & acknowledged))
        print("  lost                %d   (answered 200, never named; must be 0)" % len(acknowledged - named))
        print("  named twice or more %d, in %d re-sent posts   (at most the kill's in-flight sends)"
              % (sum(1 for c in counts.values() if c > 1), resent))
        print("  Slack posts         %d; most in any 1 s: %d, in any 10 s: %d"
              % (len(requests), most_in(1.0), most_in(10.0)))
        if last_named is not None and acknowledged <= named:
            print("  every connector named %.2f s after the first delivery was sent" % (last_named - first))
        else:
            print("  not every connector named within MAX_WAIT=%.0f s" % MAX_WAIT)
        print("  exits: %s (node1 was killed: -9)" % ", ".join(exits))
        return 0 if acknowledged <= named else 1
    finally:
        for node in nodes:
            if node["proc"].poll() is None:
                node["proc"].kill()
                node["proc"].wait()
        server.shutdown()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: ha.py BINARY DATABASE_URL NODES WORK_DIR")
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
