package io.github.redisleaseha.bench;

import io.github.redisleaseha.harness.SentinelCluster;
import io.github.redisleaseha.harness.Writer;
import java.nio.file.Path;
import java.time.Duration;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;

/** Redis Sentinel: 3 redis-server + 3 redis-sentinel, quorum 2. */
final class Sentinel implements System {

  private final SentinelCluster cluster;
  private final int downAfter;
  private final int failoverTimeout;

  Sentinel(Path dir, int downAfter, int failoverTimeout) {
    this.downAfter = downAfter;
    this.failoverTimeout = failoverTimeout;
    this.cluster = new SentinelCluster(dir, downAfter, failoverTimeout).start();
  }

  SentinelCluster cluster() {
    return cluster;
  }

  @Override
  public String label() {
    return "Sentinel " + downAfter + "/" + failoverTimeout;
  }

  @Override
  public boolean supports(Scenario scenario) {
    return !scenario.apiOutage();
  }

  @Override
  public void awaitHealthy() {
    cluster.awaitHealthy(Duration.ofSeconds(90));
  }

  @Override
  public String primary() {
    return cluster.masterAddress();
  }

  @Override
  public Writer mainWriter() {
    return new Writer(cluster::masterAddress, null, 5, Writer.Mode.ON_ERROR, "bench:main");
  }

  @Override
  public Writer staleWriter(String address) {
    return new Writer(() -> address, null, 5, Writer.Mode.PINNED, "bench:stale");
  }

  @Override
  public long freezeMillis() {
    // Longer than down-after, with time for the failover itself.
    return downAfter + 3_000L;
  }

  @Override
  public void inject(Scenario scenario, String primary) {
    SentinelCluster.Node n = cluster.node(primary);
    switch (scenario) {
      case KILL -> n.redis().kill();
      case NODE_LOSS -> {
        n.redis().kill();
        n.sentinel().kill();
      }
      case FREEZE -> n.redis().signal("STOP");
      case GRACEFUL -> {
        // What Sentinel-based charts do in preStop: stop writes, then ask Sentinel to fail over.
        try (Jedis j = n.jedis()) {
          j.clientPause(30_000, ClientPauseMode.WRITE);
        }
        cluster.sentinelFailover();
      }
      case API_OUTAGE, API_OUTAGE_60S -> throw new IllegalArgumentException("Sentinel has no API server");
    }
  }

  @Override
  public void endFault(Scenario scenario, String primary) {
    if (scenario == Scenario.FREEZE) {
      cluster.node(primary).redis().signal("CONT");
    }
  }

  @Override
  public void recover(Scenario scenario, String primary) {
    SentinelCluster.Node n = cluster.node(primary);
    switch (scenario) {
      case KILL -> cluster.restartRedisAsReplica(n);
      case NODE_LOSS -> {
        cluster.restartRedisAsReplica(n);
        cluster.startSentinel(n);
      }
      case GRACEFUL -> {
        try (Jedis j = n.jedis()) {
          j.clientUnpause();
        }
      }
      default -> { }
    }
  }

  @Override
  public void close() {
    cluster.close();
  }
}
