package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.SentinelClientWriter;
import io.github.redisleaseha.harness.Writer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/**
 * Real Sentinel client libraries, configured as applications configure them (the sidecars'
 * Sentinel-compatible endpoints as their Sentinels, master name {@code mymaster}, the Redis password
 * for both), write through a Redis crash, a switchover and a graceful handover, one after the other on
 * one cluster. Each time the library alone must find the new primary, and no write acknowledged from
 * the planned moves on may be missing at the end.
 */
class SentinelClientsIT extends ClusterTest {

  static final String MASTER = "mymaster";
  static final String PASSWORD = "sentinel-clients-pw";

  @ParameterizedTest
  @EnumSource(SentinelClientWriter.Library.class)
  void findsEveryNewPrimaryAndLosesNothingOnPlannedMoves(SentinelClientWriter.Library library, TestInfo info) {
    cluster = cluster(info).password(PASSWORD).sentinelEndpoint(MASTER).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    awaitEverySentinelNames(leader);

    try (SentinelClientWriter writer = new SentinelClientWriter(library, cluster.sentinels(), MASTER, PASSWORD,
        "sentinel-writer:" + library, 5, cluster::nodeOfRunId).start()) {
      awaitAcksOn(writer, leader, 0);

      // A Redis crash: the library must follow the new primary (a crash may lose the writes not yet replicated).
      LocalCluster.Node crashed = leader;
      long crashAt = System.nanoTime();
      crashed.redis.kill();
      crashed.redis.start();
      leader = cluster.awaitLeaderOtherThan(crashed, Duration.ofSeconds(30));
      awaitAcksOn(writer, leader, crashAt);
      report(library, "crash", writer, crashAt, leader);
      cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));

      // From here on nothing acknowledged may be lost.
      long plannedFrom = System.nanoTime();
      LocalCluster.Node before = leader;
      LocalCluster.CliResult moved = cluster.cli("switchover");
      assertThat(moved.exitCode()).as(moved.out() + moved.err()).isZero();
      leader = cluster.awaitLeaderOtherThan(before, Duration.ofSeconds(30));
      awaitAcksOn(writer, leader, plannedFrom);
      report(library, "switchover", writer, plannedFrom, leader);
      cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));

      before = leader;
      long handoverAt = System.nanoTime();
      assertThat(before.sidecar.terminate(30_000)).as("exit code after the graceful handover").isZero();
      leader = cluster.awaitLeaderOtherThan(before, Duration.ofSeconds(30));
      awaitAcksOn(writer, leader, handoverAt);
      report(library, "handover", writer, handoverAt, leader);

      int last = writer.ackCount();
      Awaitility.await("writes go on").atMost(Duration.ofSeconds(20)).until(() -> writer.ackCount() > last + 50);
      writer.close();
      List<String> stored;
      try (Jedis j = leader.redis.jedis()) {
        stored = j.lrange(writer.key(), 0, -1);
      }
      List<Long> lostOnPlannedMoves = writer.acks().stream()
          .filter(a -> a.nanos() >= plannedFrom)
          .map(Writer.Ack::value)
          .filter(v -> writer.lost(stored).contains(v))
          .toList();
      assertThat(lostOnPlannedMoves).as("writes acknowledged during the switchover and the handover, missing on %s", leader.name)
          .isEmpty();
    }
  }

  /** Every running sidecar's endpoint names {@code leader}, so a library may start from any of them. */
  private void awaitEverySentinelNames(LocalCluster.Node leader) {
    Awaitility.await("every Sentinel endpoint names " + leader.name).atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
          for (String s : cluster.sentinels()) {
            try (Jedis j = Writer.connect(s, 1000)) {
              j.auth(PASSWORD);
              var named = j.sentinelGetMasterAddrByName(MASTER);
              if (named == null || !leader.redis.address().equals(named.get(0) + ":" + named.get(1))) {
                return false;
              }
            }
          }
          return true;
        });
  }

  private static void awaitAcksOn(SentinelClientWriter writer, LocalCluster.Node primary, long after) {
    try {
      Awaitility.await(writer + " writes on " + primary.name).atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> writer.acks().stream().anyMatch(a -> a.nanos() > after && a.node().equals(primary.redis.address())));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      List<String> errors = writer.errors();
      List<Writer.Ack> acks = writer.acks();
      throw new AssertionError(e.getMessage() + "; the library's last errors: "
          + errors.subList(Math.max(0, errors.size() - 5), errors.size()) + " (" + errors.size() + " in all); its last acks: "
          + acks.subList(Math.max(0, acks.size() - 3), acks.size()) + " (" + acks.size() + " in all)", e);
    }
  }

  private static void report(SentinelClientWriter.Library library, String fault, SentinelClientWriter writer, long at,
      LocalCluster.Node primary) {
    Writer.Ack first = writer.acks().stream()
        .filter(a -> a.nanos() > at && a.node().equals(primary.redis.address())).findFirst().orElseThrow();
    List<String> errors = writer.errors();
    System.out.printf("%s %s: first write acknowledged by the new primary %s after %d ms (%d errors so far, last: %s)%n",
        library, fault, primary.name, TimeUnit.NANOSECONDS.toMillis(first.nanos() - at), errors.size(),
        errors.isEmpty() ? "-" : errors.get(errors.size() - 1));
  }
}
