package io.github.redisleaseha.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import redis.clients.jedis.Jedis;

/**
 * The comparison system: three {@code redis-server} and three {@code redis-sentinel} from the
 * distribution, quorum 2, each pair on its own loopback address (127.0.0.21, .22, .23), started from
 * config files that Sentinel may rewrite, as in a real deployment.
 */
public final class SentinelCluster implements AutoCloseable {

  public static final String MASTER = "mymaster";

  /** One "pod": a Redis and the Sentinel beside it. */
  public static final class Node {
    public final String name;
    public final String host;
    final int redisPort;
    final int sentinelPort;
    final Path dir;
    Proc redis;
    Proc sentinel;

    Node(String name, String host, int redisPort, int sentinelPort, Path dir) {
      this.name = name;
      this.host = host;
      this.redisPort = redisPort;
      this.sentinelPort = sentinelPort;
      this.dir = dir;
    }

    public String address() {
      return host + ":" + redisPort;
    }

    public Proc redis() {
      return redis;
    }

    public Proc sentinel() {
      return sentinel;
    }

    public Jedis jedis() {
      return new Jedis(host, redisPort, 1000);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private final List<Node> nodes = new ArrayList<>();
  private final int downAfterMillis;
  private final int failoverTimeoutMillis;

  public SentinelCluster(Path dir, int downAfterMillis, int failoverTimeoutMillis) {
    this.downAfterMillis = downAfterMillis;
    this.failoverTimeoutMillis = failoverTimeoutMillis;
    String[] hosts = {"127.0.0.21", "127.0.0.22", "127.0.0.23"};
    int redisPort = FreePorts.findOnAll(hosts);
    int sentinelPort = FreePorts.findOnAll(hosts);
    while (sentinelPort == redisPort) {
      sentinelPort = FreePorts.findOnAll(hosts);
    }
    for (int i = 0; i < hosts.length; i++) {
      nodes.add(new Node("redis-" + i, hosts[i], redisPort, sentinelPort, dir.resolve("redis-" + i)));
    }
  }

  public int downAfterMillis() {
    return downAfterMillis;
  }

  public List<Node> nodes() {
    return nodes;
  }

  public SentinelCluster start() {
    Node first = nodes.get(0);
    for (Node n : nodes) {
      try {
        Files.createDirectories(n.dir);
        writeRedisConfig(n, n == first ? null : first.address());
        Files.writeString(n.dir.resolve("sentinel.conf"),
            "bind " + n.host + "\nport " + n.sentinelPort + "\ndir " + n.dir + "\n"
                + "sentinel monitor " + MASTER + " " + first.host + " " + first.redisPort + " 2\n"
                + "sentinel down-after-milliseconds " + MASTER + " " + downAfterMillis + "\n"
                + "sentinel failover-timeout " + MASTER + " " + failoverTimeoutMillis + "\n"
                + "sentinel parallel-syncs " + MASTER + " 1\n"
                + "sentinel announce-ip " + n.host + "\n");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      startRedis(n);
    }
    for (Node n : nodes) {
      startSentinel(n);
    }
    awaitHealthy(Duration.ofSeconds(60));
    return this;
  }

  private static void writeRedisConfig(Node n, String replicaOf) throws IOException {
    String follow = replicaOf == null ? "" : "replicaof " + replicaOf.replace(':', ' ') + "\n";
    Files.writeString(n.dir.resolve("redis.conf"),
        "bind " + n.host + "\nport " + n.redisPort + "\ndir " + n.dir + "\nsave \"\"\nappendonly no\n"
            + "repl-diskless-sync yes\nrepl-diskless-sync-delay 0\nreplica-announce-ip " + n.host + "\n" + follow);
  }

  /**
   * Restarts a Redis the way Sentinel-based charts do: its start script asks Sentinel for the current
   * master and starts as its replica.
   */
  public void restartRedisAsReplica(Node n) {
    try {
      writeRedisConfig(n, masterAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    startRedis(n);
  }

  public void startRedis(Node n) {
    n.redis = Proc.start("redis-" + n.name, List.of("redis-server", n.dir.resolve("redis.conf").toString()),
        n.dir.resolve("redis.log"), Map.of());
    awaitPing(n.host, n.redisPort);
  }

  public void startSentinel(Node n) {
    n.sentinel = Proc.start("sentinel-" + n.name, List.of("redis-sentinel", n.dir.resolve("sentinel.conf").toString()),
        n.dir.resolve("sentinel.log"), Map.of());
    awaitPing(n.host, n.sentinelPort);
  }

  private static void awaitPing(String host, int port) {
    Awaitility.await(host + ":" + port + " answers").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .ignoreExceptions().until(() -> {
          try (Jedis j = new Jedis(host, port, 500)) {
            return "PONG".equals(j.ping());
          }
        });
  }

  /** The master as the first Sentinel that answers says, as {@code host:port}, or null. */
  public String masterAddress() {
    for (Node n : nodes) {
      if (n.sentinel == null || !n.sentinel.alive()) {
        continue;
      }
      try (Jedis j = new Jedis(n.host, n.sentinelPort, 300)) {
        List<String> addr = j.sentinelGetMasterAddrByName(MASTER);
        if (addr != null && addr.size() == 2) {
          return addr.get(0) + ":" + addr.get(1);
        }
      } catch (RuntimeException e) {
        // try the next Sentinel
      }
    }
    return null;
  }

  public Node node(String address) {
    return nodes.stream().filter(n -> n.address().equals(address)).findFirst().orElse(null);
  }

  /** Asks a live Sentinel for a forced failover (what Sentinel-based charts do in preStop). */
  public void sentinelFailover() {
    for (Node n : nodes) {
      try (Jedis j = new Jedis(n.host, n.sentinelPort, 1000)) {
        j.sentinelFailover(MASTER);
        return;
      } catch (RuntimeException e) {
        // try the next one
      }
    }
    throw new IllegalStateException("no Sentinel accepted SENTINEL FAILOVER");
  }

  /**
   * Waits until all Sentinels agree on a master that answers as master, and every other Redis is its
   * replica and has acknowledged a fresh write.
   */
  public void awaitHealthy(Duration timeout) {
    Awaitility.await("Sentinel cluster healthy").atMost(timeout).pollInterval(Duration.ofMillis(100))
        .ignoreExceptions().until(() -> {
          String master = null;
          for (Node n : nodes) {
            try (Jedis j = new Jedis(n.host, n.sentinelPort, 500)) {
              List<String> a = j.sentinelGetMasterAddrByName(MASTER);
              String addr = a.get(0) + ":" + a.get(1);
              if (master != null && !master.equals(addr)) {
                return false;
              }
              master = addr;
            }
          }
          Node m = node(master);
          try (Jedis j = m.jedis()) {
            return j.info("replication").contains("role:master") && LocalCluster.inSync(j, nodes.size() - 1);
          }
        });
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      if (n.sentinel != null) {
        n.sentinel.close();
      }
      if (n.redis != null) {
        n.redis.close();
      }
    }
  }
}
