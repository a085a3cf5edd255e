package io.github.redisleaseha.bench;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/** redis-lease-ha: 3 Redis + 3 sidecars + the embedded API server, through the local harness. */
final class Ours implements System {

  private final LocalCluster cluster;
  private final long freezeMillis;
  private final Path requestLog;

  Ours(Path dir, List<String> sidecarArgs, long freezeMillis) {
    this.requestLog = dir.resolve("api-requests.log");
    this.cluster = LocalCluster.builder().size(3).dir(dir).args(sidecarArgs.toArray(String[]::new))
        .recordRequests(requestLog).start();
    this.freezeMillis = freezeMillis;
  }

  LocalCluster cluster() {
    return cluster;
  }

  /** Every request the API server received, as {@code METHOD path user-agent} lines. */
  Path requestLog() {
    return requestLog;
  }

  /** {@link #awaitHealthy}: nothing is left to do but renew and check. */
  void awaitSettled() {
    awaitHealthy();
  }

  @Override
  public String label() {
    return "redis-lease-ha";
  }

  @Override
  public boolean supports(Scenario scenario) {
    return true;
  }

  /**
   * A leader, its replicas in sync, and every sidecar ready: a trial starts from a whole cluster (a
   * node restarted by the previous trial is back), as the faults it measures assume every member up.
   */
  @Override
  public void awaitHealthy() {
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(60));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(60));
    Awaitility.await("every sidecar ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> cluster.nodes().stream().allMatch(n -> n.sidecar.ready()));
  }

  @Override
  public String primary() {
    return cluster.endpointTarget();
  }

  @Override
  public Writer mainWriter() {
    return new Writer(cluster::endpointTarget, null, 5, Writer.Mode.FOLLOW, "bench:main");
  }

  @Override
  public Writer staleWriter(String address) {
    return new Writer(() -> address, null, 5, Writer.Mode.PINNED, "bench:stale");
  }

  @Override
  public long freezeMillis() {
    return freezeMillis;
  }

  private LocalCluster.Node node(String address) {
    return cluster.nodes().stream().filter(n -> n.redis.address().equals(address)).findFirst().orElseThrow();
  }

  @Override
  public void inject(Scenario scenario, String primary) {
    LocalCluster.Node n = node(primary);
    switch (scenario) {
      case KILL -> n.redis.kill();
      case NODE_LOSS -> {
        n.redis.kill();
        n.sidecar.kill();
      }
      case FREEZE -> n.redis.signal("STOP");
      case GRACEFUL -> n.sidecar.signal("TERM");
      case API_OUTAGE, API_OUTAGE_60S -> cluster.apiServer().freeze();
    }
  }

  @Override
  public void endFault(Scenario scenario, String primary) {
    if (scenario == Scenario.FREEZE) {
      node(primary).redis.signal("CONT");
    } else if (scenario.apiOutage()) {
      cluster.apiServer().thaw();
    }
  }

  @Override
  public void recover(Scenario scenario, String primary) {
    LocalCluster.Node n = node(primary);
    switch (scenario) {
      case KILL -> n.redis.start();
      case NODE_LOSS -> {
        n.redis.start();
        n.sidecar.start();
      }
      case GRACEFUL -> {
        n.sidecar.terminate(30_000);
        n.sidecar.start();
      }
      case FREEZE -> {
        // Past the stall timeout the sidecar kills its Redis (the hard fence); the kubelet would
        // restart it, read-only, and it rejoins as a replica.
        if (!n.redis.alive()) {
          n.redis.start();
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
