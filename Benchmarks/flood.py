#!/usr/bin/env python3
"""Large-body flood against `fivetran-notify listen` (cli.md "Memory has a budget").

CLIENTS connections (default 150) each send a 1 MiB body with a wrong signature, slowly enough (over
SPREAD seconds) that all of them are in flight together, while a valid signed delivery is posted
every half second. Prints the listener's RSS before, at its peak and SETTLE seconds (default 20)
after the clients left, how the flood was answered (401 read and refused, 503 over budget, closed),
and the valid deliveries' answer times. Exit 1 when a valid delivery was not answered 200.

    python3 Benchmarks/flood.py BINARY [LISTEN_ARGS...]

Standard library only. Talks to 127.0.0.1 only; bounded in count and time.
"""
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

KEY = "flood-signing-key-0123456789abcdef"
CLIENTS = int(os.environ.get("CLIENTS", "150"))
SPREAD = float(os.environ.get("SPREAD", "6"))
SETTLE = float(os.environ.get("SETTLE", "20"))
BODY = 1 << 20


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, body, signature, timeout=30):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        head = (f"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"X-Fivetran-Signature-256: {signature}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        s.sendall(head.encode() + body)
        answer = s.recv(64)
    return answer.split(b" ", 2)[1].decode() if answer else "closed", time.monotonic() - started


def bad_client(port, results, index):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=SPREAD + 30) as s:
            s.sendall((f"POST / HTTP/1.1\r\nHost: x\r\nX-Fivetran-Signature-256: {'0' * 64}\r\n"
                       f"Content-Length: {BODY}\r\nConnection: close\r\n\r\n").encode())
            chunk = b"x" * (64 * 1024)
            steps = BODY // len(chunk)
            for _ in range(steps):
                try:
                    s.sendall(chunk)
                except OSError:
                    break
                time.sleep(SPREAD / steps)
            answer = s.recv(64)
            results[index] = answer.split(b" ", 2)[1].decode() if answer else "closed"
    except OSError:
        results[index] = "closed"


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="fivetran-notify-flood.")
    port = free_port()
    env = dict(os.environ, FIVETRAN_SIGNING_KEY=KEY, HOME=work, XDG_CONFIG_HOME=work + "/config")
    listener = subprocess.Popen(
        [binary, "listen", "--dry-run", "--host", "127.0.0.1", "--port", str(port), "--state-dir", work + "/state"]
        + sys.argv[2:], env=env, stdout=subprocess.DEVNULL, stderr=open(work + "/listener.log", "w"))
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # Warm up with a few valid deliveries, then take the baseline.
        for i in range(20):
            body = json.dumps({"event": "sync_end", "connector_id": f"warm_{i}", "data": {"status": "SUCCESSFUL"}}).encode()
            request(port, body, hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest())
        time.sleep(1)
        before = rss_mb(listener.pid)
        peak = [before]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_mb(listener.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        results = [None] * CLIENTS
        threads = [threading.Thread(target=bad_client, args=(port, results, i)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        valid = []
        n = 0
        while any(t.is_alive() for t in threads):
            body = json.dumps({"event": "sync_end", "connector_id": f"flood_{n}", "data": {"status": "FAILURE"}}).encode()
            valid.append(request(port, body, hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()))
            n += 1
            time.sleep(0.5)
        for t in threads:
            t.join()
        time.sleep(0.5)
        stop.set()
        sampler.join()
        time.sleep(SETTLE)
        after = rss_mb(listener.pid)
        answers = {}
        for r in results:
            answers[r] = answers.get(r, 0) + 1
        times = sorted(t for _, t in valid)
        ok = sum(1 for status, _ in valid if status == "200")
        print(f"flood: {CLIENTS} clients x 1 MiB bad bodies over {SPREAD:.0f} s; answers {answers}")
        print(f"RSS: {before:.1f} MB before, {peak[0]:.1f} MB peak, {after:.1f} MB {SETTLE:.0f} s after")
        if times:
            print(f"valid deliveries during the flood: {ok}/{len(valid)} answered 200; "
                  f"answer time p50 {times[len(times) // 2] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")
        return 0 if ok == len(valid) else 1
    finally:
        listener.terminate()
        try:
            listener.wait(timeout=15)
        except subprocess.TimeoutExpired:
            listener.kill()


if __name__ == "__main__":
    sys.exit(main())
