package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.redisleaseha.chaos.Checker;
import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.harness.FreePorts;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.LocalCluster.CliResult;
import io.github.redisleaseha.harness.LocalCluster.Node;
import io.github.redisleaseha.harness.SidecarProcess;
import io.github.redisleaseha.harness.Writer;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The operations commands, /metrics, Events, the role label and JSON logs, against a local cluster. */
class OperationsIT extends ClusterTest {

  @Test
  void statusExplainAndSwitchoverMoveTheLeaderWithoutLossAndRefuseUnfitTargets(TestInfo info) throws Exception {
    cluster = cluster(info).peerSelector("app=redis", Map.of("app", "redis")).env("ROLE_LABEL", "redis-role").start();
    Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    Node target = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    Writer writer = cluster.writer();
    writer.start();
    awaitAcks(writer, 100);

    CliResult status = cluster.cli("status");
    assertThat(status.exitCode()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("held by " + leader.name, "Write endpoint: " + leader.name, "Automatic failover: on")
        .containsPattern("(?m)^" + leader.name + "\\s+leader\\s+up")
        .containsPattern("(?m)^" + target.name + "\\s+replica\\s+up\\s+\\d+\\s+\\d+ B\\s+yes\\s+no\\s+kill\\s+(yes|no: )");
    JsonObject statusJson = JsonParser.parseString(cluster.cli("status", "-o", "json").out()).getAsJsonObject();
    assertThat(statusJson.getAsJsonObject("lease").get("holder").getAsString()).isEqualTo(leader.name);
    assertThat(statusJson.getAsJsonArray("members")).hasSize(3);
    assertThat(cluster.cli("explain").out()).containsPattern("would win a failover now|No member could take over")
        .contains(leader.name + " is the leader.");

    // Refusals change nothing.
    LeaseState before = cluster.leaseState();
    CliResult missing = cluster.cli("switchover", "--to", "redis-9");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("Refused: redis-9 is not a member of this cluster").contains("Nothing was changed");
    CliResult self = cluster.cli("switchover", "--to", leader.name);
    assertThat(self.err()).contains(leader.name + " is already the leader");
    target.redis.signal("STOP");
    try {
      Awaitility.await("the frozen target reports its Redis down").atMost(Duration.ofSeconds(10))
          .until(() -> target.sidecar.get("/role").contains("\"healthy\":false"));
      CliResult unhealthy = cluster.cli("switchover", "--to", target.name);
      assertThat(unhealthy.exitCode()).isEqualTo(1);
      assertThat(unhealthy.err()).contains(target.name + "'s Redis is not answering");
    } finally {
      target.redis.signal("CONT");
    }
    assertThat(cluster.leaseState().holder()).isEqualTo(before.holder());
    assertThat(cluster.leaseState().leader()).isEqualTo(before.leader());
    assertThat(cluster.leaseState().epoch()).isEqualTo(before.epoch());
    assertThat(cluster.endpointNode()).contains(leader);

    // A real switchover: the leadership and the endpoint move, and no acknowledged write is lost.
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    Awaitility.await("the target is in sync again").atMost(Duration.ofSeconds(20))
        .until(() -> target.sidecar.get("/role").contains("\"ready\":true"));
    CliResult moved = cluster.cli("switchover", "--to", target.name);
    assertThat(moved.exitCode()).as(moved.err()).isZero();
    assertThat(moved.out()).contains("handed over to " + target.name);
    assertThat(cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(30))).isEqualTo(target);
    assertNoAckedWriteLost(writer, target);

    // Metrics on both sides of the move.
    Awaitility.await("metrics follow the move").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(target.sidecar.get("/metrics"))
          .contains("redis_lease_ha_is_leader 1.0", "redis_lease_ha_failovers_total{reason=\"handover\"} 1.0",
              "redis_lease_ha_role{role=\"leader\"} 1.0", "redis_lease_ha_last_failover_phase_seconds{phase=\"promote\"}");
      assertThat(leader.sidecar.get("/metrics"))
          .contains("redis_lease_ha_is_leader 0.0", "redis_lease_ha_role{role=\"replica\"} 1.0");
    });

    // Events on the Lease, and the role labels on the pods.
    CoreV1Api core = new CoreV1Api(cluster.client());
    Awaitility.await("events and labels").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<CoreV1Event> events = core.listNamespacedEvent(LocalCluster.NAMESPACE).execute().getItems();
      assertThat(events).anySatisfy(e -> {
        assertThat(e.getReason()).isEqualTo("Promoted");
        assertThat(e.getReportingInstance()).isEqualTo(target.name);
        assertThat(e.getInvolvedObject().getKind()).isEqualTo("Lease");
      });
      assertThat(events).anySatisfy(e -> {
        assertThat(e.getReason()).isEqualTo("HandedOver");
        assertThat(e.getReportingInstance()).isEqualTo(leader.name);
      });
      assertThat(core.readNamespacedPod(target.name, LocalCluster.NAMESPACE).execute().getMetadata().getLabels())
          .containsEntry("redis-role", "leader");
      assertThat(core.readNamespacedPod(leader.name, LocalCluster.NAMESPACE).execute().getMetadata().getLabels())
          .containsEntry("redis-role", "replica");
    });
  }

  @Test
  void forcedFailoverNeedsConfirmationAndPauseStopsAutomaticFailover(TestInfo info) throws Exception {
    // A Lease long enough that it cannot expire, and fail over on its own, before the forced failover
    // below marks it: that takes two commands, each a JVM start, which on a loaded 2-core machine took
    // long enough for the default 4 s to pass. The forced failover then waits this duration out (the
    // dead leader's sidecar cannot confirm a fence), so it is no longer than it needs to be.
    cluster = cluster(info).env("LOG_FORMAT", "json").args("--lease-duration", "12s").start();
    Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    Node target = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();

    CliResult healthy = cluster.cli("failover", "--to", target.name, "--yes");
    assertThat(healthy.exitCode()).isEqualTo(1);
    assertThat(healthy.err()).contains(leader.name + " is leading and healthy; use switchover");

    // The leader's sidecar dies; its Lease would only expire after the lease duration.
    leader.sidecar.kill();
    CliResult unconfirmed = cluster.cli("failover", "--to", target.name);
    assertThat(unconfirmed.exitCode()).isEqualTo(1);
    assertThat(unconfirmed.out()).contains("WARNING: This forces " + target.name + " to become the leader");
    assertThat(unconfirmed.err()).contains("not confirmed");
    assertThat(cluster.leaseState().handoverTo()).isNull();
    // Too short a --wait to outlast the dead leader's Lease: it says what it waited for, removes its
    // mark, and leaves the Lease with its holder.
    CliResult impatient = cluster.cli("failover", "--to", target.name, "--yes", "--wait", "2s");
    assertThat(impatient.exitCode()).as(impatient.out() + impatient.err()).isEqualTo(1);
    assertThat(impatient.err()).contains("Gave up after 2 s waiting for " + leader.name + " to fence: its sidecar could"
        + " not be asked (ConnectException), so for its Lease to go unrenewed for 12 s")
        .contains("Removed the failover mark; nothing else was changed.");
    assertThat(cluster.leaseState().handoverTo()).isNull();
    assertThat(cluster.leaseState().forced()).isFalse();
    assertThat(cluster.leaseState().holder()).isEqualTo(leader.name);
    CliResult forced = cluster.cli("failover", "--to", target.name, "--yes");
    assertThat(forced.exitCode()).as(forced.out() + forced.err()).isZero();
    assertThat(forced.out())
        .contains("Marked the Lease for " + target.name + "; " + leader.name + " renews it no more")
        .contains("Freed the Lease for " + target.name + ": the leader's Lease went unrenewed for 12 s;"
            + " its sidecar could not be asked")
        .contains(target.name + " leads and the write endpoint points at it");
    Awaitility.await("one writable primary").atMost(Duration.ofSeconds(20))
        .until(() -> cluster.writablePrimaries().equals(List.of(target)));
    assertThat(target.sidecar.get("/metrics")).contains("redis_lease_ha_failovers_total{reason=\"forced\"} 1.0");

    // Paused: a crash of the leader's Redis is not failed over, and switchovers are refused.
    assertThat(cluster.cli("pause").exitCode()).isZero();
    assertThat(cluster.cli("status").out()).contains("Automatic failover: PAUSED");
    Node third = cluster.nodes().stream().filter(n -> n != leader && n != target).findFirst().orElseThrow();
    CliResult refused = cluster.cli("switchover", "--to", third.name);
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("the cluster is paused; resume it first");
    assertThat(cluster.cli("explain").out()).contains("The cluster is paused");
    target.redis.kill();
    Awaitility.await("no failover while paused").during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
        .until(() -> cluster.leaseState().holder() == null || target.name.equals(cluster.leaseState().holder()));
    assertThat(cluster.cli("resume").exitCode()).isZero();
    assertThat(cluster.awaitLeaderOtherThan(target, Duration.ofSeconds(30))).isEqualTo(third);

    // --log-format=json: the sidecar's log lines are JSON objects (the JVM may add its own warnings).
    List<String> lines = Files.readAllLines(third.sidecar.logFile());
    assertThat(lines).noneSatisfy(l -> assertThat(l).contains(" INFO ").contains("I am "));
    List<JsonObject> json = lines.stream().filter(l -> l.startsWith("{"))
        .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    assertThat(json).anySatisfy(j -> assertThat(j.get("message").getAsString()).startsWith("I am " + third.name));
  }

  /**
   * Issue 10, item 7: the leader still renews its Lease (and takes writes), but the operator's command
   * cannot reach its sidecar. A forced failover must not free the Lease for the target until the
   * leader has stopped taking writes: here, only a full lease duration after the mark, which the
   * leader obeys by not renewing and fencing at its renew deadline. The old leader's Redis must not
   * acknowledge any write once the target acknowledged its first.
   */
  @Test
  void forcedFailoverWaitsOutALeaderThatStillRenewsButCannotBeAsked(TestInfo info) throws Exception {
    cluster = cluster(info).start();
    Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    Node target = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    List<Writer> pinned = cluster.nodes().stream()
        .map(n -> new Writer(n.redis::address, null, 5, Writer.Mode.PINNED, "pinned:" + n.name)).toList();
    pinned.forEach(Writer::start);
    Writer onLeader = pinned.get(cluster.nodes().indexOf(leader));
    awaitAcks(onLeader, 50);

    // The command reaches every sidecar but the leader's: its address is a port nobody listens on.
    String members = String.join(",", cluster.nodes().stream()
        .map(n -> n.name + "=" + n.sidecar.httpHost() + ":"
            + (n == leader ? FreePorts.find(n.sidecar.httpHost()) : n.sidecar.httpPort()))
        .toList());
    CliResult forced = cluster.cli("failover", "--to", target.name, "--yes", "--members", members);
    assertThat(forced.exitCode()).as(forced.out() + forced.err()).isZero();
    assertThat(cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(30))).isEqualTo(target);
    Writer onTarget = pinned.get(cluster.nodes().indexOf(target));
    awaitAcks(onTarget, 50);
    pinned.forEach(Writer::close);

    List<Writer.Ack> acks = pinned.stream().flatMap(w -> w.acks().stream()).toList();
    long firstOnTarget = onTarget.acks().get(0).nanos();
    assertThat(onLeader.acks().stream().filter(a -> a.nanos() >= firstOnTarget).toList())
        .as("writes the old leader acknowledged after the target's first").isEmpty();
    assertThat(Checker.splitBrainWrites(acks)).as("split-brain writes").isEmpty();
    assertThat(forced.out())
        .contains("Freed the Lease for " + target.name + ": the leader's Lease went unrenewed for 4 s; its sidecar could not be asked")
        .contains(target.name + " leads and the write endpoint points at it");
  }

  @Test
  void badArgumentsNameTheFlagAndContactNothing(TestInfo info) {
    cluster = cluster(info).size(1).start();
    CliResult bad = cluster.cli("status", "--members", "nonsense");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("--members (MEMBERS): 'nonsense' is not name=host:port");
    CliResult noTarget = cluster.cli("failover");
    assertThat(noTarget.exitCode()).isEqualTo(2);
    assertThat(noTarget.err()).contains("--to");
    CliResult noMembers = cluster.cli("status", "--members", "");
    assertThat(noMembers.exitCode()).isEqualTo(2);
    assertThat(noMembers.err()).contains("--selector (PEER_SELECTOR) or --members (MEMBERS): give exactly one");
  }

  @Test
  void versionPrintsTheVersion() throws Exception {
    Process p = new ProcessBuilder(SidecarProcess.java(), "-jar", SidecarProcess.jar().toString(), "version")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).isZero();
    assertThat(out).startsWith("redis-lease-ha ");
  }
}
