package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.ClientProcess;
import io.github.redisleaseha.harness.SentinelCluster;
import io.github.redisleaseha.harness.Writer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.args.ClientPauseMode;

/**
 * Real non-Java Sentinel clients (redis-py and ioredis, run by {@link ClientProcess}) as writers
 * against real Redis Sentinel ({@link SentinelCluster}: 3 redis-server, 3 redis-sentinel, quorum 2)
 * with a password on Redis and on the Sentinels: each connects, writes, follows a switchover done as
 * Sentinel-based charts do it without losing an acknowledged write, and finds the new master after
 * the master's Redis is killed. The writers' scripts say how each library finds a new master.
 */
class ClientWritersIT {

  /**
   * Above Sentinel's 1 s ping period: with 1000 ms, a master just promoted can be marked down before
   * its first PING is answered (seen here on a busy machine), and a second failover loses writes.
   */
  static final int DOWN_AFTER_MILLIS = 2000;
  static final int FAILOVER_TIMEOUT_MILLIS = 10_000;
  static final String PASSWORD = "client-writers-" + Long.toHexString(System.nanoTime());

  private SentinelCluster cluster;
  private ClientProcess writer;

  @AfterEach
  void stop() {
    if (writer != null) {
      writer.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Each library as configured by default, and ioredis also told to reconnect on READONLY. */
  static Stream<Arguments> writers() {
    return Stream.of(Arguments.of(ClientProcess.Kind.PYTHON, false), Arguments.of(ClientProcess.Kind.NODE, false),
        Arguments.of(ClientProcess.Kind.NODE, true));
  }

  @ParameterizedTest(name = "{0}, reconnect on READONLY: {1}")
  @MethodSource("writers")
  void followsASwitchoverWithoutLosingWritesAndFindsTheNewMasterAfterACrash(ClientProcess.Kind kind,
      boolean reconnectOnReadonly) throws IOException {
    String label = kind + (reconnectOnReadonly ? "-reconnect-on-readonly" : "");
    Path dir = Path.of("target", "it", "ClientWritersIT-" + label + "-" + System.currentTimeMillis()).toAbsolutePath();
    cluster = new SentinelCluster(dir, DOWN_AFTER_MILLIS, FAILOVER_TIMEOUT_MILLIS).start();
    Secured sentinel = Secured.protect(cluster, dir, PASSWORD);
    String first = sentinel.awaitAgreedMaster(null, 2);

    writer = ClientProcess.builder(kind).sentinels(sentinel.sentinels).master(SentinelCluster.MASTER)
        .passwordFile(sentinel.passwordFile).period(Duration.ofMillis(10)).readTimeout(ClientProcess.READ_TIMEOUT)
        .reconnectOnReadonly(reconnectOnReadonly).log(dir.resolve("writer-" + label + ".log"))
        .runIdResolver(sentinel.runIds::get).start();
    awaitAcks(writer, 100);
    assertThat(writer.acks()).extracting(Writer.Ack::node).as("acks before any fault").containsOnly(first);

    // Switchover as Sentinel-based charts do it in preStop: stop writes on the master, ask Sentinel.
    long switchNanos = System.nanoTime();
    String second = sentinel.switchover(first);
    Writer.Ack firstOnNew = awaitAckAfter(writer, switchNanos, first);
    assertThat(firstOnNew.node()).as("the first write acknowledged after the switchover").isEqualTo(second);
    awaitAcks(writer, writer.ackCount() + 100);
    long readNanos = System.nanoTime();
    List<String> stored = sentinel.lrange(second, Writer.KEY);
    assertThat(writer.lost(stored, readNanos)).as("acknowledged writes missing on the new master").isEmpty();
    assertThat(writer.acks()).filteredOn(a -> a.nanos() > firstOnNew.nanos() && a.node().equals(first))
        .as("writes the old master acknowledged after the new one took one").isEmpty();
    String switchover = summary(writer, switchNanos, first);

    // Crash: the master's Redis is killed; Sentinel fails over after down-after.
    long crashNanos = System.nanoTime();
    cluster.node(second).redis().kill();
    Writer.Ack afterCrash = awaitAckAfter(writer, crashNanos, second);
    String third = sentinel.awaitAgreedMaster(second, 1);
    long agreedNanos = System.nanoTime();
    assertThat(awaitAckAfter(writer, agreedNanos, second).node()).as("writes acknowledged once the Sentinels agree")
        .isEqualTo(third);
    // Not asserted: Sentinel itself may promote twice (then the first acks went to a master it replaced).
    String crash = summary(writer, crashNanos, second)
        + (afterCrash.node().equals(third) ? "" : ", first acknowledged by " + afterCrash.node());

    int exit = writer.stop();
    assertThat(exit).as(kind + " writer's exit code after SIGTERM").isZero();
    assertThat(writer.failures()).filteredOn(f -> f.value() < 0).as("trouble with the writer process").isEmpty();
    // A crash may lose what the replica had not received yet (replication is asynchronous): counted, not asserted.
    List<Long> lostInCrash = writer.lost(sentinel.lrange(third, Writer.KEY));
    System.out.printf("%s: switchover %s -> %s: %s; crash %s -> %s: %s, %d acknowledged writes lost%n",
        label, first, second, switchover, second, third, crash, lostInCrash.size());
  }

  static void awaitAcks(ClientProcess w, int count) {
    Awaitility.await(w.kind() + " writer acknowledgements").atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20)).until(() -> {
          assertThat(w.alive()).as(w + " running; see " + w.log()).isTrue();
          return w.ackCount() >= count;
        });
  }

  static Writer.Ack awaitAckAfter(ClientProcess w, long nanos, String excluded) {
    return Awaitility.await(w.kind() + " writer acknowledged by a node other than " + excluded)
        .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> w.firstAckAfter(nanos, excluded), a -> a != null);
  }

  /** The gap in acknowledgements around a fault and the errors the library returned in it. */
  static String summary(ClientProcess w, long faultNanos, String old) {
    Writer.Ack before = w.lastAckBefore(faultNanos);
    Writer.Ack after = w.firstAckAfter(faultNanos, old);
    List<ClientProcess.Failure> errors = w.failures().stream()
        .filter(f -> f.nanos() >= faultNanos && f.nanos() <= after.nanos()).toList();
    return String.format("no ack for %d ms, %d errors%s",
        TimeUnit.NANOSECONDS.toMillis(after.nanos() - (before == null ? faultNanos : before.nanos())), errors.size(),
        errors.isEmpty() ? "" : " (first: " + errors.getFirst().message() + ")");
  }

  /**
   * The Sentinel cluster with a password on every Redis and every Sentinel, set at run time as an
   * operator would (SentinelCluster starts without one), and the authenticated look-ups the test
   * needs: SentinelCluster's own helpers do not send a password.
   */
  static final class Secured {
    final String password;
    final Path passwordFile;
    final List<String> sentinels;
    final List<SentinelCluster.Node> nodes;
    final Map<String, String> runIds = new HashMap<>();

    private Secured(SentinelCluster cluster, List<String> sentinels, String password, Path passwordFile) {
      this.nodes = cluster.nodes();
      this.sentinels = sentinels;
      this.password = password;
      this.passwordFile = passwordFile;
    }

    static Secured protect(SentinelCluster cluster, Path dir, String password) throws IOException {
      List<String> sentinels = new ArrayList<>();
      for (SentinelCluster.Node n : cluster.nodes()) {
        // SentinelCluster keeps each Sentinel's port in its config file only.
        String port = Files.readAllLines(dir.resolve(n.name).resolve("sentinel.conf")).stream()
            .filter(l -> l.startsWith("port ")).findFirst().orElseThrow().substring(5).trim();
        sentinels.add(n.host + ":" + port);
      }
      Path file = dir.resolve("password");
      Files.writeString(file, password + "\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      Secured s = new Secured(cluster, sentinels, password, file);
      // Order: the Sentinels learn the Redis password before Redis requires it (a Sentinel whose
      // PINGs are refused for down-after would start a failover); replicas learn masterauth first.
      for (String addr : sentinels) {
        try (Jedis j = plain(addr)) {
          j.sentinelSet(SentinelCluster.MASTER, Map.of("auth-pass", password));
        }
      }
      for (SentinelCluster.Node n : s.nodes) {
        try (Jedis j = plain(n.address())) {
          j.configSet("masterauth", password);
        }
      }
      for (SentinelCluster.Node n : s.nodes) {
        try (Jedis j = plain(n.address())) {
          j.configSet("requirepass", password);
        }
      }
      for (String addr : sentinels) {
        try (Jedis j = plain(addr)) {
          j.sendCommand(Protocol.Command.SENTINEL, "CONFIG", "SET", "sentinel-pass", password);
          j.aclSetUser("default", "resetpass", ">" + password);
        }
      }
      for (SentinelCluster.Node n : s.nodes) {
        try (Jedis j = s.redis(n.address())) {
          String info = j.info("server");
          s.runIds.put(info.replaceAll("(?s).*run_id:(\\w+).*", "$1"), n.address());
        }
      }
      return s;
    }

    private static Jedis plain(String address) {
      return new Jedis(HostAndPort.from(address), DefaultJedisClientConfig.builder().socketTimeoutMillis(1000).build());
    }

    Jedis redis(String address) {
      return new Jedis(HostAndPort.from(address),
          DefaultJedisClientConfig.builder().socketTimeoutMillis(1000).password(password).build());
    }

    List<String> lrange(String address, String key) {
      try (Jedis j = redis(address)) {
        return j.lrange(key, 0, -1);
      }
    }

    /**
     * Waits until every Sentinel names the same master, other than {@code not}, up and seeing the
     * other two Sentinels, and that master has {@code replicas} replicas in sync; returns it.
     */
    String awaitAgreedMaster(String not, int replicas) {
      return Awaitility.await("the Sentinels agree on a master other than " + not).atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
            String agreed = null;
            for (String addr : sentinels) {
              try (Jedis j = redis(addr)) {
                Map<String, String> m = j.sentinelMaster(SentinelCluster.MASTER);
                String master = m.get("ip") + ":" + m.get("port");
                if (!"master".equals(m.get("flags")) || !"2".equals(m.get("num-other-sentinels"))
                    || (agreed != null && !agreed.equals(master))) {
                  return null;
                }
                agreed = master;
              }
            }
            if (agreed.equals(not)) {
              return null;
            }
            try (Jedis j = redis(agreed)) {
              j.set("harness:sync", Long.toString(System.nanoTime()));
              return j.info("replication").contains("role:master") && j.waitReplicas(replicas, 300) >= replicas
                  ? agreed : null;
            }
          }, a -> a != null);
    }

    /**
     * A switchover as Sentinel-based charts do it in preStop: pause writes on the master, ask a
     * Sentinel to fail over, and wait for every Sentinel to name the new master. The pause is lifted
     * once the old master replicates from the new one (a write waiting on it then gets READONLY);
     * Sentinel converts it by itself only seconds later, so the test does that step for it.
     */
    String switchover(String old) {
      try (Jedis j = redis(old)) {
        j.clientPause(20_000, ClientPauseMode.WRITE);
      }
      try (Jedis j = redis(sentinels.getFirst())) {
        j.sentinelFailover(SentinelCluster.MASTER);
      }
      String next = awaitAgreedMaster(old, 0);
      try (Jedis j = redis(old)) {
        HostAndPort to = HostAndPort.from(next);
        j.replicaof(to.getHost(), to.getPort());
      }
      Awaitility.await(old + " replicates from " + next).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
          .ignoreExceptions().until(() -> {
            try (Jedis j = redis(old)) {
              String info = j.info("replication");
              return info.contains("role:slave") && info.contains("master_link_status:up");
            }
          });
      try (Jedis j = redis(old)) {
        j.clientUnpause();
      }
      return next;
    }
  }
}
