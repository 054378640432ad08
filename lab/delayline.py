#!/usr/bin/env python3
"""
The network lab's delay line (lab/delay.ts starts it; docs/networks.md). This kernel has no sch_netem, so the lab's
router namespace policy-routes every forwarded IPv4 packet into a TUN device; this program reads each packet, holds
it for its host pair's one-way delay, drops the configured fraction, and writes it back to the TUN, from where the
kernel forwards it on. The delay is fixed per (source, destination) pair, so release order equals arrival order
within a pair: a delay line, never a reordering.

Usage: delayline.py <tun name>, run inside the router namespace. The first line on stdin is the configuration:
  {"pairs": [["10.77.1.1", "10.77.1.2", <one-way ms>], ...], "defaultMs": <ms>, "loss": <fraction>, "seed": <int>}
(pairs are symmetric). Then it prints "ready". Each later line "stats" prints a JSON line of counters. The program
exits when stdin closes, so it never outlives the lab process that started it (even one killed with SIGKILL).
Only the Python standard library is used.
"""
import fcntl
import heapq
import json
import os
import random
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
# packets held at once: past this the line drops, as a router's full queue would (about 100 MB of 1,500-byte packets)
QUEUE_LIMIT = 65536
# packets read per wake-up before releasing due ones, so a burst does not delay what is already due
READ_BATCH = 256


def read_line(buffered):
    """Read stdin (fd 0) unbuffered until a newline; returns (line, rest)"""
    while b"\n" not in buffered:
        chunk = os.read(0, 65536)
        if not chunk:
            sys.exit(0)
        buffered += chunk
    line, rest = buffered.split(b"\n", 1)
    return line, rest


def main():
    name = sys.argv[1]
    line, pending = read_line(b"")
    config = json.loads(line)
    delays = {}
    for a, b, ms in config["pairs"]:
        a4, b4 = socket.inet_aton(a), socket.inet_aton(b)
        delays[(a4, b4)] = delays[(b4, a4)] = ms / 1000.0
    default = config.get("defaultMs", 0) / 1000.0
    loss = float(config.get("loss", 0))
    rng = random.Random(config.get("seed", 1))

    # a delay line must wake when a packet is due, not when a loaded machine's scheduler gets to it: the lowest
    # real-time priority (the process sleeps in select between packets and uses little CPU); as it was, if refused
    realtime = False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
        realtime = True
    except (AttributeError, OSError):
        pass
    tun = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    stats = {"forwarded": 0, "dropped": 0, "overflow": 0, "writeErrors": 0, "other": 0, "lateMaxMs": 0.0, "late10": 0, "late50": 0}
    heap = []
    seq = 0
    sys.stdout.write("ready\n")
    sys.stdout.flush()

    while True:
        now = time.monotonic()
        timeout = max(0.0, heap[0][0] - now) if heap else None
        readable, _, _ = select.select([tun, 0], [], [], timeout)
        now = time.monotonic()
        if tun in readable:
            for _ in range(READ_BATCH):
                try:
                    packet = os.read(tun, 65536)
                except BlockingIOError:
                    break
                if len(packet) >= 20 and packet[0] >> 4 == 4:
                    delay = delays.get((packet[12:16], packet[16:20]), default)
                else:
                    stats["other"] += 1
                    delay = default
                if loss > 0 and rng.random() < loss:
                    stats["dropped"] += 1
                    continue
                if len(heap) >= QUEUE_LIMIT:
                    stats["overflow"] += 1
                    continue
                # seq breaks ties in arrival order: equal release times keep their order
                heapq.heappush(heap, (now + delay, seq, packet))
                seq += 1
        if 0 in readable:
            chunk = os.read(0, 65536)
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                command, pending = pending.split(b"\n", 1)
                if command.strip() == b"stats":
                    sys.stdout.write(json.dumps({**stats, "queued": len(heap), "cpuSeconds": time.process_time(), "realtime": realtime}) + "\n")
                    sys.stdout.flush()
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            due, _, packet = heapq.heappop(heap)
            late = (now - due) * 1000.0
            stats["lateMaxMs"] = max(stats["lateMaxMs"], late)
            if late > 10:
                stats["late10"] += 1
            if late > 50:
                stats["late50"] += 1
            try:
                os.write(tun, packet)
                stats["forwarded"] += 1
            except OSError:
                stats["writeErrors"] += 1


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
