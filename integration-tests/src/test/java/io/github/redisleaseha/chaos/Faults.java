package io.github.redisleaseha.chaos;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.LocalCluster.Node;
import io.github.redisleaseha.harness.NetNs;
import io.github.redisleaseha.kube.WriteEndpoint;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * The faults of {@code make chaos} and {@code make soak}. Each injects one fault around the current
 * leader, keeps it for {@code hold} where it has a length, and heals it before returning.
 */
final class Faults {

  private Faults() {}

  /** One kind of fault, with the bound on acknowledged writes it may lose and why. */
  record Fault(String name, String bound, boolean needsProxy, Injection injection) {}

  interface Injection {
    void inject(LocalCluster cluster, NetNs net, Node leader, int leaderIndex, Duration hold) throws Exception;
  }

  static final Fault API_CUT = new Fault("leader cut off from the API server",
      "0: the leader fences at the renew deadline; its successor pauses it and catches up with it", false,
      (c, net, leader, i, hold) -> {
        net.cut(LocalCluster.nsHost(i), c.apiServer().host());
        hold(hold);
        net.heal(LocalCluster.nsHost(i));
      });

  static final Fault REPLICAS_CUT = new Fault("leader cut off from its replicas",
      "0: the leader keeps the Lease and takes writes; replicas resync when healed", false,
      (c, net, leader, i, hold) -> {
        for (Node n : c.nodes()) {
          if (n != leader) {
            net.cut(LocalCluster.nsHost(i), n.redis.host());
          }
        }
        hold(hold);
        net.heal(LocalCluster.nsHost(i));
      });

  static final Fault ISOLATED = new Fault("leader fully isolated (link down)",
      "writes the leader acknowledged but had not yet replicated when its link went down", false,
      (c, net, leader, i, hold) -> linkDownFor(net, LocalCluster.nsHost(i), hold));

  static final Fault REPLICA_ISOLATED = new Fault("a replica isolated (link down)",
      "0: the leader is untouched", false,
      (c, net, leader, i, hold) -> linkDownFor(net, LocalCluster.nsHost((i + 1) % c.nodes().size()), hold));

  static final Fault FLAPPING = new Fault("leader's link flapping (1 s down, 1 s up)",
      "as full isolation, for each flap", false,
      (c, net, leader, i, hold) -> {
        for (long k = 0; k < Math.max(1, hold.toSeconds() / 2); k++) {
          linkDownFor(net, LocalCluster.nsHost(i), Duration.ofSeconds(1));
          hold(Duration.ofSeconds(1));
        }
      });

  static final Fault SIDECAR_PAUSED = new Fault("leader's sidecar JVM paused (SIGSTOP) past the lease",
      "0: the new leader pauses the old primary and catches up with it", false,
      (c, net, leader, i, hold) -> {
        leader.sidecar.signal("STOP");
        hold(hold.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : hold);
        leader.sidecar.signal("CONT");
      });

  static final Fault REDIS_RESTART_EMPTY = new Fault("leader's Redis restarts with an empty dataset",
      "writes the leader acknowledged but had not yet replicated when Redis died", false,
      (c, net, leader, i, hold) -> {
        leader.redis.kill();
        leader.redis.start();
      });

  static final Fault LEASE_DELETED = new Fault("the Lease deleted by hand",
      "0: the new holder pauses any reachable primary and catches up with it", false,
      (c, net, leader, i, hold) -> new CoordinationV1Api(c.client())
          .deleteNamespacedLease(LocalCluster.LEASE, LocalCluster.NAMESPACE).execute());

  static final Fault ENDPOINT_EDITED = new Fault("the write EndpointSlice pointed at a replica by hand",
      "0: the replica refuses writes (READONLY) until the leader reconciles the slice", false,
      (c, net, leader, i, hold) -> {
        DiscoveryV1Api discovery = new DiscoveryV1Api(c.client());
        String name = WriteEndpoint.sliceName(LocalCluster.WRITE_SERVICE);
        V1EndpointSlice slice = discovery.readNamespacedEndpointSlice(name, LocalCluster.NAMESPACE).execute();
        Node replica = c.nodes().get((i + 1) % c.nodes().size());
        slice.getEndpoints().get(0).setAddresses(List.of(replica.redis.host()));
        discovery.replaceNamespacedEndpointSlice(name, LocalCluster.NAMESPACE, slice).execute();
        Awaitility.await("the leader reconciles the write endpoint").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50)).until(() -> leader.redis.address().equals(c.endpointTarget()));
      });

  static final Fault API_ERRORS = new Fault("API server answering 500",
      "0: the leader fences; its successor pauses it and catches up with it", true,
      (c, net, leader, i, hold) -> {
        c.apiProxy().error();
        try {
          hold(hold);
        } finally {
          c.apiProxy().pass();
        }
      });

  static final Fault API_SLOW = new Fault("API server answering after 1.5 s",
      "0: as API errors, when renewals miss the deadline", true,
      (c, net, leader, i, hold) -> {
        c.apiProxy().slow(Duration.ofMillis(1500));
        hold(hold);
        c.apiProxy().pass();
      });

  static final List<Fault> ALL = List.of(API_CUT, REPLICAS_CUT, ISOLATED, REPLICA_ISOLATED, FLAPPING, SIDECAR_PAUSED,
      REDIS_RESTART_EMPTY, LEASE_DELETED, ENDPOINT_EDITED, API_ERRORS, API_SLOW);

  private static void linkDownFor(NetNs net, String host, Duration hold) throws InterruptedException {
    net.linkDown(host);
    try {
      hold(hold);
    } finally {
      net.linkUp(host);
    }
  }

  /** Keeps a fault in place for its stated length; this is the fault itself, not a wait for a condition. */
  static void hold(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }
}
