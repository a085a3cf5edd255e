package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.Acks;
import io.github.redisleaseha.harness.ClientFaults;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.SentinelClient;
import io.github.redisleaseha.harness.Writer;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/**
 * Real Sentinel client libraries ({@link SentinelClient}: Jedis, Lettuce, redis-py, ioredis), configured as applications configure them (the sidecars'
 * Sentinel-compatible endpoints as their Sentinels, master name {@code mymaster}, the Redis password
 * for both), write through a Redis crash, a switchover and a graceful handover ({@link ClientFaults}), one after the other on
 * one cluster. Each time the library alone must find the new primary, and no write acknowledged from
 * the planned moves on may be missing at the end.
 */
class SentinelClientsIT extends ClusterTest {

  static final String MASTER = "mymaster";
  static final String PASSWORD = "sentinel-clients-pw";

  @ParameterizedTest
  @EnumSource(SentinelClient.class)
  void findsEveryNewPrimaryAndLosesNothingOnPlannedMoves(SentinelClient library, TestInfo info) {
    cluster = cluster(info).password(PASSWORD).sentinelEndpoint(MASTER).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    awaitEverySentinelNames(leader);

    try (Acks writer = library.start(cluster, MASTER, PASSWORD, "sentinel-writer:" + library)) {
      Awaitility.await(writer + " writes").atMost(Duration.ofSeconds(30)).until(() -> writer.ackCount() > 20);
      long plannedFrom = 0;
      for (ClientFaults.Fault fault : ClientFaults.Fault.values()) {
        if (fault.planned() && plannedFrom == 0) {
          plannedFrom = System.nanoTime();
        }
        ClientFaults.Outcome o = ClientFaults.inject(cluster, fault, writer, Duration.ofSeconds(30), writer::errorSummary);
        System.out.printf("%s %s: first write acknowledged by the new primary %s after %d ms (%s)%n", library,
            fault.description, o.to().name, o.firstAckMillis(), writer.errorSummary());
        cluster.awaitReplicasInSync(o.to(), Duration.ofSeconds(30));
      }
      leader = cluster.awaitLeader(Duration.ofSeconds(10));
      int last = writer.ackCount();
      Awaitility.await("writes go on").atMost(Duration.ofSeconds(20)).until(() -> writer.ackCount() > last + 50);
      writer.close();
      List<String> stored;
      try (Jedis j = leader.redis.jedis()) {
        stored = j.lrange(writer.key(), 0, -1);
      }
      long from = plannedFrom;
      List<Long> lost = writer.lost(stored);
      List<Long> lostOnPlannedMoves = writer.acks().stream()
          .filter(a -> a.nanos() >= from).map(Writer.Ack::value).filter(lost::contains).toList();
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
}
