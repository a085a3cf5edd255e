package io.github.redisleaseha.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.LocalCluster.Node;
import io.github.redisleaseha.harness.NetNs;
import io.github.redisleaseha.harness.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import redis.clients.jedis.Jedis;

/**
 * A cluster for fault injection: every pod (Redis and sidecar) in its own network namespace, the API
 * server (behind a fault proxy) in another, and in the root namespace a writer that follows the write
 * endpoint plus one writer pinned to each node, all running from start to {@link #finish()}.
 */
final class ChaosCluster implements AutoCloseable {

  static final String PASSWORD = "chaos-password-" + Long.toHexString(System.nanoTime());

  /** What a run amounts to, judged by {@link Checker}. */
  record Tally(int acked, List<Writer.Ack> splitBrain, List<Long> lost) {}

  private final NetNs net;
  private final LocalCluster cluster;
  private final Path dir;
  private final Writer follow;
  private final List<Writer> pinned = new ArrayList<>();

  ChaosCluster(Path dir) {
    this.dir = dir;
    this.net = NetNs.create("rlha", "10.77.0");
    try {
      this.cluster = LocalCluster.builder().netns(net).faultProxy().dir(dir).password(PASSWORD).start();
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    awaitRecovered();
    follow = cluster.writer();
    for (Node n : cluster.nodes()) {
      pinned.add(new Writer(n.redis::address, PASSWORD, 10, Writer.Mode.PINNED, "pinned:" + n.name));
    }
    follow.start();
    pinned.forEach(Writer::start);
    awaitAcks(200);
  }

  LocalCluster cluster() {
    return cluster;
  }

  Writer follow() {
    return follow;
  }

  /** Injects {@code fault} around the current leader; returns when it is healed. */
  void inject(Faults.Fault fault, Duration hold) throws Exception {
    Node leader = cluster.awaitLeader(Duration.ofSeconds(60));
    fault.injection().inject(cluster, net, leader, cluster.nodes().indexOf(leader), hold);
  }

  /** Waits until one leader leads with every replica in sync. */
  void awaitRecovered() {
    Awaitility.await("a leader with every replica in sync").atMost(Duration.ofSeconds(90)).ignoreExceptions()
        .until(() -> {
          cluster.awaitReplicasInSync(cluster.awaitLeader(Duration.ofSeconds(5)), Duration.ofSeconds(5));
          return true;
        });
  }

  void awaitAcks(int more) {
    int target = follow.ackCount() + more;
    Awaitility.await("writer acknowledgements").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> follow.ackCount() >= target);
  }

  /** Recovers, stops the writers and judges the whole run. */
  Tally finish() throws Exception {
    awaitRecovered();
    awaitAcks(200);
    follow.close();
    pinned.forEach(Writer::close);
    Node last = cluster.awaitLeader(Duration.ofSeconds(30));
    List<Writer.Ack> pinnedAcks = new ArrayList<>();
    pinned.forEach(w -> pinnedAcks.addAll(w.acks()));
    List<Writer.Ack> split = Checker.splitBrainWrites(pinnedAcks);
    List<Long> lost;
    try (Jedis j = last.redis.jedis()) {
      lost = follow.lost(j.lrange(follow.key(), 0, -1));
    }
    Files.writeString(dir.resolve("split-brain.txt"), split.toString());
    Files.writeString(dir.resolve("lost.txt"), lost.toString());
    assertNoSecretInLogs();
    return new Tally(follow.ackCount(), split, lost);
  }

  /** The Redis password must not appear in any sidecar log (it reaches the sidecars as a file). */
  private void assertNoSecretInLogs() throws Exception {
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("sidecar.log")).toList()) {
        assertThat(Files.readString(f)).as(f.toString()).doesNotContain(PASSWORD);
      }
    }
  }

  @Override
  public void close() {
    follow.close();
    pinned.forEach(Writer::close);
    cluster.close();
    net.close();
  }
}
