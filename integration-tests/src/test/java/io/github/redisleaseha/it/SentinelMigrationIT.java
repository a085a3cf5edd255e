package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.SentinelClientWriter;
import io.github.redisleaseha.harness.SentinelCluster;
import io.github.redisleaseha.harness.Writer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.Jedis;

/**
 * The migration from a running Sentinel deployment (one primary, two replicas, a Sentinel beside each,
 * master name {@code mymaster}, as Bitnami's chart runs it) with two writers running: an application
 * that keeps one connection to the master, and a {@code JedisSentinelPool} given both the real
 * Sentinels and the sidecars' Sentinel-compatible endpoints (what the Sentinel Service resolves to
 * while pods move over). The sidecars start beside the running Redis servers and adopt the master;
 * {@code migrate-from-sentinel} removes Sentinel; Sentinel is stopped; then a switchover shows the
 * sidecars in charge and the Sentinel client following them. No acknowledged write may be lost, no
 * Redis may be promoted or restarted during the move, and no Sentinel may have begun a failover.
 */
class SentinelMigrationIT extends ClusterTest {

  static final String PASSWORD = "migration-pw";

  @Test
  void sidecarsAdoptTheMasterAndSentinelLeavesWithoutAFailover(TestInfo info) throws Exception {
    cluster = cluster(info).password(PASSWORD).sentinelEndpoint(SentinelCluster.MASTER).managedBySentinel().start();
    LocalCluster.Node master = cluster.nodes().get(0);
    Map<String, String> runIds = runIds();
    List<String> realSentinels = cluster.realSentinels().stream().map(LocalCluster.Sentinel::address).toList();
    List<String> allSentinels = new ArrayList<>(realSentinels);
    allSentinels.addAll(cluster.sentinels());

    String masterAddress = master.redis.address();
    try (Writer pinned = Writer.builder(() -> masterAddress).password(() -> PASSWORD).period(5).mode(Writer.Mode.PINNED)
            .key("migration-pinned").keepConnection(Duration.ofSeconds(10)).build();
        SentinelClientWriter pooled = new SentinelClientWriter(SentinelClientWriter.Library.JEDIS, allSentinels,
            SentinelCluster.MASTER, PASSWORD, "migration-pool", 5, cluster::nodeOfRunId)) {
      pinned.start();
      pooled.start();
      awaitAckOn(pooled, master, 0);

      cluster.startSidecars();
      LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
      assertThat(leader.name).as("the sidecars' first leader").isEqualTo(master.name);

      LocalCluster.CliResult dry = cluster.cli("migrate-from-sentinel", "--sentinels", String.join(",", realSentinels),
          "--sentinel-password-file", cluster.passwordFile().toString(), "--dry-run");
      System.out.println("migrate-from-sentinel --dry-run:\n" + dry.out() + dry.err());
      assertThat(dry.exitCode()).as(dry.out() + dry.err()).isZero();
      assertThat(dry.out()).contains("Dry run: Sentinel may be removed now; nothing was changed.");
      for (LocalCluster.Sentinel s : cluster.realSentinels()) {
        assertThat(monitored(s)).as("after a dry run, " + s.address() + " still monitors").contains(SentinelCluster.MASTER);
      }

      LocalCluster.CliResult migrated = cluster.cli("migrate-from-sentinel", "--sentinels",
          String.join(",", realSentinels), "--sentinel-password-file", cluster.passwordFile().toString());
      System.out.println("migrate-from-sentinel:\n" + migrated.out() + migrated.err());
      assertThat(migrated.exitCode()).as(migrated.out() + migrated.err()).isZero();
      for (LocalCluster.Sentinel s : cluster.realSentinels()) {
        assertThat(monitored(s)).as(s.address() + " monitors").doesNotContain(SentinelCluster.MASTER);
      }
      LocalCluster.CliResult again = cluster.cli("migrate-from-sentinel", "--sentinels", String.join(",", realSentinels),
          "--sentinel-password-file", cluster.passwordFile().toString());
      assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
      assertThat(again.out()).contains("nothing to do");

      // Long enough past Sentinel's down-after for a Sentinel that still watched to have acted.
      long sentinelsStopped = System.nanoTime();
      int acked = pinned.ackCount();
      Awaitility.await("writes go on for two down-after periods").atMost(Duration.ofSeconds(20))
          .until(() -> System.nanoTime() - sentinelsStopped > 2 * LocalCluster.SENTINEL_DOWN_AFTER_MILLIS * 1_000_000L
              && pinned.ackCount() > acked + 50);
      cluster.realSentinels().forEach(s -> s.process().close());
      for (LocalCluster.Sentinel s : cluster.realSentinels()) {
        String log = Files.readString(s.log());
        assertThat(log).as("Sentinel log " + s.log()).doesNotContain("+sdown master", "+odown", "+try-failover",
            "+switch-master", "+elected-leader");
      }
      assertThat(runIds()).as("no Redis restarted during the move").isEqualTo(runIds);
      for (LocalCluster.Node n : cluster.nodes()) {
        if (n != master) {
          assertThat(Files.readString(cluster.dir().resolve(n.name).resolve("redis.log")))
              .as(n.name + " was never promoted").doesNotContain("MASTER MODE enabled");
        }
      }
      pinned.close();
      assertThat(lostOn(master, pinned)).as("writes the pinned application had acknowledged, missing on " + master.name)
          .isEmpty();

      // The sidecars are in charge now, and the Sentinel client follows them through the endpoint.
      long movedAt = System.nanoTime();
      LocalCluster.CliResult moved = cluster.cli("switchover");
      assertThat(moved.exitCode()).as(moved.out() + moved.err()).isZero();
      LocalCluster.Node next = cluster.awaitLeaderOtherThan(master, Duration.ofSeconds(30));
      awaitAckOn(pooled, next, movedAt);
      pooled.close();
      assertThat(lostOn(next, pooled)).as("writes the Sentinel client had acknowledged, missing on " + next.name).isEmpty();
    }
  }

  private Map<String, String> runIds() {
    Map<String, String> ids = new HashMap<>();
    for (LocalCluster.Node n : cluster.nodes()) {
      try (Jedis j = n.redis.jedis()) {
        String info = j.info("server");
        ids.put(n.name, info.replaceAll("(?s).*run_id:(\\w+).*", "$1"));
      }
    }
    return ids;
  }

  private static List<String> monitored(LocalCluster.Sentinel s) {
    try (Jedis j = Writer.connect(s.address(), 1000)) {
      j.auth(PASSWORD);
      return j.sentinelMasters().stream().map(m -> m.get("name")).toList();
    }
  }

  private static List<Long> lostOn(LocalCluster.Node primary, io.github.redisleaseha.harness.Acks writer) {
    try (Jedis j = primary.redis.jedis()) {
      return writer.lost(j.lrange(writer.key(), 0, -1));
    }
  }

  private static void awaitAckOn(SentinelClientWriter writer, LocalCluster.Node primary, long after) {
    Awaitility.await(writer + " writes on " + primary.name).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> writer.acks().stream().anyMatch(a -> a.nanos() > after && a.node().equals(primary.redis.address())));
  }
}
