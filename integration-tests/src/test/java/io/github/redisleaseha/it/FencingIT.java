package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.Jedis;

/**
 * The fence owner on real processes: a stalled Redis is not a dead one, a stall past the stall
 * timeout ends with the hard fence (SIGKILL of the verified process), and a fence lifted behind the
 * sidecar's back comes back within a guard period or two.
 */
class FencingIT extends ClusterTest {

  /** Dead is not unresponsive: a leader keeps its Lease through a stall shorter than the stall timeout. */
  @Test
  void aShortStallOfTheLeadersRedisCausesNoFailover(TestInfo info) throws Exception {
    Writing w = startWriting(info, "--stall-timeout", "4s");
    LocalCluster.Node leader = w.leader();
    int transitions = cluster.leaseState().transitions();

    leader.redis.signal("STOP");
    try {
      Thread.sleep(2_000); // the fault itself: a 2 s stall, as a fork of a large dataset or a slow script makes
    } finally {
      leader.redis.signal("CONT");
    }

    assertThat(cluster.awaitLeader(Duration.ofSeconds(10)).name).isEqualTo(leader.name);
    assertThat(cluster.leaseState().transitions()).as("Lease transitions").isEqualTo(transitions);
    assertThat(leader.sidecar.output()).contains("keeping the Lease up to the stall timeout of 4000 ms")
        .doesNotContain("releasing the Lease");
    assertNoAckedWriteLost(w.writer(), leader);
  }

  /** Past the stall timeout the sidecar kills its Redis (it sees the process), then releases the Lease. */
  @Test
  void aStallPastTheStallTimeoutEndsWithTheHardFenceAndAFailover(TestInfo info) {
    Writing w = startWriting(info, "--stall-timeout", "2s");
    LocalCluster.Node old = w.leader();
    assertThat(old.sidecar.output()).contains("fencing: kill");

    old.redis.signal("STOP");
    Awaitility.await("the stalled Redis is killed by its sidecar").atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50)).until(() -> !old.redis.alive());
    LocalCluster.Node next = cluster.awaitLeaderOtherThan(old, Duration.ofSeconds(30));

    assertThat(old.sidecar.output()).contains("past the stall timeout of 2000 ms; killing it")
        .contains("killed the Redis process").contains("my Redis process is gone; releasing the Lease");
    assertNoAckedWriteLost(w.writer(), next);
    old.redis.start(); // as the kubelet restarts a killed container: read-only, then a replica
    awaitReplicaOf(old, next);
  }

  /** The fence is re-asserted: a CLIENT UNPAUSE sent to a fenced old primary does not reopen it for writes. */
  @Test
  void aFenceLiftedBehindTheSidecarsBackIsReasserted(TestInfo info) {
    cluster = cluster(info).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    // The leader must lose its Lease: the API server frozen, and one member's sidecar frozen too, so
    // that no failsafe promise from every member keeps it writable.
    LocalCluster.Node member = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    member.sidecar.signal("STOP");
    cluster.apiServer().freeze();
    try {
      Awaitility.await("writes on the leader are paused").atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100)).until(() -> !writable(leader));
      try (Jedis j = leader.redis.jedis()) {
        j.clientUnpause();
      }
      Awaitility.await("the pause is back").atMost(Duration.ofSeconds(2))
          .pollInterval(Duration.ofMillis(20)).until(() -> !writable(leader));
      Awaitility.await("the pause stays").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
          .pollInterval(Duration.ofMillis(200)).until(() -> !writable(leader));
    } finally {
      cluster.apiServer().thaw();
      member.sidecar.signal("CONT");
    }
    LocalCluster.Node after = cluster.awaitLeader(Duration.ofSeconds(30));
    Awaitility.await("writes resume on the leader").atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100)).until(() -> writable(after));
  }
}
