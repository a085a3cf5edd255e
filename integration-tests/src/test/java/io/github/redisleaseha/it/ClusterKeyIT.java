package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.LocalCluster.CliResult;
import io.github.redisleaseha.harness.LocalCluster.Node;
import io.github.redisleaseha.harness.SidecarProcess.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Only the cluster's own key moves the leader: against a running cluster, every mutating endpoint
 * refuses a call without the key (401), with a wrong key (403) and any method but POST (405), on the
 * leader and on a replica, and nothing changes: the Lease holder and its transitions, the write
 * endpoint, the leader's role, and every replica still a candidate (a replica that accepted a
 * {@code /handover} would stop contending). Then the chart's preStop path, {@code prestop} with the
 * key file, does hand over. A sidecar started without a key refuses every mutating call.
 */
class ClusterKeyIT extends ClusterTest {

  static final String WRONG_KEY = "Bearer not-this-clusters-key-0123456789";
  static final List<String> MUTATING = List.of("/handover", "/switchover", "/switchover?to=", "/peer/heartbeat");

  @Test
  void everyMutatingEndpointRefusesCallsWithoutTheKeyAndNothingMoves(TestInfo info) throws Exception {
    cluster = cluster(info).start();
    Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    List<Node> replicas = cluster.nodes().stream().filter(n -> n != leader).toList();
    Awaitility.await("every replica is a candidate").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> replicas.stream().allMatch(ClusterKeyIT::candidate));
    LeaseState before = cluster.leaseState();
    String endpoint = cluster.endpointTarget();
    String key = "Bearer " + Files.readString(cluster.clusterKeyFile()).strip();

    for (Node node : List.of(leader, replicas.get(0))) {
      for (String endpointPath : MUTATING) {
        String path = endpointPath.endsWith("=") ? endpointPath + replicas.get(1).name : endpointPath;
        String where = node.name + " " + path;

        Reply none = node.sidecar.request("POST", path, null, Duration.ofSeconds(5));
        assertThat(none.status()).as("POST " + where + " without a key: " + none).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).as(where).startsWith("Bearer");
        assertThat(none.body()).contains("missing cluster key");

        Reply basic = node.sidecar.request("POST", path, "Basic " + key.substring(7), Duration.ofSeconds(5));
        assertThat(basic.status()).as("POST " + where + " with the key in the Basic scheme: " + basic).isEqualTo(401);

        Reply wrong = node.sidecar.request("POST", path, WRONG_KEY, Duration.ofSeconds(5));
        assertThat(wrong.status()).as("POST " + where + " with a wrong key: " + wrong).isEqualTo(403);
        assertThat(wrong.body()).isEqualTo("wrong cluster key\n");

        // Not even the right key makes anything but a POST act.
        for (String method : List.of("GET", "PUT", "DELETE")) {
          for (String authorization : new String[] {null, key}) {
            Reply r = node.sidecar.request(method, path, authorization, Duration.ofSeconds(5));
            assertThat(r.status()).as(method + " " + where + (authorization == null ? "" : " with the key") + ": " + r)
                .isEqualTo(405);
            assertThat(r.header("Allow")).isEqualTo("POST");
          }
        }
      }
      // A heartbeat with the key but not one the sidecar takes: malformed (400), from a stranger or
      // for a Lease its sender does not hold (409), too large (413); each says why.
      Reply garbage = node.sidecar.request("POST", "/peer/heartbeat", key, "{not json", Duration.ofSeconds(5));
      assertThat(garbage.status()).as(node.name + " garbage heartbeat: " + garbage).isEqualTo(400);
      assertThat(garbage.body()).contains("not a heartbeat");
      String forged = "{\"from\":\"redis-9\",\"boot\":\"x\",\"seq\":1,\"trouble\":true,"
          + "\"lease\":{\"metadata\":{\"name\":\"" + LocalCluster.LEASE + "\"},\"spec\":{\"holderIdentity\":\"redis-9\"}}}";
      Reply stranger = node.sidecar.request("POST", "/peer/heartbeat", key, forged, Duration.ofSeconds(5));
      assertThat(stranger.status()).as(node.name + " heartbeat from a stranger: " + stranger).isEqualTo(409);
      assertThat(stranger.body()).contains("redis-9 is not a member I know");
      Reply notHolder = node.sidecar.request("POST", "/peer/heartbeat", key,
          forged.replace("\"from\":\"redis-9\"", "\"from\":\"" + replicas.get(1).name + "\""), Duration.ofSeconds(5));
      assertThat(notHolder.status()).as(node.name + " heartbeat for a Lease its sender does not hold: " + notHolder).isEqualTo(409);
      Reply huge = node.sidecar.request("POST", "/peer/heartbeat", key, "x".repeat(70_000), Duration.ofSeconds(5));
      assertThat(huge.status()).as(node.name + " huge heartbeat").isEqualTo(413);
      // The kubelet's old httpGet target is gone: nothing hands over on a GET.
      assertThat(node.sidecar.request("GET", "/prestop", null, Duration.ofSeconds(5)).status()).isEqualTo(404);
      // Read-only endpoints stay open.
      assertThat(node.sidecar.request("GET", "/role", null, Duration.ofSeconds(5)).status()).isEqualTo(200);
      assertThat(node.sidecar.request("GET", "/metrics", null, Duration.ofSeconds(5)).status()).isEqualTo(200);
      assertThat(node.sidecar.request("GET", "/healthz", null, Duration.ofSeconds(5)).status()).isEqualTo(200);
      assertThat(node.sidecar.request("GET", "/readyz", null, Duration.ofSeconds(5)).status()).isEqualTo(200);
    }

    // Nothing moved, and nothing starts moving: the leader keeps the Lease (no new transition), the
    // endpoint stays on it, it is not handing over, and the replicas still contend.
    Awaitility.await("the leadership stays where it was").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
        .pollInterval(Duration.ofMillis(100)).until(() -> {
          LeaseState now = cluster.leaseState();
          JsonObject role = role(leader);
          return leader.name.equals(now.holder()) && now.transitions() == before.transitions()
              && endpoint.equals(cluster.endpointTarget())
              && role.get("role").getAsString().equals("leader") && !role.get("handingOver").getAsBoolean()
              && replicas.stream().allMatch(ClusterKeyIT::candidate);
        });
    assertThat(cluster.writablePrimaries()).extracting(n -> n.name).containsExactly(leader.name);

    // Each refusal is logged, once per source and reason, and no log holds the key.
    String keyValue = key.substring(7);
    for (Node node : List.of(leader, replicas.get(0))) {
      String log = node.sidecar.output();
      assertThat(log).contains("Refused POST /handover from 127.0.0.1 with 401: no Authorization header");
      assertThat(log).contains("Refused POST /handover from 127.0.0.1 with 403: wrong cluster key");
      assertThat(log.lines().filter(l -> l.contains("with 403: wrong cluster key")).count())
          .as("refusals for a wrong key logged by " + node.name).isEqualTo(1);
      assertThat(log).doesNotContain(keyValue);
    }

    // The switchover command with another cluster's key is refused, naming the file; nothing moves.
    Path otherKey = LocalCluster.writeClusterKey(cluster.dir().resolve("other-cluster-key"));
    CliResult foreign = cluster.cli("switchover", "--to", replicas.get(0).name, "--cluster-key-file", otherKey.toString());
    assertThat(foreign.exitCode()).as(foreign.out() + foreign.err()).isEqualTo(1);
    assertThat(foreign.err()).contains(leader.name + "'s sidecar refused the request (403: wrong cluster key)")
        .contains(otherKey.toString()).contains("Nothing was changed");
    assertThat(cluster.leaseState().holder()).isEqualTo(leader.name);

    // The chart's preStop path with the right key hands over.
    CliResult prestop = cluster.prestop(leader);
    assertThat(prestop.exitCode()).as(prestop.err()).isZero();
    assertThat(prestop.out()).contains("handed over to");
    Node next = cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(30));
    assertThat(leader.sidecar.output()).contains("POST /handover from 127.0.0.1, with the cluster key");
    assertThat(cluster.leaseState().holder()).isEqualTo(next.name);
  }

  @Test
  void aRotatedKeyFileIsUsedWithoutARestart(TestInfo info) throws Exception {
    cluster = cluster(info).size(2).start();
    Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    Node replica = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    String oldKey = "Bearer " + Files.readString(cluster.clusterKeyFile()).strip();

    // As Kubernetes updates a Secret volume: the new content replaces the file in one step.
    Path fresh = LocalCluster.writeClusterKey(cluster.dir().resolve("cluster-key.new"));
    Files.move(fresh, cluster.clusterKeyFile(), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(replica.sidecar.request("POST", "/handover", oldKey, Duration.ofSeconds(5)).status())
        .as("the replaced key").isEqualTo(403);
    assertThat(leader.sidecar.request("POST", "/switchover", oldKey, Duration.ofSeconds(5)).status()).isEqualTo(403);
    assertThat(cluster.leaseState().holder()).isEqualTo(leader.name);

    // The harness (like the prestop and switchover commands) reads the file at each call.
    String reply = leader.sidecar.post("/switchover?to=" + replica.name, Duration.ofSeconds(30));
    assertThat(reply).startsWith("200 ").contains("handed over to " + replica.name);
    cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(30));
    assertThat(leader.sidecar.output()).contains("changed; mutating requests need the new key");
  }

  @Test
  void withoutAClusterKeyTheMutatingEndpointsAreDisabled(TestInfo info) throws Exception {
    cluster = cluster(info).size(2).noClusterKey().start();
    Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    LeaseState before = cluster.leaseState();
    assertThat(leader.sidecar.output()).contains("No --cluster-key-file (CLUSTER_KEY_FILE): POST /handover and /switchover are disabled");
    for (String path : List.of("/handover", "/switchover")) {
      for (String authorization : new String[] {null, WRONG_KEY}) {
        Reply r = leader.sidecar.request("POST", path, authorization, Duration.ofSeconds(5));
        assertThat(r.status()).as(path + ": " + r).isEqualTo(403);
        assertThat(r.body()).isEqualTo("no cluster key configured: start the sidecar with --cluster-key-file\n");
      }
      assertThat(leader.sidecar.request("GET", path, null, Duration.ofSeconds(5)).status()).isEqualTo(405);
    }
    // The commands say what is missing before contacting anything.
    CliResult switchover = cluster.cli("switchover");
    assertThat(switchover.exitCode()).isEqualTo(2);
    assertThat(switchover.err()).contains("--cluster-key-file (CLUSTER_KEY_FILE): required");
    CliResult prestop = cluster.prestop(leader);
    assertThat(prestop.exitCode()).isEqualTo(2);
    assertThat(prestop.err()).contains("--cluster-key-file (CLUSTER_KEY_FILE): required");
    // Even with a key file, a sidecar without one refuses.
    Path someKey = LocalCluster.writeClusterKey(cluster.dir().resolve("some-key"));
    CliResult refused = cluster.prestop(leader, "--cluster-key-file", someKey.toString());
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("No handover: the sidecar answered 403: no cluster key configured");

    Awaitility.await("the leader keeps the Lease").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(100)).until(() -> {
          LeaseState now = cluster.leaseState();
          return leader.name.equals(now.holder()) && now.transitions() == before.transitions();
        });
  }

  private static JsonObject role(Node n) {
    String r = n.sidecar.get("/role");
    return JsonParser.parseString(r.substring(r.indexOf(' ') + 1)).getAsJsonObject();
  }

  private static boolean candidate(Node n) {
    String r = n.sidecar.get("/role");
    return r.startsWith("200") && role(n).get("candidate").getAsBoolean();
  }
}
