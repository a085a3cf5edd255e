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
   * @param inSoak {@code make soak} draws it too (see {@link #SOAK}); never for a fault with a {@code setup}
   * @param setup how its cluster differs from the default one ({@link ClusterSetup#NONE}: it does not)
   * @param maxPauseMillis the longest the following writer may wait between two acknowledged writes
   *     while the fault lasts (and a second after), asserted; -1 for no bound
   */
  record Fault(String id, String name, Bound lost, Bound splitBrain, boolean needsProxy, boolean inSoak, Injection injection,
      ClusterSetup setup, long maxPauseMillis) {
    Fault(String id, String name, Bound lost, boolean needsProxy, Injection injection) {
      this(id, name, lost, NO_SPLIT_BRAIN, needsProxy, true, injection);
    }

    Fault(String id, String name, Bound lost, Bound splitBrain, boolean needsProxy, boolean inSoak, Injection injection) {
      this(id, name, lost, splitBrain, needsProxy, inSoak, injection, ClusterSetup.NONE);
    }

    Fault(String id, String name, Bound lost, Bound splitBrain, boolean needsProxy, boolean inSoak, Injection injection,
        ClusterSetup setup) {
      this(id, name, lost, splitBrain, needsProxy, inSoak, injection, setup, -1);
    }

    /** This fault, with the writer's longest pause bounded by {@code millis}. */
    Fault pausingAtMost(long millis) {
      return new Fault(id, name, lost, splitBrain, needsProxy, inSoak, injection, setup, millis);
    }

    Fault {
      if (inSoak && setup != ClusterSetup.NONE) {
        throw new IllegalArgumentException(id + ": the soak runs one default cluster, so a fault with its own setup is not in it");
      }
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

  /** Adjusts the cluster's builder before it starts (per-node flags or environment); {@code dir} is the run's directory. */
  interface ClusterSetup {
    ClusterSetup NONE = (b, dir) -> { };

    void apply(LocalCluster.Builder builder, java.nio.file.Path dir);
  }

  static final Bound NO_SPLIT_BRAIN = Bound.zero("no two primaries ever accept writes at once");

  /** The pause a healthy cluster may cost an application through an API-server fault: none to speak of. */
  static final long NO_PAUSE_MILLIS = 100;

  static final Fault API_CUT = new Fault("api-cut", "leader cut off from the API server",
      Bound.zero("a member renews the Lease on the leader's behalf; the leader keeps taking writes"), false,
      s -> {
        s.net().cut(s.host(0), s.cluster().apiServer().host());
        hold(s.hold());
        s.net().heal(s.host(0));
      }).pausingAtMost(NO_PAUSE_MILLIS);

  static final Fault API_DOWN = apiDown(Duration.ofSeconds(10));
  static final Fault API_DOWN_60S = apiDown(Duration.ofSeconds(60));

  /** Every pod cut off from the API server for {@code outage}: failsafe keeps the leader writable. */
  private static Fault apiDown(Duration outage) {
    String suffix = outage.toSeconds() == 10 ? "" : "-" + outage.toSeconds() + "s";
    return new Fault("api-down" + suffix, "API server unreachable for every pod for " + outage.toSeconds() + " s",
        Bound.zero("every member promises not to take over (failsafe); the leader keeps taking writes"), false,
        s -> {
          cutAllFromApi(s);
          try {
            hold(outage);
          } finally {
            healAll(s);
          }
        }).pausingAtMost(NO_PAUSE_MILLIS);
  }

  static final Fault API_CUT_AND_MEMBER = new Fault("api-cut-and-member",
      "leader cut off from the API server and from one member",
      Bound.zero("the other member renews the Lease on the leader's behalf"), false,
      s -> {
        s.net().cut(s.host(0), s.cluster().apiServer().host());
        s.net().cut(s.host(0), s.node(1).redis.host());
        try {
          hold(s.hold());
        } finally {
          s.net().heal(s.host(0));
        }
      }).pausingAtMost(NO_PAUSE_MILLIS);

  static final Fault FAILSAFE_MEMBER_RESTART = new Fault("failsafe-member-restart",
      "a member's sidecar restarted (SIGKILL) while nobody reaches the API server",
      Bound.zero("a member back within the renew deadline promises again and the leader stays kept; one away longer"
          + " costs the leader a fence until it promises"), false,
      s -> {
        cutAllFromApi(s);
        try {
          hold(Duration.ofSeconds(3));
          s.node(1).sidecar.kill();
          s.node(1).sidecar.start();
          hold(s.hold());
        } finally {
          healAll(s);
        }
      });

  static final Fault FAILSAFE_NODE_LOST = new Fault("failsafe-node-lost",
      "leader's node lost (Redis and sidecar SIGKILL) while nobody reaches the API server, then the API back",
      Bound.described("writes the leader acknowledged but had not yet replicated when it died"), false,
      s -> {
        cutAllFromApi(s);
        try {
          hold(Duration.ofSeconds(3));
          s.leader().sidecar.kill();
          s.leader().redis.kill();
          hold(s.hold());
          s.findings().note("Lease holder while nobody reached the API server: " + s.leader().name + " (no failover possible)");
        } finally {
          healAll(s);
        }
        Awaitility.await("a new leader once the API server answers").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100)).until(() -> {
              String holder = s.cluster().leaseState().holder();
              return holder != null && !holder.equals(s.leader().name);
            });
        s.leader().redis.start();
        s.leader().sidecar.start();
      });

  static final Fault MEMBER_NO_REDIS = new Fault("member-no-redis",
      "a member answers heartbeats but cannot reach the leader's Redis",
      Bound.zero("nothing moves: the leader keeps its Lease; the member's replication waits"), false,
      s -> {
        String leaderIp = s.leader().redis.host();
        String port = Integer.toString(s.leader().redis.port());
        s.net().iptables(s.host(1), "-I", "OUTPUT", "-d", leaderIp, "-p", "tcp", "--dport", port, "-j", "DROP");
        s.net().iptables(s.host(1), "-I", "INPUT", "-s", leaderIp, "-p", "tcp", "--sport", port, "-j", "DROP");
        try {
          hold(s.hold());
        } finally {
          s.net().heal(s.host(1));
        }
      }).pausingAtMost(NO_PAUSE_MILLIS);

  private static void cutAllFromApi(Scene s) {
    for (int i = 0; i < s.cluster().nodes().size(); i++) {
      s.net().cut(s.host(i), s.cluster().apiServer().host());
    }
  }

  private static void healAll(Scene s) {
    for (int i = 0; i < s.cluster().nodes().size(); i++) {
      s.net().heal(s.host(i));
    }
  }

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
      Bound.zero("every member promises not to take over (failsafe); the leader keeps taking writes"), true,
      s -> {
        s.cluster().apiProxy().error();
        try {
          hold(s.hold());
        } finally {
          s.cluster().apiProxy().pass();
        }
      }).pausingAtMost(NO_PAUSE_MILLIS);

  static final Fault API_SLOW = new Fault("api-slow", "API server answering after 1.5 s",
      Bound.zero("as API errors: requests time out, members promise, the leader keeps taking writes"), true,
      s -> {
        s.cluster().apiProxy().slow(Duration.ofMillis(1500));
        hold(s.hold());
        s.cluster().apiProxy().pass();
      }).pausingAtMost(NO_PAUSE_MILLIS);

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


  // ---- Operator mistakes, clocks, mixed timings and a handover target that freezes ----

  /**
   * An operator promotes a replica by hand ({@code REPLICAOF NO ONE}) and deletes the Lease right after:
   * two primaries and no record of which is the leader. The new holder must pause both and catch up
   * with the more advanced before it promotes.
   */
  static final Fault LEASE_DELETED_TWO_PRIMARIES = new Fault("lease-deleted-two-primaries",
      "a replica promoted by hand (REPLICAOF NO ONE), the Lease deleted right after",
      Bound.zero("for writes the old leader acknowledged: the new holder pauses both primaries and catches up with the"
          + " more advanced"),
      Bound.measured("the operator's mistake itself: writes the hand-promoted replica acknowledges from its REPLICAOF NO"
          + " ONE until a sidecar fences or demotes it (its first run of acceptance), and the other nodes' inside that run"),
      false, true,
      s -> {
        Node promoted = s.node(1);
        CoordinationV1Api coordination = new CoordinationV1Api(s.cluster().client());
        try (Jedis j = promoted.redis.jedis()) {
          // both connections open first, so the two steps follow each other as closely as the API allows
          j.ping();
          coordination.readNamespacedLease(LocalCluster.LEASE, LocalCluster.NAMESPACE).execute();
          long from = System.nanoTime();
          j.replicaofNoOne();
          coordination.deleteNamespacedLease(LocalCluster.LEASE, LocalCluster.NAMESPACE).execute();
          long deleted = System.nanoTime();
          s.findings().note(promoted.name + " promoted by hand; Lease deleted " + (deleted - from) / 1_000_000 + " ms later");
          boundOwnRun(s, promoted, from, "its REPLICAOF NO ONE");
        }
        s.findings().note(() -> "Lease holder at the end: " + s.cluster().leaseState().holder() + " (old leader " + s.leader().name + ")");
      });

  /** Debian's libfaketime (package faketime), preloaded into a sidecar JVM; {@code make chaos} installs it. */
  static final java.nio.file.Path LIBFAKETIME = java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");
  static final String CLOCK_JUMP = "+60s";

  /** The file libfaketime re-reads on every wall-clock call of node {@code index}'s sidecar. */
  static java.nio.file.Path clockFile(java.nio.file.Path dir, int index) {
    return dir.resolve("clock-" + index + ".faketime");
  }

  /** The nodes whose sidecar runs under libfaketime: two, so one of them is a candidate whoever leads. */
  static final List<Integer> FAKED = List.of(1, 2);

  /**
   * The wall clocks of the sidecars of {@link #FAKED} under libfaketime, each from its own file holding
   * {@code +0}; the monotonic clock is left alone. The {@code faketime} command itself sets
   * {@code FAKETIME}, which libfaketime always prefers to the file, so the library is preloaded
   * directly. It re-reads the file once a second ({@code FAKETIME_CACHE_DURATION=1}): with
   * {@code FAKETIME_NO_CACHE=1} every wall-clock call opened and read the file (about 50 us each,
   * measured here), three sidecars used most of the 2 cores and their API calls timed out, so the
   * cluster never elected a leader.
   */
  static final ClusterSetup FAKE_CLOCKS = (b, dir) -> {
    if (!java.nio.file.Files.isRegularFile(LIBFAKETIME)) {
      throw new IllegalStateException(LIBFAKETIME + " is missing: apt-get install -y faketime (make chaos does)");
    }
    try {
      java.nio.file.Files.createDirectories(dir);
      for (int i : FAKED) {
        java.nio.file.Path file = clockFile(dir, i);
        java.nio.file.Files.writeString(file, "+0\n");
        b.nodeEnv(i, "LD_PRELOAD", LIBFAKETIME.toString())
            .nodeEnv(i, "FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .nodeEnv(i, "FAKETIME_CACHE_DURATION", "1")
            .nodeEnv(i, "FAKETIME_TIMESTAMP_FILE", file.toString());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  };

  /**
   * A candidate's wall clock jumps {@value #CLOCK_JUMP} while the leader is cut off from the API server.
   * Its elector judges expiry on the wall clock and so sees the Lease long expired; the lock must still
   * wait the holder's lease duration on the monotonic clock, by which time the leader has fenced.
   */
  static final Fault CLOCK_JUMPED = new Fault("clock-jump",
      "a candidate's wall clock jumps " + CLOCK_JUMP + " while the leader is cut off from the API server",
      Bound.zero("a member renews the Lease for the leader, so nobody takes it; a takeover would wait the holder's"
          + " lease duration on the candidate's monotonic clock"),
      NO_SPLIT_BRAIN, false, false,
      s -> {
        Node leader = s.leader();
        int jumpedIndex = FAKED.stream().filter(i -> s.cluster().nodes().get(i) != leader).findFirst().orElseThrow();
        Node jumped = s.cluster().nodes().get(jumpedIndex);
        long cut = System.nanoTime();
        long cutWall = System.currentTimeMillis();
        s.net().cut(s.host(0), s.cluster().apiServer().host());
        try {
          java.nio.file.Path file = clockFile(s.chaos().dir(), jumpedIndex);
          java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".new");
          java.nio.file.Files.writeString(tmp, CLOCK_JUMP + "\n");
          java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          s.findings().note(jumped.name + "'s wall clock set " + CLOCK_JUMP + " " + (System.nanoTime() - cut) / 1_000_000
              + " ms after the cut (libfaketime reads it within 1 s)");
          holdWatchingLease(s, leader, cut, cutWall, s.hold());
        } finally {
          s.net().heal(s.host(0));
        }
        String ahead = logStampedAhead(jumped, Duration.ofSeconds(30));
        s.findings().note(ahead);
      }, FAKE_CLOCKS);

  static final Duration ROLLING_CUT = Duration.ofSeconds(12);

  /**
   * A rolling upgrade that changes the lease timings: redis-0 runs with a 10 s lease and an 8 s renew
   * deadline, the others with the defaults (4 s / 2.5 s). With redis-0 leading, a candidate that
   * judged expiry by its own lease duration would take the Lease 4 s after the last renewal, while
   * redis-0 keeps taking writes until 8 s. Cut off from the API server for {@link #ROLLING_CUT}.
   */
  static final Fault ROLLING_TIMINGS = new Fault("rolling-timings",
      "leader with a 10 s lease (others 4 s) cut off from the API server for 12 s",
      Bound.zero("a member renews the Lease for the leader (before issue 11 it fenced at its 8 s renew deadline and"
          + " candidates waited the holder's 10 s lease duration)"),
      NO_SPLIT_BRAIN, false, false,
      s -> {
        LocalCluster c = s.cluster();
        Node longLease = c.nodes().get(0);
        Node leader = s.leader();
        if (leader != longLease) {
          String r = leader.sidecar.post("/switchover?to=" + longLease.name, Duration.ofSeconds(30));
          s.findings().note(leader.name + " led first; switchover to " + longLease.name + ": " + r.strip());
          Awaitility.await(longLease.name + " leads").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
              .ignoreExceptions().until(() -> c.awaitLeader(Duration.ofSeconds(5)) == longLease);
          s.chaos().awaitRecovered();
          leader = longLease;
        }
        V1Lease lease = c.lease();
        s.findings().note("Lease spec.leaseDurationSeconds while " + leader.name + " leads: "
            + (lease == null || lease.getSpec() == null ? "?" : lease.getSpec().getLeaseDurationSeconds()));
        String host = LocalCluster.nsHost(c.nodes().indexOf(leader));
        long cut = System.nanoTime();
        long cutWall = System.currentTimeMillis();
        s.net().cut(host, c.apiServer().host());
        try {
          holdWatchingLease(s, leader, cut, cutWall, ROLLING_CUT);
        } finally {
          s.net().heal(host);
        }
      }, (b, dir) -> b.nodeArgs(0, "--lease-duration", "10s", "--renew-deadline", "8s"));

  static final Duration TARGET_FROZEN = Duration.ofSeconds(4);

  /**
   * A switchover whose target's Redis is frozen (SIGSTOP) right after the leader sent FAILOVER, for
   * {@link #TARGET_FROZEN}. The leader must abort and keep leading, and never point the write endpoint
   * at the frozen target unless the target answered as the primary before it froze (then the handover
   * had completed); the target, if it had swapped roles, resumes as a primary and must be fenced or
   * demoted by its own sidecar.
   */
  static final Fault HANDOVER_TARGET_FROZEN = new Fault("handover-target-frozen",
      "switchover target's Redis frozen (SIGSTOP) 4 s right after FAILOVER was sent",
      Bound.zero("the leader aborts and keeps leading; the target held every write when FAILOVER was sent"),
      Bound.measured("writes the target acknowledges from FAILOVER on until its sidecar fences or demotes it (its first"
          + " run of acceptance, and, if it froze after receiving PSYNC FAILOVER, its run on resuming: its clients'"
          + " commands in flight), and the other nodes' inside those runs"),
      false, true,
      s -> {
        Node leader = s.leader();
        Node target = s.node(1);
        String before = leader.sidecar.output();
        int aborts0 = countLines(before, "abort the handover");
        int sent0 = countLines(before, "FAILOVER TO it");
        java.util.concurrent.CompletableFuture<String> answer = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> leader.sidecar.post("/switchover?to=" + target.name, Duration.ofSeconds(30)));
        String seen = null;
        long requested = System.nanoTime();
        try (Jedis j = leader.redis.jedis()) {
          long deadline = requested + Duration.ofSeconds(20).toNanos();
          for (int k = 0; seen == null && !answer.isDone() && System.nanoTime() < deadline; k++) {
            String state = infoField(j.info("replication"), "master_failover_state");
            if (state != null && !state.equals("no-failover")) {
              seen = "master_failover_state:" + state;
            } else if (k % 25 == 24 && countLines(leader.sidecar.output(), "FAILOVER TO it") > sent0) {
              seen = "the leader's log line \"FAILOVER TO it\"";
            } else {
              java.util.concurrent.locks.LockSupport.parkNanos(500_000);
            }
          }
        }
        if (seen == null) {
          s.findings().note("FAILOVER was never seen; the switchover answered " + answer.getNow("(nothing yet)").strip());
          return;
        }
        long detected = System.nanoTime();
        target.redis.signal("STOP");
        long stopped = System.nanoTime();
        s.findings().note("saw " + seen + " " + (detected - requested) / 1_000_000 + " ms after the request; "
            + target.name + "'s Redis stopped " + (stopped - detected) / 1_000_000 + " ms later");
        String targetAddress = target.redis.address();
        long[] pointed = {0, -1};
        long[] resumedAt = {0};
        try {
          holdPolling(TARGET_FROZEN, Duration.ofMillis(20), () -> {
            if (targetAddress.equals(s.cluster().endpointTarget())) {
              pointed[0]++;
              if (pointed[1] < 0) {
                pointed[1] = System.nanoTime();
              }
            }
          });
        } finally {
          // Taken before the signal: the target acknowledges nothing while frozen, and its first
          // replies on resuming can be recorded before signal() returns.
          resumedAt[0] = System.nanoTime();
          target.redis.signal("CONT");
        }
        long resumed = resumedAt[0];
        String reply;
        try {
          reply = answer.get(40, java.util.concurrent.TimeUnit.SECONDS).strip();
        } catch (java.util.concurrent.TimeoutException e) {
          reply = "(no answer within 40 s)";
        }
        s.findings().note("switchover answered: " + reply);
        s.findings().note(pointed[0] == 0 ? "the write endpoint never pointed at the frozen target (polled every 20 ms)"
            : "the write endpoint pointed at the frozen target in " + pointed[0] + " polls, first "
                + (pointed[1] - stopped) / 1_000_000 + " ms after the stop");
        // The leader moves the endpoint only after it read the target's Redis answering as the primary,
        // which a frozen Redis cannot do: a target that froze just after swapping roles was handed over
        // to before it froze, and the endpoint rightly follows it (its own sidecar handles the stall).
        boolean swappedFirst = leader.sidecar.output().substring(before.length()).contains(target.name + " is the primary now");
        if (pointed[0] > 0 && swappedFirst) {
          s.findings().note("the target answered as the primary before it froze (the leader's log says so): the handover"
              + " completed, and the endpoint moved with it");
        } else if (pointed[0] > 0) {
          s.findings().violation("the write endpoint pointed at " + target.name + " while its Redis was stopped");
        }
        String aborts = leader.sidecar.output().lines().filter(l -> l.contains("abort the handover")).skip(aborts0)
            .findFirst().orElse(null);
        s.findings().note(aborts == null ? "no abort in " + leader.name + "'s log" : "leader log: " + aborts.strip());
        s.findings().note(() -> "Lease holder at the end: " + s.cluster().leaseState().holder() + " (leader before: "
            + leader.name + ")");
        boundOwnRun(s, target, detected, "FAILOVER was seen");
        // A target frozen after it had received PSYNC FAILOVER runs it on resuming, with the commands
        // its clients had in flight, until its sidecar fences it: a second run, unless the first is it.
        boundOwnRunAfter(s, target, detected, resumed);
        s.findings().note("resumed " + (resumed - stopped) / 1_000_000 + " ms after the stop");
      });

  /** Every fault of {@code make chaos}, in report order. */
  static final List<Fault> ALL = List.of(API_CUT, API_DOWN, API_DOWN_60S, API_CUT_AND_MEMBER, FAILSAFE_MEMBER_RESTART,
      FAILSAFE_NODE_LOST, MEMBER_NO_REDIS, REPLICAS_CUT, ISOLATED, REPLICA_ISOLATED, FLAPPING, SIDECAR_PAUSED,
      REDIS_RESTART_EMPTY, LEASE_DELETED, ENDPOINT_EDITED, API_ERRORS, API_SLOW,
      REDIS_STALL_SHORT, REDIS_STALL_LONG, LUA_BUSY, PASSWORD_CHANGED, PASSWORD_ROTATED, UNPAUSE_FENCED, RESTART_EMPTY_REPLICA_AHEAD,
      FOREIGN_LEASE, NODE_FROZEN, LEASE_DELETED_TWO_PRIMARIES, CLOCK_JUMPED, ROLLING_TIMINGS, HANDOVER_TARGET_FROZEN);

  /**
   * The faults {@code make soak} draws from: all but {@link #FOREIGN_LEASE}, which needs a foreign Redis
   * of its own and leaves a Lease naming a non-member to expire, and those that need a cluster of their
   * own ({@link #CLOCK_JUMPED}, {@link #ROLLING_TIMINGS}).
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

  /**
   * Polls the Lease every 20 ms for {@code hold} (the hold is the fault), then notes when it left
   * {@code leader} and for whom, relative to the cut and to the leader's last renewal (its
   * {@code renewTime}, written on the leader's wall clock, which is the harness's), and when the
   * leader acknowledged its last write.
   */
  private static void holdWatchingLease(Scene s, Node leader, long cutNanos, long cutWallMillis, Duration hold)
      throws InterruptedException {
    long[] lastRenewWall = {-1};
    long[] takenNanos = {-1};
    String[] takenBy = {null};
    long[] takenRenewAhead = {0};
    holdPolling(hold, Duration.ofMillis(20), () -> {
      if (takenBy[0] != null) {
        return;
      }
      V1Lease l = s.cluster().lease();
      if (l == null || l.getSpec() == null) {
        return;
      }
      String holder = l.getSpec().getHolderIdentity();
      if (leader.name.equals(holder)) {
        if (l.getSpec().getRenewTime() != null) {
          lastRenewWall[0] = l.getSpec().getRenewTime().toInstant().toEpochMilli();
        }
      } else if (holder != null && !holder.isEmpty()) {
        takenNanos[0] = System.nanoTime();
        takenBy[0] = holder;
        if (l.getSpec().getRenewTime() != null) {
          takenRenewAhead[0] = l.getSpec().getRenewTime().toInstant().toEpochMilli() - System.currentTimeMillis();
        }
      }
    });
    long healed = System.nanoTime();
    String address = leader.redis.address();
    long lastAck = s.chaos().writers().stream().flatMap(w -> w.acks().stream())
        .filter(a -> a.node().equals(address) && a.nanos() >= cutNanos && a.nanos() <= healed)
        .mapToLong(Writer.Ack::nanos).max().orElse(-1);
    String renew = lastRenewWall[0] < 0 ? "?" : Long.toString(cutWallMillis - lastRenewWall[0]);
    s.findings().note("leader's last renewal seen " + renew + " ms before the cut; its last acknowledged write "
        + (lastAck < 0 ? "before the cut" : (lastAck - cutNanos) / 1_000_000 + " ms after the cut"));
    if (takenBy[0] == null) {
      s.findings().note("nobody took the Lease during the " + hold.toSeconds() + " s cut");
    } else {
      s.findings().note(takenBy[0] + " took the Lease " + (takenNanos[0] - cutNanos) / 1_000_000 + " ms after the cut"
          + (lastRenewWall[0] < 0 ? "" : " (" + ((takenNanos[0] - cutNanos) / 1_000_000 + cutWallMillis - lastRenewWall[0])
              + " ms after the leader's last renewal)")
          + "; its renewTime is " + takenRenewAhead[0] + " ms from the harness's clock");
      if (lastAck >= takenNanos[0]) {
        s.findings().violation(leader.name + " acknowledged a write " + (lastAck - takenNanos[0]) / 1_000_000
            + " ms after " + takenBy[0] + " took the Lease");
      }
    }
  }

  /**
   * Whether {@code node}'s sidecar log shows its clock ahead: the lines stamped more than {@code by}
   * ahead of the harness's clock now (the log stamps {@code HH:mm:ss.SSS} on the sidecar's wall clock).
   */
  private static String logStampedAhead(Node node, Duration by) {
    java.time.LocalTime now = java.time.LocalTime.now();
    long ahead = 0;
    long max = Long.MIN_VALUE;
    java.util.regex.Pattern stamp = java.util.regex.Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d) ");
    for (String line : node.sidecar.output().lines().toList()) {
      java.util.regex.Matcher m = stamp.matcher(line);
      if (!m.find()) {
        continue;
      }
      long d = java.time.Duration.between(now, java.time.LocalTime.parse(m.group(1))).toMillis();
      long day = Duration.ofDays(1).toMillis();
      d = ((d % day) + day + day / 2) % day - day / 2;
      max = Math.max(max, d);
      if (d > by.toMillis()) {
        ahead++;
      }
    }
    return ahead == 0
        ? "could not confirm the jump: no line of " + node.name + "'s log is stamped more than " + by.toSeconds()
            + " s ahead (latest " + (max == Long.MIN_VALUE ? "none" : max / 1000 + " s") + ")"
        : ahead + " lines of " + node.name + "'s log stamped more than " + by.toSeconds() + " s ahead of the harness's"
            + " clock (latest +" + max / 1000 + " s): its clock jumped";
  }

  /** What {@link #boundOwnRun} counts. */
  record OwnRun(long first, long last, long own, long others) {}

  /**
   * Adds to the split-brain bound what the checker can count around {@code node} taking writes from
   * {@code from} on: its pinned writer's acknowledgements up to its first silence longer than a run gap
   * (its first run of acceptance after {@code from}), and every other node's inside that run. Notes it.
   */
  private static void boundOwnRun(Scene s, Node node, long from, String since) {
    String address = node.redis.address();
    java.util.function.Supplier<OwnRun> run =
        () -> ownRun(s.chaos().pinnedWriters().stream().flatMap(w -> w.acks().stream()).toList(), address, from);
    s.findings().splitBrainBound(() -> run.get().own() + run.get().others());
    s.findings().note(() -> {
      OwnRun r = run.get();
      return r.own() == 0 ? node.name + " acknowledged no write after " + since
          : node.name + " acknowledged " + r.own() + " writes after " + since + ", from " + (r.first() - from) / 1_000_000
              + " to " + (r.last() - from) / 1_000_000 + " ms after it; other nodes " + r.others() + " inside that span";
    });
  }

  /** As {@link #boundOwnRun} from {@code resumed}, when the run from {@code from} ended before it. */
  private static void boundOwnRunAfter(Scene s, Node node, long from, long resumed) {
    String address = node.redis.address();
    s.findings().splitBrainBound(() -> {
      List<Writer.Ack> all = s.chaos().pinnedWriters().stream().flatMap(w -> w.acks().stream()).toList();
      boolean firstRunIsResume = all.stream().noneMatch(a -> a.node().equals(address) && a.nanos() >= from && a.nanos() < resumed);
      if (firstRunIsResume) {
        return 0L;
      }
      OwnRun r = ownRun(all, address, resumed);
      return r.own() + r.others();
    });
  }

  /** {@code address}'s first run of acknowledgements from {@code from} on, and the others' inside it. */
  private static OwnRun ownRun(List<Writer.Ack> all, String address, long from) {
    List<Long> own = all.stream().filter(a -> a.node().equals(address) && a.nanos() >= from)
        .map(Writer.Ack::nanos).sorted().toList();
    if (own.isEmpty()) {
      return new OwnRun(from, from, 0, 0);
    }
    long first = own.get(0);
    long last = first;
    int n = 1;
    while (n < own.size() && own.get(n) - last <= Checker.RUN_GAP_NANOS) {
      last = own.get(n++);
    }
    long lastOwn = last;
    long others = all.stream().filter(a -> !a.node().equals(address) && a.nanos() >= first && a.nanos() <= lastOwn).count();
    return new OwnRun(first, last, n, others);
  }

  /** A field of an {@code INFO} reply, or null. */
  private static String infoField(String info, String key) {
    return info.lines().filter(l -> l.startsWith(key + ":")).map(l -> l.substring(key.length() + 1).strip()).findFirst()
        .orElse(null);
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
