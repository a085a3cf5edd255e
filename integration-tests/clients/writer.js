#!/usr/bin/env node
// A test writer that finds the Redis master only through ioredis's Sentinel support.
//
// Driven by the Java harness (harness/ClientProcess.java); `make deps` installs ioredis 5.x from
// package-lock.json (`npm ci --prefix integration-tests/clients`); Debian 12's nodejs 18 runs it. It
// is configured as an application would be: a list of Sentinels, a master name, the password for
// both Redis and the Sentinels, failoverDetector on, and one connection kept with a read timeout
// (socketTimeout) longer than any fault the tests inject (10 s), so it sees what an application sees.
//
// It appends 1, 2, 3... to one list, one write at a time, with a script that also returns the run id
// of the Redis that ran it, so each acknowledgement names the server that took it although ioredis
// hides its connections. After an error it tries the same value again, so a value is acknowledged
// at most once. One line per event on stdout (a pipe: written synchronously on Linux):
//
//     ack <n> <run_id> <sent_epoch_ms> <acked_epoch_ms>
//     err <n> <message>
//
// Diagnostics go to stderr. SIGTERM stops it: a write in flight is abandoned (never reported as
// acknowledged), the connections are closed, and it exits 0.
//
// How ioredis 5 finds a new master (built/connectors/SentinelConnector), as these tests see it:
//
// - It asks the Sentinels (SENTINEL GET-MASTER-ADDR-BY-NAME, trying them in turn, then SENTINEL
//   SENTINELS to learn the others) only when it (re)connects, and then checks with INFO that the
//   server it reached is a master: one that answers as a replica sends it to the next Sentinel.
// - With failoverDetector it also keeps a subscription to +switch-master on every Sentinel (up to
//   sentinelMaxConnections) and, on the first such message, drops its connection and reconnects
//   through the Sentinels. That is what moves it in a switchover: a write waiting on the paused old
//   master is resent to the new one after the reconnect (autoResendUnfulfilledCommands), so
//   ClientWritersIT sees no error at all. The Sentinels publish +switch-master one after another
//   (the others learn the new configuration from the leader's hello messages); if the Sentinel it
//   asks on that first reconnect still names the old master, only a later message moves it again.
// - On READONLY it keeps its connection and returns the error, write after write: without
//   --reconnect-on-readonly (reconnectOnError) a connection that outlives a demotion, with no
//   +switch-master to follow (e.g. a replica made by hand, or the subscriptions down), stays on the
//   replica. With the flag it fails that one command and reconnects; while the Sentinels still name
//   the demoted server, the INFO check refuses it and the next writes wait in the offline queue
//   rather than fail.
// - When its connection is killed (the master crashed) it reconnects with its retryStrategy; each
//   try asks the Sentinels, which name the dead master until they fail over, so the writes sent
//   meanwhile wait in the offline queue (up to maxRetriesPerRequest reconnects) rather than fail;
//   its log then says "All sentinels are unreachable", meaning the master they named was. A command
//   written but not answered when the connection died is resent on the next connection: it may run
//   twice (a duplicate in the list, never a lost acknowledgement).
// - It can end for good in a crash failover: when a +switch-master arrives while it is resolving the
//   master through the Sentinels after the connection died, the FailoverDetector calls the
//   connector's disconnect(), the resolution in progress throws "Connection is closed.", and
//   Redis.connect() turns that into status "end": no more reconnects, every later command fails
//   with "Connection is closed." (ioredis 5.9.3: seen once in about a dozen ClientWritersIT runs;
//   reproduced by freezing, SIGSTOP, the Sentinel it asks first and killing the master: it waits on
//   that Sentinel while the others fail over and publish). This writer then makes a new client, as
//   an application would have to, and says so on stderr.
// - Given a password for a Sentinel that has none, it warns and goes on (redis-py fails instead).
"use strict";

// SIGTERM before the writer is set up (loading ioredis takes a while on a busy machine) still ends it
// with exit code 0; main() replaces this with the real stop.
let onSignal = () => process.exit(0);
process.on("SIGTERM", (signal) => onSignal(signal));
process.on("SIGINT", (signal) => onSignal(signal));

const Redis = require("ioredis");
const fs = require("fs");

const APPEND =
  "redis.call('rpush',KEYS[1],ARGV[1]) " +
  "return string.match(redis.call('info','server'),'run_id:(%w+)')";

// Connect timeout towards Redis and the Sentinels, and the command timeout towards the Sentinels.
const SHORT_TIMEOUT_MS = 2000;

function usage(message) {
  process.stderr.write(
    `writer.js: ${message}\n` +
      "usage: writer.js --sentinels h:p,h:p --master NAME [--password-file F] [--key K]" +
      " [--period-ms N] [--read-timeout-ms N] [--reconnect-on-readonly]\n"
  );
  process.exit(2);
}

function parseArgs(argv) {
  const a = { key: "writer:log", periodMs: 10, readTimeoutMs: 10000, reconnectOnReadonly: false };
  const value = (i) => {
    if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
    return argv[i + 1];
  };
  const int = (i) => {
    const v = Number(value(i));
    if (!Number.isInteger(v) || v < 0) usage(`${argv[i]}: '${argv[i + 1]}' is not a whole number >= 0`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case "--sentinels": a.sentinels = value(i); i++; break;
      case "--master": a.master = value(i); i++; break;
      case "--password-file": a.passwordFile = value(i); i++; break;
      case "--key": a.key = value(i); i++; break;
      case "--period-ms": a.periodMs = int(i); i++; break;
      case "--read-timeout-ms": a.readTimeoutMs = int(i); i++; break;
      case "--reconnect-on-readonly": a.reconnectOnReadonly = true; break;
      default: usage(`unknown argument '${argv[i]}'`);
    }
  }
  if (!a.sentinels) usage("--sentinels is required");
  if (!a.master) usage("--master is required");
  if (a.readTimeoutMs <= 0) usage("--read-timeout-ms must be > 0");
  a.sentinelList = a.sentinels.split(",").map((s) => {
    const colon = s.trim().lastIndexOf(":");
    const port = Number(s.trim().slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port)) usage(`--sentinels: '${s}' is not host:port`);
    return { host: s.trim().slice(0, colon), port };
  });
  return a;
}

function emit(line) {
  process.stdout.write(line + "\n");
}

function oneLine(e) {
  return `${e && e.name ? e.name : "Error"}: ${e && e.message ? e.message : e}`.split(/\s+/).join(" ");
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const password = args.passwordFile ? fs.readFileSync(args.passwordFile, "utf8").replace(/[\r\n]+$/, "") : null;

  const options = {
    sentinels: args.sentinelList,
    name: args.master,
    password,
    sentinelPassword: password,
    failoverDetector: true,
    connectTimeout: SHORT_TIMEOUT_MS,
    sentinelCommandTimeout: SHORT_TIMEOUT_MS,
    // The read timeout: no answer to a command for this long destroys the connection (as a Jedis
    // socket timeout does). commandTimeout would fail the command but keep it queued and the
    // connection open, so a retry could be a second outstanding write.
    socketTimeout: args.readTimeoutMs,
    reconnectOnError: args.reconnectOnReadonly ? (err) => err.message.startsWith("READONLY") : null,
  };
  const connect = () => {
    const client = new Redis(options);
    // Connection errors are also returned by the commands they fail; this keeps ioredis from
    // printing each as an unhandled error event.
    client.on("error", (e) => process.stderr.write(`writer.js: connection error: ${oneLine(e)}\n`));
    return client;
  };
  let redis = connect();

  let stopping = false;
  let wake = null;
  let acked = 0;
  const finish = () => {
    process.stderr.write(`writer.js: stopped after ${acked} acknowledged writes\n`);
    process.exit(0);
  };
  const stop = (signal) => {
    process.stderr.write(`writer.js: ${signal}\n`);
    if (stopping) return;
    stopping = true;
    if (wake) wake();
    // Fails a write in flight with "Connection is closed." and closes the Sentinel subscriptions.
    redis.disconnect();
    // A write waiting in the offline queue while ioredis resolves the master through the Sentinels
    // is not always failed by disconnect(): exit soon all the same.
    setTimeout(finish, 1000).unref();
  };
  onSignal = stop;
  process.stderr.write(
    `writer.js: ioredis ${require("ioredis/package.json").version} on node ${process.version}, master '${args.master}'` +
      ` via ${args.sentinels}, key ${args.key}, period ${args.periodMs} ms, read timeout ${args.readTimeoutMs} ms,` +
      ` reconnect on READONLY ${args.reconnectOnReadonly}\n`
  );

  let n = 1;
  while (!stopping) {
    if (redis.status === "end") {
      // ioredis gave up for good (see "end for good" in the header): what an application has to do.
      process.stderr.write("writer.js: the ioredis client has ended; making a new one\n");
      redis = connect();
    }
    const deadline = Date.now() + args.periodMs;
    const sent = Date.now();
    try {
      const runId = await redis.eval(APPEND, 1, args.key, String(n));
      emit(`ack ${n} ${runId} ${sent} ${Date.now()}`);
      acked = n;
      n++;
    } catch (e) {
      if (stopping) break;
      emit(`err ${n} ${oneLine(e)}`);
    }
    const rest = deadline - Date.now();
    if (rest > 0 && !stopping) {
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, rest);
      });
      wake = null;
    }
  }
  finish();
}

main().catch((e) => {
  process.stderr.write(`writer.js: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
