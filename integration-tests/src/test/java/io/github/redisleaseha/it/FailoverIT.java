package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.config.EndpointsMode;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.Writer;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Failover on real Redis processes, real sidecar JVMs and the embedded API server. */
class FailoverIT extends ClusterTest {

  @Test
  void exactlyOneLeaderAtStartWithTheEndpointOnIt(TestInfo info) {
    cluster = cluster(info).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));

    assertThat(cluster.writablePrimaries()).extracting(n -> n.name).containsExactly(leader.name);
    assertThat(cluster.endpointTarget()).isEqualTo(leader.redis.address());
    for (LocalCluster.Node n : cluster.nodes()) {
      if (n != leader) {
        awaitReplicaOf(n, leader);
      }
    }
    assertThat(cluster.leaseState().leader()).isEqualTo(leader.name);
    assertThat(cluster.leaseState().replId()).isNotBlank();
  }

  @Test
  void classicEndpointsModePublishesEndpointsOnly(TestInfo info) throws Exception {
    cluster = cluster(info).endpointsMode(EndpointsMode.ENDPOINTS).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));

    assertThat(cluster.endpointTarget()).isEqualTo(leader.redis.address());
    var slices = new io.kubernetes.client.openapi.apis.DiscoveryV1Api(cluster.client())
        .listNamespacedEndpointSlice(LocalCluster.NAMESPACE).execute().getItems();
    assertThat(slices).as("no EndpointSlice besides the Endpoints").isEmpty();
  }

  @Test
  void leaderRedisKilledPromotesAnInSyncReplicaWithoutLosingWrites(TestInfo info) {
    Writing w = startWriting(info);
    LocalCluster.Node old = w.leader();
    Writer writer = w.writer();

    old.redis.kill();
    LocalCluster.Node leader = awaitNewLeader(old);
    assertThat(cluster.endpointTarget()).isEqualTo(leader.redis.address());
    assertNoAckedWriteLost(writer, leader);

    // The old leader's Redis comes back empty and rejoins as a replica, never as a second primary.
    old.redis.start();
    awaitReplicaOf(old, leader);
    assertThat(cluster.writablePrimaries()).extracting(n -> n.name).containsExactly(leader.name);
  }

  @Test
  void leaderSidecarKilledFailsOverAfterLeaseExpiryAndDemotesTheOldRedis(TestInfo info) {
    Writing w = startWriting(info);
    LocalCluster.Node old = w.leader();
    Writer writer = w.writer();

    old.sidecar.kill();
    LocalCluster.Node leader = awaitNewLeader(old);
    // The new leader paused the old primary, caught up with it, then demoted it.
    awaitReplicaOf(old, leader);
    assertNoAckedWriteLost(writer, leader);

    old.sidecar.start();
    Awaitility.await("restarted sidecar reports a replica").atMost(Duration.ofSeconds(20))
        .until(() -> old.sidecar.get("/role").contains("\"role\":\"replica\""));
    assertThat(cluster.writablePrimaries()).extracting(n -> n.name).containsExactly(leader.name);
  }

  @Test
  void gracefulStopHandsOverWithoutLosingWrites(TestInfo info) {
    Writing w = startWriting(info);
    LocalCluster.Node old = w.leader();
    Writer writer = w.writer();

    assertThat(old.sidecar.terminate(30_000)).as("exit code after handover").isZero();
    LocalCluster.Node leader = awaitNewLeader(old);
    assertNoAckedWriteLost(writer, leader);
    awaitReplicaOf(old, leader);
    assertThat(old.sidecar.output()).contains("handed over to " + leader.name);
  }

  @Test
  void handoverEndpointMovesTheLeaderAndKeepsTheSidecarRunning(TestInfo info) {
    cluster = cluster(info).start();
    LocalCluster.Node old = cluster.awaitLeader(Duration.ofSeconds(30));

    String reply = old.sidecar.post("/handover", Duration.ofSeconds(30));

    assertThat(reply).startsWith("200").contains("handed over to");
    LocalCluster.Node leader = awaitNewLeader(old);
    awaitReplicaOf(old, leader);
    assertThat(old.sidecar.alive()).isTrue();
  }

  LocalCluster.Node awaitNewLeader(LocalCluster.Node old) {
    return cluster.awaitLeaderOtherThan(old, Duration.ofSeconds(30));
  }
}
