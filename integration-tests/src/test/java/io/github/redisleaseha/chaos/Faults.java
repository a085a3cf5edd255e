package io.github.redisleaseha.chaos;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.LocalCluster.Node;
import io.github.redisleaseha.harness.NetNs;
import io.github.redisleaseha.harness.Proc;
import io.github.redisleaseha.harness.RedisProcess;
import io.github.redisleaseha.harness.Writer;
import io.github.redisleaseha.kube.WriteEndpoint;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Lease;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * The faults of {@code make chaos} and {@code make soak}. Each injects one fault around the current
 * leader, keeps it for {@code hold} where it has a length, and heals it before returning.
 */
final class Faults {

  private Faults() {}

  /**
   * One kind of fault, with what it may cost.
   *
   * @param id a short name, for {@code -Dchaos.only=} and directory names
   * @param name what the report calls it
   * @param lost the bound on acknowledged writes it may lose
   * @param splitBrain the bound on writes two primaries may accept at once
   * @param needsProxy it needs the fault proxy in front of the API server
   * @param inSoak {@code make soak} draws it too (see {@link #SOAK})
   */
  record Fault(String id, String name, Bound lost, Bound splitBrain, boolean needsProxy, boolean inSoak, Injection injection) {
    Fault(String id, String name, Bound lost, boolean needsProxy, Injection injection) {
      this(id, name, lost, NO_SPLIT_BRAIN, needsProxy, true, injection);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Where a fault happens: the cluster, its current leader, how long to hold, and what to report. */
  record Scene(ChaosCluster chaos, Node leader, int index, Duration hold, Findings findings) {
    LocalCluster cluster() {
      return chaos.cluster();
    }

    NetNs net() {
      return chaos.net();
    }

    /** The network namespace of the pod {@code offset} places after the leader (0: the leader). */
    String host(int offset) {
      return LocalCluster.nsHost((index + offset) % cluster().nodes().size());
    }

    Node node(int offset) {
      return cluster().nodes().get((index + offset) % cluster().nodes().size());
    }
  }

  interface Injection {
    void inject(Scene s) throws Exception;
  }

  static final Bound NO_SPLIT_BRAIN = Bound.zero("no two primaries ever accept writes at once");

  static final Fault API_CUT = new Fault("api-cut", "leader cut off from the API server",
      Bound.zero("the leader fences at the renew deadline; its successor pauses it and catches up with it"), false,
      s -> {
        s.net().cut(s.host(0), s.cluster().apiServer().host());
        hold(s.hold());
        s.net().heal(s.host(0));
      });

  static final Fault REPLICAS_CUT = new Fault("replicas-cut", "leader cut off from its replicas",
      Bound.zero("the leader keeps the Lease and takes writes; replicas resync when healed"), false,
      s -> {
        cutFromReplicas(s);
        hold(s.hold());
        s.net().heal(s.host(0));
      });

  static final Fault ISOLATED = new Fault("isolated", "leader fully isolated (link down)",
      Bound.described("writes the leader acknowledged but had not yet replicated when its link went down"),
      Bound.measured("replies held on the wire: commands on the leader's connections across the heal"), false, true,
      s -> linkDownFor(s, s.host(0), s.leader(), s.hold()));

  static final Fault REPLICA_ISOLATED = new Fault("replica-isolated", "a replica isolated (link down)",
      Bound.zero("the leader is untouched"), false,
      s -> linkDownFor(s, s.host(1), null, s.hold()));

  static final Fault FLAPPING = new Fault("flapping", "leader's link flapping (1 s down, 1 s up)",
      Bound.described("as full isolation, for each flap"),
      Bound.measured("as full isolation, for each flap"), false, true,
      s -> {
        for (long k = 0; k < Math.max(1, s.hold().toSeconds() / 2); k++) {
          linkDownFor(s, s.host(0), s.leader(), Duration.ofSeconds(1));
          hold(Duration.ofSeconds(1));
        }
      });

  static final Fault SIDECAR_PAUSED = new Fault("sidecar-paused", "leader's sidecar JVM paused (SIGSTOP) past the lease",
      Bound.zero("the new leader pauses the old primary and catches up with it"), false,
      s -> {
        s.leader().sidecar.signal("STOP");
        try {
          hold(s.hold().compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : s.hold());
        } finally {
          s.leader().sidecar.signal("CONT");
        }
      });

  static final Fault REDIS_RESTART_EMPTY = new Fault("redis-restart-empty", "leader's Redis restarts with an empty dataset",
      Bound.described("writes the leader acknowledged but had not yet replicated when Redis died"), false,
      s -> {
        s.leader().redis.kill();
        s.leader().redis.start();
      });

  static final Fault LEASE_DELETED = new Fault("lease-deleted", "the Lease deleted by hand",
      Bound.zero("the new holder pauses any reachable primary and catches up with it"), false,
      s -> new CoordinationV1Api(s.cluster().client())
          .deleteNamespacedLease(LocalCluster.LEASE, LocalCluster.NAMESPACE).execute());

  static final Fault ENDPOINT_EDITED = new Fault("endpoint-edited", "the write EndpointSlice pointed at a replica by hand",
      Bound.zero("the replica refuses writes (READONLY) until the leader reconciles the slice"), false,
      s -> {
        LocalCluster c = s.cluster();
        DiscoveryV1Api discovery = new DiscoveryV1Api(c.client());
        String name = WriteEndpoint.sliceName(LocalCluster.WRITE_SERVICE);
        V1EndpointSlice slice = discovery.readNamespacedEndpointSlice(name, LocalCluster.NAMESPACE).execute();
        slice.getEndpoints().get(0).setAddresses(List.of(s.node(1).redis.host()));
        discovery.replaceNamespacedEndpointSlice(name, LocalCluster.NAMESPACE, slice).execute();
        Awaitility.await("the leader reconciles the write endpoint").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50)).until(() -> s.leader().redis.address().equals(c.endpointTarget()));
      });

  static final Fault API_ERRORS = new Fault("api-errors", "API server answering 500",
      Bound.zero("the leader fences; its successor pauses it and catches up with it"), true,
      s -> {
        s.cluster().apiProxy().error();
        try {
          hold(s.hold());
        } finally {
          s.cluster().apiProxy().pass();
        }
      });

  static final Fault API_SLOW = new Fault("api-slow", "API server answering after 1.5 s",
      Bound.zero("as API errors, when renewals miss the deadline"), true,
      s -> {
        s.cluster().apiProxy().slow(Duration.ofMillis(1500));
        hold(s.hold());
        s.cluster().apiProxy().pass();
      });

  // ---- Faults of the Redis process, the credentials, hand edits and whole-node freezes ----

  /** Shorter than the stall timeout (default 5 s): a slow Redis is no reason to fail over. */
  static final Fault REDIS_STALL_SHORT = new Fault("redis-stall-2s", "leader's Redis stalled (SIGSTOP) 2 s",
      Bound.zero("writes wait on their connections and are acknowledged on SIGCONT; no failover is needed"),
      NO_SPLIT_BRAIN, false, true,
      s -> {
        s.leader().redis.signal("STOP");
        try {
          hold(Duration.ofSeconds(2));
        } finally {
          s.leader().redis.signal("CONT");
        }
      });

  static final Duration LONG_STALL = Duration.ofSeconds(9);

  /**
   * Longer than the stall timeout: a sidecar that fails over must first make sure the stalled Redis
   * cannot resume as a primary (it kills it). A killed Redis is restarted as a kubelet would.
   */
  static final Fault REDIS_STALL_LONG = new Fault("redis-stall-9s", "leader's Redis stalled (SIGSTOP) 9 s",
      Bound.described("writes the leader acknowledged but had not yet replicated when it stalled"),
      Bound.zero("the stalled Redis is killed before anyone else promotes, so nothing waiting on it is acknowledged"),
      false, true,
      s -> {
        RedisProcess redis = s.leader().redis;
        redis.signal("STOP");
        boolean gone = false;
        try {
          // the hold itself, ended early if the sidecar kills its stalled Redis
          gone = redis.awaitExit(LONG_STALL);
        } finally {
          if (!gone) {
            redis.signal("CONT");
          }
        }
        if (gone || redis.awaitExit(Duration.ZERO)) {
          s.findings().note("the stalled Redis was killed; restarted it");
          restartLikeKubelet(redis);
        } else {
          s.findings().note("the stalled Redis was still alive after " + LONG_STALL.toSeconds() + " s; resumed it");
        }
      });

  static final Duration SCRIPT_LENGTH = Duration.ofSeconds(8);

  /**
   * A write-free Lua busy loop on the leader that ends by itself after {@link #SCRIPT_LENGTH}, beyond
   * {@code busy-reply-threshold} (5 s): until then no other command runs, then they get BUSY; neither
   * the sidecar's pause nor anyone's REPLICAOF can run while it lasts.
   */
  static final Fault LUA_BUSY = new Fault("lua-busy", "a Lua script busy on the leader for 8 s",
      Bound.zero("the script writes nothing; writes wait or get BUSY"), NO_SPLIT_BRAIN, false, true,
      s -> {
        String script = "local t0 = redis.call('TIME') local ms = tonumber(ARGV[1]) "
            + "while true do local t = redis.call('TIME') "
            + "if (t[1] - t0[1]) * 1000 + (t[2] - t0[2]) / 1000 >= ms then return 'done' end end";
        try (Jedis j = Writer.connect(s.leader().redis.address(), 1000, (int) ChaosCluster.WRITER_READ_TIMEOUT.toMillis())) {
          j.auth(s.chaos().password());
          long t0 = System.nanoTime();
          // runs for SCRIPT_LENGTH on the server: this call is the hold
          Object r = j.eval(script, List.of(), List.of(Long.toString(SCRIPT_LENGTH.toMillis())));
          s.findings().note("script returned " + r + " after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        } catch (RuntimeException e) {
          s.findings().note("script ended with " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      });

  /**
   * The password rotated at runtime on every Redis ({@link #rotatePassword}); established connections
   * stay authenticated, as in Redis itself, so only a new connection needs the new password.
   */
  static final Fault PASSWORD_CHANGED = new Fault("password-changed", "Redis password changed at runtime on every node",
      Bound.zero("nothing moves; a sidecar that re-reads its password file keeps working"), NO_SPLIT_BRAIN, false, true,
      s -> {
        rotatePassword(s);
        hold(s.hold());
      });

  /**
   * As {@link #PASSWORD_CHANGED}, then every session opened with the old password dropped
   * ({@code CLIENT KILL TYPE normal}), as a rotation meant to lock the old secret out does. Replication
   * links are not normal clients and stay; every client, the sidecars too, must reconnect.
   */
  static final Fault PASSWORD_ROTATED = new Fault("password-rotated", "Redis password rotated and old sessions dropped",
      Bound.zero("nothing moves; a sidecar that re-reads its password file reconnects with the new one"), NO_SPLIT_BRAIN,
      false, true,
      s -> {
        rotatePassword(s);
        for (Node n : s.cluster().nodes()) {
          if (n.redis.alive()) {
            try (Jedis j = n.redis.jedis()) {
              j.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "normal");
            }
          }
        }
        hold(s.hold());
        s.findings().note(() -> "sidecar log lines about refused credentials: " + s.cluster().nodes().stream()
            .mapToInt(n -> countLines(n.sidecar.output(), "WRONGPASS") + countLines(n.sidecar.output(), "refuses my credentials"))
            .sum());
      });

  /**
   * Masterauth on every Redis first (no replica is locked out), then requirepass, then the file the
   * sidecars read, then the writers' next connections. Established connections stay authenticated.
   */
  private static void rotatePassword(Scene s) throws Exception {
    String next = ChaosCluster.PASSWORD + "-rotated-" + Long.toHexString(System.nanoTime());
    List<Node> nodes = s.cluster().nodes().stream().filter(n -> n.redis.alive()).toList();
    for (Node n : nodes) {
      try (Jedis j = n.redis.jedis()) {
        j.configSet("masterauth", next);
      }
    }
    for (Node n : nodes) {
      try (Jedis j = n.redis.jedis()) {
        j.configSet("requirepass", next);
      }
      n.redis.password(next);
    }
    s.chaos().passwordChanged(next);
  }

  /**
   * A fenced old primary un-fenced by hand ({@code CLIENT UNPAUSE}, as an operator or a script might):
   * the leader cut off from the API server and from its replicas, not from its clients.
   */
  static final Fault UNPAUSE_FENCED = new Fault("unpause-fenced", "CLIENT UNPAUSE sent to a fenced old primary",
      Bound.measured("writes acknowledged between the cut and the fence, and in the guard period (50 ms) until the"
          + " UNPAUSE is undone (it has no replica then)"),
      Bound.zero("the old primary re-asserts its pause within a guard period"), false, true,
      s -> {
        Node leader = s.leader();
        Writer follow = s.chaos().follow();
        Writer pinned = s.chaos().pinned(leader);
        int pausedBefore = countLines(leader.sidecar.output(), "paused writes on my Redis");
        long cut = System.nanoTime();
        s.net().cut(s.host(0), s.cluster().apiServer().host());
        cutFromReplicas(s);
        try {
          Awaitility.await(leader.name + " fences itself").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
              .until(() -> silentFor(pinned, leader.redis.address(), Duration.ofMillis(300))
                  || countLines(leader.sidecar.output(), "paused writes on my Redis") > pausedBefore);
          long fenced = System.nanoTime();
          String address = leader.redis.address();
          s.findings().lostBound(() -> follow.acks().stream()
              .filter(a -> a.node().equals(address) && a.nanos() >= cut && a.nanos() <= fenced).count());
          try (Jedis j = leader.redis.jedis()) {
            j.sendCommand(Protocol.Command.CLIENT, "UNPAUSE");
          }
          long unpaused = System.nanoTime();
          s.findings().note("fenced " + (fenced - cut) / 1_000_000 + " ms after the cut");
          hold(s.hold());
          long healed = System.nanoTime();
          s.findings().lostBound(() -> follow.acks().stream()
              .filter(a -> a.node().equals(address) && a.nanos() > unpaused && a.nanos() <= healed).count());
          s.findings().note(() -> {
            List<Writer.Ack> after = s.chaos().writers().stream().flatMap(w -> w.acks().stream())
                .filter(a -> a.node().equals(address) && a.nanos() > unpaused && a.nanos() <= healed).toList();
            long last = after.stream().mapToLong(Writer.Ack::nanos).max().orElse(unpaused);
            return after.size() + " writes acknowledged by " + leader.name + " after the UNPAUSE, the last "
                + (last - unpaused) / 1_000_000 + " ms after it";
          });
        } finally {
          s.net().heal(s.host(0));
        }
      });

  /**
   * The recorded leader L comes back empty while replica A is ahead of replica B: B is cut off from L
   * (and falls behind) while A stays in sync; A's sidecar is frozen (its Redis keeps running), so
   * only B can take over. B must not take L's empty Redis for "caught up", nor resync A from itself.
   */
  static final Fault RESTART_EMPTY_REPLICA_AHEAD = new Fault("restart-empty-ahead",
      "leader's Redis restarts empty while a frozen replica is ahead of the candidate",
      Bound.zero("the candidate steps back for the replica that is ahead"), NO_SPLIT_BRAIN, false, true,
      s -> {
        Node l = s.leader();
        Node a = s.node(1);
        String hostB = s.host(2);
        s.net().cut(hostB, l.redis.host());
        boolean frozen = false;
        try {
          hold(Duration.ofSeconds(2));
          a.sidecar.signal("STOP");
          frozen = true;
          long aheadBy = replicationOffset(a) - replicationOffset(s.node(2));
          l.redis.kill();
          s.findings().note(a.name + " was " + aheadBy + " bytes ahead of " + s.node(2).name + " when " + l.name + "'s Redis died");
          s.net().heal(hostB);
          l.redis.start();
          hold(Duration.ofSeconds(6));
        } finally {
          s.net().heal(hostB);
          if (frozen) {
            a.sidecar.signal("CONT");
          }
        }
      });

  static final int FOREIGN_PORT = 6390;

  /**
   * A Lease naming a pod that is no member, at the address of a foreign Redis with its own data (another
   * release's Redis, a copy-paste in a hand edit). Nobody may follow it: a full sync from it would
   * replace the members' data with the foreign dataset.
   */
  static final Fault FOREIGN_LEASE = new Fault("foreign-lease", "the Lease pointed at a foreign Redis by hand",
      Bound.zero("no member follows an address that is no member"), NO_SPLIT_BRAIN, false, false,
      s -> {
        LocalCluster c = s.cluster();
        String host = c.apiServer().host();
        RedisProcess foreign = new RedisProcess("foreign-0", host, FOREIGN_PORT, s.chaos().dir().resolve("foreign-0"),
            s.chaos().password()).runIn(s.net().exec("api"));
        foreign.start();
        try {
          try (Jedis j = foreign.jedis()) {
            j.replicaofNoOne();
            for (int k = 0; k < 100; k++) {
              j.set("foreign:" + k, "not this cluster's data");
            }
          }
          String address = foreign.address();
          Awaitility.await("the Lease edited by hand").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
              .ignoreExceptions().until(() -> {
                CoordinationV1Api coordination = new CoordinationV1Api(c.client());
                V1Lease lease = coordination.readNamespacedLease(LocalCluster.LEASE, LocalCluster.NAMESPACE).execute();
                lease.getSpec().holderIdentity("foreign-0").renewTime(OffsetDateTime.now());
                lease.getMetadata().putAnnotationsItem(LeaseState.LEADER, "foreign-0");
                lease.getMetadata().putAnnotationsItem(LeaseState.LEADER_ADDRESS, address);
                // replaces exactly the version just read (409 Conflict if a sidecar wrote in between: retried)
                coordination.replaceNamespacedLease(LocalCluster.LEASE, LocalCluster.NAMESPACE, lease).execute();
                return true;
              });
          Set<String> followed = new TreeSet<>();
          holdPolling(s.hold(), Duration.ofMillis(50), () -> {
            for (Node n : c.nodes()) {
              try (Jedis j = n.redis.jedis()) {
                String info = j.info("replication");
                if (info.contains("master_host:" + host + "\r\n") && info.contains("master_port:" + FOREIGN_PORT)) {
                  followed.add(n.name);
                }
              } catch (RuntimeException e) {
                // unreachable for a moment: judged at the next poll
              }
            }
          });
          try (Jedis j = foreign.jedis()) {
            String info = j.info("replication");
            String replicas = info.lines().filter(l -> l.startsWith("connected_slaves:")).findFirst().orElse("?");
            s.findings().note("foreign Redis " + replicas.strip());
          }
          if (countLines(foreignLog(s), "asks for synchronization") > 0) {
            followed.add("a member (the foreign Redis's log shows a sync request)");
          }
          for (String n : followed) {
            s.findings().violation(n + " replicated from the foreign address " + address);
          }
          s.findings().note(followed.isEmpty() ? "no member replicated from the foreign Redis"
              : "replicated from the foreign Redis: " + String.join(", ", followed));
          s.findings().note(() -> "foreign keys on the members at the end: " + c.nodes().stream().mapToInt(n -> {
            try (Jedis j = n.redis.jedis()) {
              return j.keys("foreign:*").size();
            } catch (RuntimeException e) {
              return 0;
            }
          }).sum());
        } finally {
          foreign.close();
        }
      });

  static final Duration FREEZE = Duration.ofSeconds(8);

  /**
   * The whole leader node frozen (its sidecar and its Redis, SIGSTOP) past the Lease, then resumed at
   * the same instant. A resumed Redis runs what already waits on its connections before anything else,
   * so each connection's one command in flight may be acknowledged; that is the split-brain bound.
   */
  static final Fault NODE_FROZEN = new Fault("node-frozen", "leader's whole node frozen (sidecar and Redis, SIGSTOP) 8 s",
      Bound.described("writes the leader acknowledged but had not yet replicated at the freeze, plus the follow"
          + " writer's command in flight then"),
      Bound.described("commands already in flight on the frozen Redis's connections, and each such client's next"
          + " command sent on that reply before the resumed sidecar's fence lands (a few ms); the new primary's writes"
          + " in that moment count too"),
      false, true,
      s -> {
        Node leader = s.leader();
        long sidecarPid = leader.sidecar.pid();
        long redisPid = leader.redis.pid();
        Proc.signalAll("STOP", sidecarPid, redisPid);
        long resumed;
        try {
          hold(FREEZE);
        } finally {
          resumed = System.nanoTime();
          Proc.signalAll("CONT", redisPid, sidecarPid);
        }
        String address = leader.redis.address();
        s.findings().note(() -> {
          List<Writer.Ack> after = s.chaos().writers().stream().flatMap(w -> w.acks().stream())
              .filter(a -> a.node().equals(address) && a.nanos() >= resumed).toList();
          long last = after.stream().mapToLong(Writer.Ack::nanos).max().orElse(resumed);
          return "commands in flight at the freeze, acknowledged on resume: " + inFlightAcross(s.chaos().writers(), address, resumed)
              + "; all writes the frozen node acknowledged after resuming: " + after.size() + ", the last "
              + (last - resumed) / 1_000_000 + " ms after it";
        });
      });

  /** Every fault of {@code make chaos}, in report order. */
  static final List<Fault> ALL = List.of(API_CUT, REPLICAS_CUT, ISOLATED, REPLICA_ISOLATED, FLAPPING, SIDECAR_PAUSED,
      REDIS_RESTART_EMPTY, LEASE_DELETED, ENDPOINT_EDITED, API_ERRORS, API_SLOW,
      REDIS_STALL_SHORT, REDIS_STALL_LONG, LUA_BUSY, PASSWORD_CHANGED, PASSWORD_ROTATED, UNPAUSE_FENCED, RESTART_EMPTY_REPLICA_AHEAD,
      FOREIGN_LEASE, NODE_FROZEN);

  /**
   * The faults {@code make soak} draws from: all but {@link #FOREIGN_LEASE}, which needs a foreign Redis
   * of its own and leaves a Lease naming a non-member to expire.
   */
  static final List<Fault> SOAK = ALL.stream().filter(Fault::inSoak).toList();

  /**
   * Faults whose id or name contains {@code filter} (case-insensitive), or any of its comma-separated
   * parts; all for a blank filter.
   */
  static List<Fault> matching(String filter) {
    if (filter == null || filter.isBlank()) {
      return ALL;
    }
    List<String> parts = java.util.Arrays.stream(filter.toLowerCase(java.util.Locale.ROOT).split(","))
        .map(String::strip).filter(p -> !p.isEmpty()).toList();
    return ALL.stream().filter(x -> parts.stream().anyMatch(
        p -> x.id().contains(p) || x.name().toLowerCase(java.util.Locale.ROOT).contains(p))).toList();
  }

  private static void cutFromReplicas(Scene s) {
    for (Node n : s.cluster().nodes()) {
      if (n != s.leader()) {
        s.net().cut(s.host(0), n.redis.host());
      }
    }
  }

  /**
   * Link down for {@code hold}. If {@code measured} is given, the replies its Redis sent that were held
   * on the wire and arrived after the heal are added to the split-brain bound.
   */
  private static void linkDownFor(Scene s, String host, Node measured, Duration hold) throws InterruptedException {
    s.net().linkDown(host);
    try {
      hold(hold);
    } finally {
      long up = System.nanoTime();
      s.net().linkUp(host);
      if (measured != null) {
        String address = measured.redis.address();
        s.findings().splitBrainBound(() -> inFlightAcross(s.chaos().pinnedWriters(), address, up));
      }
    }
  }

  /** Acknowledgements by {@code address} of commands sent before {@code nanos} and acknowledged after it. */
  static long inFlightAcross(List<Writer> writers, String address, long nanos) {
    return writers.stream().flatMap(w -> w.acks().stream())
        .filter(a -> a.node().equals(address) && a.sentNanos() < nanos && a.nanos() >= nanos).count();
  }

  /** True when {@code w} has had no acknowledgement from {@code address} for {@code d}. */
  private static boolean silentFor(Writer w, String address, Duration d) {
    long now = System.nanoTime();
    List<Writer.Ack> acks = w.acks();
    for (int k = acks.size() - 1; k >= 0; k--) {
      if (acks.get(k).node().equals(address)) {
        return now - acks.get(k).nanos() > d.toNanos();
      }
    }
    return false;
  }

  /** The replication offset a Redis reports (as a replica, or as a primary), or -1. */
  private static long replicationOffset(Node n) {
    try (Jedis j = n.redis.jedis()) {
      String info = j.info("replication");
      String key = info.contains("role:slave") ? "slave_repl_offset:" : "master_repl_offset:";
      return info.lines().filter(l -> l.startsWith(key)).mapToLong(l -> Long.parseLong(l.substring(key.length()).strip()))
          .findFirst().orElse(-1);
    }
  }

  private static int countLines(String text, String fragment) {
    return (int) text.lines().filter(l -> l.contains(fragment)).count();
  }

  private static String foreignLog(Scene s) {
    try {
      return java.nio.file.Files.readString(s.chaos().dir().resolve("foreign-0").resolve("redis.log"));
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** As a kubelet restarts a container whose process died: once it is gone, start it again. */
  static void restartLikeKubelet(RedisProcess redis) {
    Awaitility.await("the killed Redis is gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> !redis.alive());
    redis.start();
  }

  /** Holds for {@code d}, running {@code probe} every {@code every} meanwhile (the hold is the fault). */
  static void holdPolling(Duration d, Duration every, Runnable probe) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      probe.run();
      Thread.sleep(Math.min(every.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
    }
  }

  /** Keeps a fault in place for its stated length; this is the fault itself, not a wait for a condition. */
  static void hold(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }
}
