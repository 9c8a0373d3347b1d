#!/usr/bin/env python3
"""Hostile clients for tests/e2e/abuse_test.sh (loopback only, bounded in count and time).

  abuse_clients.py hold PORT SLOW WATCHES READY_FILE
      opens SLOW connections that send half a request header and hold it, and WATCHES watches
      (one per namespace, as agents hold them); writes READY_FILE once all are open, then keeps
      them until killed. Prints how many slow connections the server closed (header deadline).
  abuse_clients.py request PORT METHOD PATH CONTENT_TYPE BODY_KIND
      sends one request whose body is generated (BODY_KIND: deep-object, merge-bomb,
      strategic-bomb, huge-annotation, oversize); prints the HTTP status code.
"""
import json
import os
import socket
import ssl
import sys
import time


# The server speaks TLS with its own CA (E2E_CA) and wants the admin token (E2E_TOKEN).
TLS = ssl.create_default_context(cafile=os.environ["E2E_CA"])
AUTH = "Authorization: Bearer %s\r\n" % os.environ["E2E_TOKEN"]


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    return TLS.wrap_socket(s, server_hostname="127.0.0.1")


def hold(port, slow, watches, ready_file):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    slow_socks, watch_socks = [], []
    for _ in range(slow):
        s = connect(port)
        s.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        slow_socks.append(s)
    for i in range(watches):
        s = connect(port)
        s.sendall(("GET /api/v1/namespaces/abuse-%d/configmaps?watch=1 HTTP/1.1\r\n"
                   "Host: x\r\n%s\r\n" % (i, AUTH)).encode())
        watch_socks.append(s)
    for i, s in enumerate(watch_socks):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("watch %d closed before its headers" % i)
            head += chunk
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            sys.exit("watch %d: %r" % (i, head.split(b"\r\n", 1)[0]))
    with open(ready_file, "w") as f:
        f.write("ready\n")
    # Hold until killed; report slow connections the server closed, once a second.
    closed = set()
    while True:
        for i, s in enumerate(slow_socks):
            if i in closed:
                continue
            s.setblocking(False)
            try:
                data = s.recv(1)
                if data == b"":
                    closed.add(i)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
            except OSError:
                closed.add(i)
        with open(ready_file + ".closed", "w") as f:
            f.write("%d\n" % len(closed))
        time.sleep(1)


def deep(depth, leaf):
    return "{\"a\":" * depth + leaf + "}" * depth


def body_for(kind):
    gitrepo = {"apiVersion": "fleet.cattle.io/v1alpha1", "kind": "GitRepo",
               "metadata": {"name": "abuse", "namespace": "fleet-local"},
               "spec": {"repo": "https://example.com/r"}}
    if kind == "deep-object":  # a valid GitRepo plus a field nested 60,000 deep (~360 KB)
        text = json.dumps(gitrepo)
        return text[:-1] + ", \"bogus\": " + deep(60000, "1") + "}"
    if kind == "merge-bomb":
        return deep(50000, "1")
    if kind == "strategic-bomb":
        return deep(4000, "1")
    if kind == "huge-annotation":  # 2 MiB: under the body limit, over the object limit
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": "huge", "annotations": {"a": "x" * (2 << 20)}}}
        return json.dumps(cm)
    if kind == "oversize":  # 4 MiB: over the body limit
        return json.dumps({"metadata": {"name": "big"}, "data": {"a": "x" * (4 << 20)}})
    sys.exit("unknown body kind " + kind)


def request(port, method, path, content_type, kind):
    body = body_for(kind).encode()
    s = connect(port)
    s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\n%sContent-Type: %s\r\nContent-Length: %d\r\n"
               "Connection: close\r\n\r\n" % (method, path, AUTH, content_type,
                                                len(body))).encode())
    try:
        s.sendall(body)
    except OSError:
        pass  # the server may refuse an oversized body before reading it
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    print(data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "none")


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        hold(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "request":
        request(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6])
    else:
        sys.exit(__doc__)
