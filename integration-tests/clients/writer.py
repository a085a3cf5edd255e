#!/usr/bin/python3
"""A test writer that finds the Redis master only through redis-py's Sentinel support.

Driven by the Java harness (harness/ClientProcess.java); run it with Debian's /usr/bin/python3 and its
python3-redis (4.3.4), which `make deps` installs. It is configured as an application would be: a
list of Sentinels, a master name, the password for both Redis and the Sentinels, and one connection
kept with a read timeout longer than any fault the tests inject (10 s), so it sees what an
application sees.

It appends 1, 2, 3... to one list, one write at a time, with a script that also returns the run id
of the Redis that ran it, so each acknowledgement names the server that took it although redis-py
hides its connections. After an error it tries the same value again, so a value is acknowledged at
most once. One line per event on stdout, flushed:

    ack <n> <run_id> <sent_epoch_ms> <acked_epoch_ms>
    err <n> <message>

Diagnostics go to stderr. SIGTERM stops it with exit code 0: between writes it closes its connection
first; a write in flight is abandoned (never reported as acknowledged) and exiting closes the socket.

How redis-py 4.3.4 finds a new master (redis/sentinel.py), as these tests see it:

* It asks the Sentinels only when it opens a connection: SentinelConnectionPool.get_master_address()
  runs SENTINEL MASTERS on each Sentinel in turn and takes the first that names the master as up
  (neither s_down nor o_down). It never subscribes to +switch-master, so while its connection to the
  old master stays open and writable it keeps writing there.
* It moves on READONLY: SentinelManagedConnection turns a READONLY reply into a disconnect and a
  ConnectionError("The previous master is now a slave"); the next command reconnects and asks the
  Sentinels again. So --reconnect-on-readonly is what redis-py always does; the flag is accepted
  only to keep one command line for every writer.
* It moves when its connection is killed or times out (the old master crashed, was shut down or
  closed the client): the error reaches the caller, nothing is resent, and the next command asks
  the Sentinels. Until they have failed over they still name the dead master, or none (while it is
  s_down), so the first retries fail fast with ConnectionError/MasterNotFoundError.
* During a switchover done as charts do it (CLIENT PAUSE WRITE on the old master, then SENTINEL
  FAILOVER), a write sent to the paused master waits there; it gets READONLY once the old master is
  a replica and unpaused, or a connection error if it is shut down, or this writer's read timeout.
* Given a password for a Sentinel that has none, every look-up fails with "AUTH <password> called
  without any password configured" (a ResponseError, which discover_master does not skip): this writer
  sends its one password to Redis and to the Sentinels, so its Sentinels must require it, as the
  tests' do.
"""

import argparse
import os
import signal
import sys
import time

import redis
from redis.sentinel import Sentinel

APPEND = ("redis.call('rpush',KEYS[1],ARGV[1]) "
          "return string.match(redis.call('info','server'),'run_id:(%w+)')")

# Connect timeout towards Redis and the Sentinels, and the read timeout towards the Sentinels: a
# Sentinel that does not answer quickly is skipped for the next.
SHORT_TIMEOUT_S = 2.0


def parse_args(argv):
    p = argparse.ArgumentParser(description="Sentinel test writer on redis-py")
    p.add_argument("--sentinels", required=True, help="host:port,host:port,...")
    p.add_argument("--master", required=True, help="the master name the Sentinels monitor")
    p.add_argument("--password-file", help="file holding the password of Redis and of the Sentinels")
    p.add_argument("--key", default="writer:log")
    p.add_argument("--period-ms", type=int, default=10)
    p.add_argument("--read-timeout-ms", type=int, default=10_000)
    p.add_argument("--reconnect-on-readonly", action="store_true",
                   help="accepted for a common command line: redis-py always reconnects on READONLY")
    a = p.parse_args(argv)
    if a.period_ms < 0 or a.read_timeout_ms <= 0:
        p.error("--period-ms must be >= 0 and --read-timeout-ms > 0")
    return a


def sentinel_addresses(spec):
    out = []
    for item in spec.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise SystemExit(f"--sentinels: '{item}' is not host:port")
        out.append((host, int(port)))
    return out


def read_password(path):
    if path is None:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().rstrip("\r\n")


def now_ms():
    return time.time_ns() // 1_000_000


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def one_line(e):
    text = f"{type(e).__name__}: {e}"
    return " ".join(text.split())


def main(argv):
    args = parse_args(argv)
    password = read_password(args.password_file)
    sentinel_kwargs = {"socket_timeout": SHORT_TIMEOUT_S, "socket_connect_timeout": SHORT_TIMEOUT_S}
    if password is not None:
        sentinel_kwargs["password"] = password
    sentinel = Sentinel(sentinel_addresses(args.sentinels), sentinel_kwargs=sentinel_kwargs)
    # One client with one pooled connection, kept until it breaks: the pool reconnects (and so asks
    # the Sentinels) only after the connection was dropped. No retries inside redis-py: every error
    # reaches this loop, which tries the same value again.
    master = sentinel.master_for(
        args.master,
        password=password,
        socket_timeout=args.read_timeout_ms / 1000.0,
        socket_connect_timeout=SHORT_TIMEOUT_S,
        retry_on_timeout=False,
        max_connections=1,
    )

    state = {"stopping": False, "in_flight": False, "acked": 0}

    def stopped():
        print(f"writer.py: stopped after {state['acked']} acknowledged writes", file=sys.stderr, flush=True)

    def on_term(signum, _frame):
        print(f"writer.py: signal {signum}, in flight: {state['in_flight']}", file=sys.stderr, flush=True)
        state["stopping"] = True
        if state["in_flight"]:
            # Inside redis-py, which may be blocked for up to the read timeout: raising here would
            # have to get through its error handling, so leave at once (stdout is flushed per line).
            stopped()
            os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    print(f"writer.py: redis-py {redis.__version__}, master '{args.master}' via {args.sentinels}, "
          f"key {args.key}, period {args.period_ms} ms, read timeout {args.read_timeout_ms} ms",
          file=sys.stderr, flush=True)

    n = 1
    while not state["stopping"]:
        deadline = time.monotonic() + args.period_ms / 1000.0
        sent = now_ms()
        try:
            state["in_flight"] = True
            run_id = master.eval(APPEND, 1, args.key, n)
            state["in_flight"] = False
            if isinstance(run_id, bytes):
                run_id = run_id.decode()
            emit(f"ack {n} {run_id} {sent} {now_ms()}")
            state["acked"] = n
            n += 1
        except Exception as e:  # every error of the library: report it, try the same value again
            state["in_flight"] = False
            emit(f"err {n} {one_line(e)}")
        rest = deadline - time.monotonic()
        if rest > 0 and not state["stopping"]:
            time.sleep(rest)
    master.connection_pool.disconnect()
    stopped()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
