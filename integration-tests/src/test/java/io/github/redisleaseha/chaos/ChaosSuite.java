package io.github.redisleaseha.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.LocalCluster.Node;
import io.github.redisleaseha.harness.NetNs;
import io.github.redisleaseha.harness.Writer;
import io.github.redisleaseha.kube.WriteEndpoint;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * {@code make chaos}: each scenario builds a fresh cluster in which every pod (Redis and sidecar)
 * lives in its own network namespace and the API server in another, runs a writer that follows the
 * write endpoint plus one writer pinned to each node, injects one fault, heals it, and judges the
 * acknowledgements with {@link Checker}: split-brain writes, acknowledged writes missing from the
 * final primary, and time to recover. Root only. Results go to {@code target/chaos/report.md}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosSuite {

  private static final Path DIR = Path.of("target", "chaos", "run-" + System.currentTimeMillis());
  private static final String PASSWORD = "chaos-password";
  private static final List<String> rows = new ArrayList<>();

  /** One fault: injected at the start of the returned window, healed by the time it returns. */
  interface Fault {
    void inject(LocalCluster cluster, NetNs net, Node leader, int leaderIndex) throws Exception;
  }

  record Result(String scenario, int splitBrain, int lost, int acked, long recoveryMillis, String bound) {}

  @BeforeAll
  static void rootAndNamespaces() throws Exception {
    Assumptions.assumeTrue(NetNs.available(), "make chaos needs root and the ip command");
    Files.createDirectories(DIR);
  }

  @AfterAll
  static void report() throws Exception {
    if (rows.isEmpty()) {
      return;
    }
    StringBuilder b = new StringBuilder();
    b.append("| scenario | split-brain writes | acknowledged writes lost | writes acknowledged | recovery | bound on loss |\n");
    b.append("|---|---|---|---|---|---|\n");
    rows.forEach(r -> b.append(r).append('\n'));
    Files.writeString(DIR.resolve("report.md"), b.toString());
    System.out.println(b);
  }

  @Test
  @Order(1)
  void leaderCutOffFromTheApiServer() throws Exception {
    Result r = scenario("leader cut off from the API server (8 s)", "0: the new leader catches up with the reachable old one",
        (c, net, leader, i) -> {
          net.cut(LocalCluster.nsHost(i), c.apiServer().host());
          hold(Duration.ofSeconds(8));
          net.heal(LocalCluster.nsHost(i));
        });
    assertThat(r.lost()).isZero();
  }

  @Test
  @Order(2)
  void leaderCutOffFromItsReplicas() throws Exception {
    Result r = scenario("leader cut off from its replicas (8 s)", "0: the leader keeps the Lease; replicas resync",
        (c, net, leader, i) -> {
          for (Node n : c.nodes()) {
            if (n != leader) {
              net.cut(LocalCluster.nsHost(i), n.redis.host());
            }
          }
          hold(Duration.ofSeconds(8));
          net.heal(LocalCluster.nsHost(i));
        });
    assertThat(r.lost()).isZero();
  }

  @Test
  @Order(3)
  void leaderFullyIsolated() throws Exception {
    scenario("leader fully isolated (link down 8 s)", "writes not yet replicated when the link went down (async replication)",
        (c, net, leader, i) -> {
          net.linkDown(LocalCluster.nsHost(i));
          hold(Duration.ofSeconds(8));
          net.linkUp(LocalCluster.nsHost(i));
        });
  }

  @Test
  @Order(4)
  void replicaIsolated() throws Exception {
    Result r = scenario("a replica isolated (link down 8 s)", "0: the leader is untouched",
        (c, net, leader, i) -> {
          int replica = (i + 1) % c.nodes().size();
          net.linkDown(LocalCluster.nsHost(replica));
          hold(Duration.ofSeconds(8));
          net.linkUp(LocalCluster.nsHost(replica));
        });
    assertThat(r.lost()).isZero();
  }

  @Test
  @Order(5)
  void flappingLeaderLink() throws Exception {
    scenario("leader's link flapping (5 x 1 s down, 1 s up)", "as full isolation, per flap",
        (c, net, leader, i) -> {
          for (int k = 0; k < 5; k++) {
            net.linkDown(LocalCluster.nsHost(i));
            hold(Duration.ofSeconds(1));
            net.linkUp(LocalCluster.nsHost(i));
            hold(Duration.ofSeconds(1));
          }
        });
  }

  @Test
  @Order(6)
  void leaderSidecarPausedPastTheLease() throws Exception {
    Result r = scenario("leader's sidecar JVM paused (SIGSTOP 7 s, lease 4 s)",
        "0: the new leader pauses the old primary and catches up with it",
        (c, net, leader, i) -> {
          leader.sidecar.signal("STOP");
          hold(Duration.ofSeconds(7));
          leader.sidecar.signal("CONT");
        });
    assertThat(r.lost()).isZero();
  }

  @Test
  @Order(7)
  void leaderRedisRestartsEmpty() throws Exception {
    scenario("leader's Redis restarts with an empty dataset", "writes not yet replicated when Redis died",
        (c, net, leader, i) -> {
          leader.redis.kill();
          leader.redis.start();
        });
  }

  @Test
  @Order(8)
  void leaseDeletedByHand() throws Exception {
    Result r = scenario("the Lease deleted by hand", "0",
        (c, net, leader, i) -> new CoordinationV1Api(c.client())
            .deleteNamespacedLease(LocalCluster.LEASE, LocalCluster.NAMESPACE).execute());
    assertThat(r.lost()).isZero();
  }

  @Test
  @Order(9)
  void writeEndpointEditedByHand() throws Exception {
    Result r = scenario("the write EndpointSlice pointed at a replica by hand", "0: the replica refuses writes (READONLY)",
        (c, net, leader, i) -> {
          DiscoveryV1Api discovery = new DiscoveryV1Api(c.client());
          String name = WriteEndpoint.sliceName(LocalCluster.WRITE_SERVICE);
          V1EndpointSlice slice = discovery.readNamespacedEndpointSlice(name, LocalCluster.NAMESPACE).execute();
          Node replica = c.nodes().get((i + 1) % c.nodes().size());
          slice.getEndpoints().get(0).setAddresses(List.of(replica.redis.host()));
          discovery.replaceNamespacedEndpointSlice(name, LocalCluster.NAMESPACE, slice).execute();
          Awaitility.await("the leader reconciles the write endpoint").atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(50)).until(() -> leader.redis.address().equals(c.endpointTarget()));
        });
    assertThat(r.lost()).isZero();
  }

  @Test
  @Order(10)
  void apiServerAnswering500s() throws Exception {
    Result r = scenario("API server answering 500 (8 s)", "0: the leader fences; its successor catches up with it",
        LocalCluster.Builder::faultProxy,
        (c, net, leader, i) -> {
          c.apiProxy().error();
          hold(Duration.ofSeconds(8));
          c.apiProxy().pass();
        });
    assertThat(r.lost()).isZero();
  }

  @Test
  @Order(11)
  void apiServerSlow() throws Exception {
    Result r = scenario("API server answering after 1.5 s (8 s)", "0",
        LocalCluster.Builder::faultProxy,
        (c, net, leader, i) -> {
          c.apiProxy().slow(Duration.ofMillis(1500));
          hold(Duration.ofSeconds(8));
          c.apiProxy().pass();
        });
    assertThat(r.lost()).isZero();
  }

  // ---------------------------------------------------------------- the frame

  private Result scenario(String name, String bound, Fault fault) throws Exception {
    return scenario(name, bound, b -> b, fault);
  }

  private Result scenario(String name, String bound, UnaryOperator<LocalCluster.Builder> setup, Fault fault) throws Exception {
    Path dir = DIR.resolve(name.replaceAll("[^A-Za-z0-9]+", "-"));
    try (NetNs net = NetNs.create("rlha", "10.77.0");
        LocalCluster cluster = setup.apply(LocalCluster.builder().netns(net).dir(dir).password(PASSWORD)).start()) {
      Node leader = cluster.awaitLeader(Duration.ofSeconds(60));
      cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
      Writer follow = cluster.writer();
      List<Writer> pinned = new ArrayList<>();
      for (Node n : cluster.nodes()) {
        pinned.add(new Writer(n.redis::address, PASSWORD, 10, Writer.Mode.PINNED, "pinned:" + n.name));
      }
      follow.start();
      pinned.forEach(Writer::start);
      awaitAcks(follow, 200);

      long fault0 = System.nanoTime();
      fault.inject(cluster, net, leader, cluster.nodes().indexOf(leader));

      Node last = cluster.awaitLeader(Duration.ofSeconds(60));
      Awaitility.await("every replica back in sync").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> {
            cluster.awaitReplicasInSync(cluster.awaitLeader(Duration.ofSeconds(5)), Duration.ofSeconds(5));
            return true;
          });
      awaitAcks(follow, follow.ackCount() + 200);
      follow.close();
      pinned.forEach(Writer::close);
      last = cluster.awaitLeader(Duration.ofSeconds(30));

      List<Writer.Ack> pinnedAcks = new ArrayList<>();
      pinned.forEach(w -> pinnedAcks.addAll(w.acks()));
      List<Writer.Ack> split = Checker.splitBrainWrites(pinnedAcks);
      List<Long> lost;
      try (Jedis j = last.redis.jedis()) {
        lost = follow.lost(j.lrange(follow.key(), 0, -1));
      }
      Result r = new Result(name, split.size(), lost.size(), follow.ackCount(), Checker.recoveryMillis(follow.acks(), fault0), bound);
      rows.add("| " + r.scenario() + " | " + r.splitBrain() + " | " + r.lost() + " | " + r.acked() + " | "
          + (r.recoveryMillis() == 0 ? "no interruption" : r.recoveryMillis() + " ms") + " | " + r.bound() + " |");
      Files.writeString(dir.resolve("split-brain.txt"), split.toString());
      assertThat(split).as("split-brain writes in " + name).isEmpty();
      assertNoSecretInLogs(dir);
      return r;
    }
  }

  /** The Redis password must not appear in any sidecar log (it reaches the sidecars as a file). */
  private static void assertNoSecretInLogs(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("sidecar.log")).toList()) {
        assertThat(Files.readString(f)).as(f.toString()).doesNotContain(PASSWORD);
      }
    }
  }

  private static void awaitAcks(Writer writer, int count) {
    Awaitility.await("writer acknowledgements").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> writer.ackCount() >= count);
  }

  /** Keeps a fault in place for its stated length; this is the fault itself, not a wait for a condition. */
  private static void hold(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }
}
