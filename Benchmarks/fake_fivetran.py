#!/usr/bin/env python3
"""A minimal fake of Fivetran's GET /v1/webhooks for benchmarks: N webhooks, paged by `limit`
(max 1000) with `next_cursor`. Pages are rendered once at start so the server costs little per request.

Usage: fake_fivetran.py COUNT PORT_FILE   (binds 127.0.0.1 on a free port and writes it to PORT_FILE)
"""
import base64
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

API_KEY, API_SECRET = "bench_key", "bench_secret"
EXPECTED_AUTH = "Basic " + base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()


def make_webhooks(count):
    events = ["sync_end", "dbt_run_failed", "connection_failure"]
    hooks = []
    for i in range(count):
        hook = {
            "id": f"wh_{i:05d}",
            "type": "group" if i % 3 else "account",
            "url": f"https://hooks{i % 17}.example.com/fivetran/{i}",
            "events": events[: 1 + i % 3],
            "active": i % 11 != 0,
            "secret": "******",
            "created_at": "2026-01-02T03:04:05.678Z",
            "created_by": f"user_{i % 7}",
        }
        if i % 3:
            hook["group_id"] = f"grp_{i % 23}"
        hooks.append(hook)
    return hooks


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hooks = []
    cache = {}

    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/v1/webhooks":
            return self.send_json(404, b'{"code":"NotFound","message":"no such path"}')
        if self.headers.get("Authorization") != EXPECTED_AUTH:
            return self.send_json(401, b'{"code":"AuthFailed","message":"Invalid API key or secret"}')
        query = parse_qs(url.query)
        limit = max(1, min(1000, int(query.get("limit", ["100"])[0])))
        cursor = query.get("cursor", ["cursor-0"])[0]
        offset = int(cursor.split("-", 1)[1])
        key = (offset, limit)
        body = self.cache.get(key)
        if body is None:
            data = {"items": self.hooks[offset : offset + limit]}
            if offset + limit < len(self.hooks):
                data["next_cursor"] = f"cursor-{offset + limit}"
            body = json.dumps({"code": "Success", "data": data}).encode()
            self.cache[key] = body
        self.send_json(200, body)


def main():
    count, port_file = int(sys.argv[1]), sys.argv[2]
    Handler.hooks = make_webhooks(count)
    for offset in range(0, count, 1000):  # render the benchmark's pages up front
        data = {"items": Handler.hooks[offset : offset + 1000]}
        if offset + 1000 < count:
            data["next_cursor"] = f"cursor-{offset + 1000}"
        Handler.cache[(offset, 1000)] = json.dumps({"code": "Success", "data": data}).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
