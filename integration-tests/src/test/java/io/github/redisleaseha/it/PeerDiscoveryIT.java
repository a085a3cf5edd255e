package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.harness.ApiServerProcess;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.kube.PeerDiscovery;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Peer discovery by pod label selector, against the embedded API server. */
class PeerDiscoveryIT {

  @Test
  void findsLabelledPodsWithAnIpExceptItself() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "peer-discovery-" + System.currentTimeMillis(), "api.log"))) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      create(client, "redis-0", Map.of("app", "redis"), "10.0.0.10");
      create(client, "redis-1", Map.of("app", "redis"), "10.0.0.11");
      create(client, "redis-2", Map.of("app", "redis"), null); // not scheduled yet: no IP
      create(client, "other", Map.of("app", "web"), "10.0.0.99");

      PeerDiscovery discovery = PeerDiscovery.byLabel(client, "default", "app=redis", 6379, "redis-0");
      assertThat(discovery.peers()).isEmpty();
      discovery.refresh();

      assertThat(discovery.peers()).containsExactly(new Member("redis-1", "10.0.0.11", 6379));
    }
  }

  private static void create(ApiClient client, String name, Map<String, String> labels, String ip) {
    LocalCluster.createPod(client, "default", name, labels, ip);
  }
}
