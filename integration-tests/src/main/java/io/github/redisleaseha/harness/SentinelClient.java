package io.github.redisleaseha.harness;

import java.time.Duration;

/**
 * The Sentinel client libraries the tests and the bench drive through the sidecars'
 * Sentinel-compatible endpoint, each started the way an application configures it: every endpoint
 * as a Sentinel, the master name, the Redis password (for Sentinel too), one write every 5 ms.
 */
public enum SentinelClient {
  JEDIS("Jedis JedisSentinelPool"),
  LETTUCE("Lettuce Master/Replica"),
  REDIS_PY("redis-py Sentinel"),
  IOREDIS("ioredis (failoverDetector)");

  public final String label;

  SentinelClient(String label) {
    this.label = label;
  }

  /** Starts writing to {@code key} on {@code cluster} (started with a password and {@code sentinelEndpoint(master)}). */
  public Acks start(LocalCluster cluster, String master, String password, String key) {
    return switch (this) {
      case JEDIS, LETTUCE -> new SentinelClientWriter(SentinelClientWriter.Library.valueOf(name()), cluster.sentinels(),
          master, password, key, 5, cluster::nodeOfRunId).start();
      case REDIS_PY, IOREDIS -> ClientProcess.builder(this == REDIS_PY ? ClientProcess.Kind.PYTHON : ClientProcess.Kind.NODE)
          .sentinels(cluster.sentinels()).master(master).passwordFile(cluster.passwordFile()).key(key)
          .period(Duration.ofMillis(5)).runIdResolver(cluster::nodeOfRunId)
          .log(cluster.dir().resolve(name().toLowerCase() + "-" + key.replaceAll("\\W+", "-") + ".log")).start();
    };
  }
}
