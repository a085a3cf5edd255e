package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.Writer;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.List;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.Jedis;

/** The safety invariants, each tried on real processes. */
class SafetyIT extends ClusterTest {

  /** Invariant: never an empty primary while a peer holds the data. */
  @Test
  void replicaRestartedEmptyNeverBecomesLeaderWhileAnInSyncPeerExists(TestInfo info) {
    Writing w = startWriting(info);
    LocalCluster.Node leader = w.leader();
    Writer writer = w.writer();
    LocalCluster.Node[] replicas = cluster.nodes().stream().filter(n -> n != leader).toArray(LocalCluster.Node[]::new);
    LocalCluster.Node empty = replicas[0];
    LocalCluster.Node inSync = replicas[1];

    // The replica loses its data, and the leader dies before it can resynchronise.
    empty.redis.kill();
    leader.redis.kill();
    empty.redis.start();

    LocalCluster.Node next = cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(30));
    assertThat(next.name).isEqualTo(inSync.name);
    assertThat(empty.sidecar.output())
        .contains("not a candidate for leader: my dataset is empty while " + inSync.name + " holds data")
        .doesNotContain("acquired the Lease");
    assertNoAckedWriteLost(writer, next);
    awaitReplicaOf(empty, next);
  }

  /**
   * Invariant: never an empty primary, also when the leader's own Redis restarts (empty) faster than
   * the health checks notice: the changed run id makes the leader give the Lease to an in-sync replica.
   */
  @Test
  void leaderRedisRestartingFastHandsTheLeaseToAnInSyncReplica(TestInfo info) {
    Writing w = startWriting(info);
    LocalCluster.Node old = w.leader();
    Writer writer = w.writer();

    old.redis.kill();
    old.redis.start();

    LocalCluster.Node leader = cluster.awaitLeaderOtherThan(old, Duration.ofSeconds(30));
    assertNoAckedWriteLost(writer, leader);
    awaitReplicaOf(old, leader);
    assertThat(old.sidecar.output())
        .containsAnyOf("my Redis restarted (run id changed)", "health checks in a row", "my Redis process is gone");
  }

  /**
   * Failsafe: with the API server frozen and every member answering its heartbeats, the leader keeps
   * its Redis writable (every member promised not to take over), nobody else becomes writable, and
   * when the API server answers again the leader renews and failsafe ends. Tested with a writer that
   * keeps its connection: the longest gap between its acknowledged writes is what an application sees.
   */
  @Test
  void leaderKeptByItsMembersPromisesTakesWritesThroughAnApiOutage(TestInfo info) throws Exception {
    cluster = cluster(info).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    Awaitility.await("the members are recorded on the Lease").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100)).until(() -> cluster.leaseState().members().size() == 3);
    String address = leader.redis.address();
    try (Writer writer = Writer.builder(() -> address).keepConnection(Duration.ofSeconds(30)).build()) {
      writer.start();
      Awaitility.await("writes acknowledged").atMost(Duration.ofSeconds(10)).until(() -> writer.acks().size() > 20);
      cluster.apiServer().freeze();
      try {
        Awaitility.await("the leader says failsafe keeps it").atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100)).until(() -> leader.sidecar.output().contains("keeping my Redis writable (failsafe)"));
        // Well past the lease duration: still writable, and the only writable primary.
        Awaitility.await("the leader stays writable").during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
            .pollInterval(Duration.ofMillis(200)).until(() -> writable(leader));
        assertThat(cluster.writablePrimaries()).extracting(n -> n.name).containsExactly(leader.name);
      } finally {
        cluster.apiServer().thaw();
      }
      Awaitility.await("the leader renews again").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
          .until(() -> leader.sidecar.output().contains("renewed my Lease again; failsafe is over"));
      assertThat(cluster.leaseState().holder()).isEqualTo(leader.name);
      long before = writer.acks().size();
      Awaitility.await("writes go on").atMost(Duration.ofSeconds(5)).until(() -> writer.acks().size() > before + 20);
      List<Writer.Ack> acks = writer.acks();
      long longest = 0;
      for (int i = 1; i < acks.size(); i++) {
        longest = Math.max(longest, acks.get(i).nanos() - acks.get(i - 1).nanos());
      }
      // Not a timing target (make bench measures those): a fence would stop writes for the whole outage.
      assertThat(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(longest)).as("longest gap between acknowledged writes")
          .isLessThan(2_000);
    }
    for (LocalCluster.Node n : cluster.nodes()) {
      assertThat(n.sidecar.output().lines()).as(n.name + " log").noneMatch(l -> l.matches("\\s+at .*"));
    }
  }

  /**
   * Invariant: a leader that cannot renew, and is not kept by every member's promise (here one
   * member's sidecar is frozen too), fences its Redis before anyone else can take the Lease, and lifts
   * the fence only after a successful renewal.
   */
  @Test
  void leaderCutOffFromTheApiServerAndAMemberStopsAcceptingWritesAndRecovers(TestInfo info) {
    cluster = cluster(info).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    try (Jedis j = leader.redis.jedis()) {
      assertThat(j.set("probe", "before")).isEqualTo("OK");
    }
    Awaitility.await("the members are recorded on the Lease").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100)).until(() -> cluster.leaseState().members().size() == 3);
    LocalCluster.Node member = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    member.sidecar.signal("STOP");
    cluster.apiServer().freeze();
    try {
      Awaitility.await("writes on the leader are paused").atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100)).until(() -> !writable(leader));
      assertThat(leader.sidecar.output()).contains("could not renew the Lease")
          .contains("failsafe does not keep me: not every member promised");
      assertThat(cluster.writablePrimaries()).extracting(n -> n.name).containsExactly(leader.name);
    } finally {
      cluster.apiServer().thaw();
      member.sidecar.signal("CONT");
    }

    LocalCluster.Node after = cluster.awaitLeader(Duration.ofSeconds(30));
    Awaitility.await("writes resume on the leader").atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100)).until(() -> writable(after));
    // The outage is reported, not flooded: no stack traces, a handful of warnings per sidecar.
    for (LocalCluster.Node n : cluster.nodes()) {
      List<String> lines = n.sidecar.output().lines().toList();
      assertThat(lines).as(n.name + " log").noneMatch(l -> l.matches("\\s+at .*"));
      assertThat(lines.stream().filter(l -> l.matches(".* (WARN|ERROR) .*")).count()).as(n.name + " warnings").isLessThanOrEqualTo(8);
    }
  }

  /** Lease hygiene: null fields, an unknown holder and garbage annotations crash nothing. */
  @Test
  void hostileLeaseContentsAreSurvived(TestInfo info) {
    Map<String, String> garbage = new HashMap<>();
    garbage.put(LeaseState.LEADER, "x".repeat(5000));
    garbage.put(LeaseState.LEADER_ADDRESS, ":::not-an-address:::");
    garbage.put(LeaseState.PROMOTION_OFFSET, "abc");
    garbage.put(LeaseState.EPOCH, "99999999999999999999999");
    garbage.put(LeaseState.HANDOVER_TO, "redis-9");
    garbage.put(LeaseState.HANDOVER_UNTIL, "soon");
    cluster = cluster(info).beforeSidecars(client -> {
      try {
        new CoordinationV1Api(client).createNamespacedLease(LocalCluster.NAMESPACE,
            new V1Lease().apiVersion("coordination.k8s.io/v1").kind("Lease")
                .metadata(new V1ObjectMeta().name(LocalCluster.LEASE).namespace(LocalCluster.NAMESPACE).annotations(garbage))
                .spec(new V1LeaseSpec().holderIdentity("ghost-pod").renewTime(OffsetDateTime.now())))
            .execute();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).start();

    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(40));
    assertThat(cluster.leaseState().leader()).isEqualTo(leader.name);

    // Garbage written over a live Lease's annotations is repaired by the leader.
    // (The leader renews every retry period, so an edit may meet a 409 and is simply tried again.)
    Awaitility.await("garbage written over the live Lease").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          V1Lease live = cluster.lease();
          live.getMetadata().setAnnotations(garbage);
          new CoordinationV1Api(cluster.client()).replaceNamespacedLease(LocalCluster.LEASE, LocalCluster.NAMESPACE, live).execute();
          return true;
        });
    Awaitility.await("the leader re-records its promotion").atMost(Duration.ofSeconds(15))
        .until(() -> leader.name.equals(cluster.leaseState().leader()));
    for (LocalCluster.Node n : cluster.nodes()) {
      assertThat(n.sidecar.output()).doesNotContain("NullPointerException").doesNotContain("\tat ");
      assertThat(n.sidecar.output().lines().count()).as("log lines of " + n.name).isLessThan(2000);
    }
  }

  /** Secrets come from a file and never show in logs or process arguments. */
  @Test
  void passwordNeverAppearsInLogsOrArguments(TestInfo info) throws Exception {
    String password = "pw-" + Long.toHexString(System.nanoTime()) + "-secret";
    cluster = cluster(info).password(password).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    leader.redis.kill();
    cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(30));

    for (LocalCluster.Node n : cluster.nodes()) {
      assertThat(n.sidecar.output()).doesNotContain(password);
      String cmdline = ProcessHandle.of(n.sidecar.pid()).flatMap(p -> p.info().commandLine()).orElse("");
      assertThat(cmdline).isNotEmpty().doesNotContain(password);
    }
  }

  /** A wrong password is named as such, keeps every node out of the election, and is not logged. */
  @Test
  void wrongPasswordIsReportedClearlyAndKeepsTheNodeOutOfTheElection(TestInfo info) throws Exception {
    LocalCluster.Builder builder = cluster(info).password("the-right-password");
    java.nio.file.Path wrong = java.nio.file.Files.createDirectories(builder.dir()).resolve("wrong-password");
    java.nio.file.Files.writeString(wrong, "a-wrong-password");
    cluster = builder.env("REDIS_PASSWORD_FILE", wrong.toString()).start();
    Awaitility.await("every sidecar names the refusal").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      for (LocalCluster.Node n : cluster.nodes()) {
        assertThat(n.sidecar.output()).contains("not a candidate for leader: my Redis refuses my credentials or commands: WRONGPASS");
      }
    });
    Awaitility.await("nobody leads").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
        .until(() -> cluster.leaseState().holder() == null);
    for (LocalCluster.Node n : cluster.nodes()) {
      assertThat(n.sidecar.output()).doesNotContain("a-wrong-password").doesNotContain("the-right-password");
    }
  }
}
