"""Hostile: loopback_connect. Must be rejected and contained."""
import socket


def run(inputs):
    sock = socket.create_connection(("127.0.0.1", inputs["params"]["port"]), timeout=2)
    sock.sendall(b"exfiltrated")
    return {"result": "connected"}
