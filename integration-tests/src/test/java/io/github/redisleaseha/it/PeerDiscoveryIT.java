package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.harness.ApiServerProcess;
import io.github.redisleaseha.kube.PeerDiscovery;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.util.ClientBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Peer discovery by pod label selector, against the embedded API server. */
class PeerDiscoveryIT {

  @Test
  void findsLabelledPodsWithAnIpExceptItself() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "peer-discovery-" + System.currentTimeMillis(), "api.log"))) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      CoreV1Api core = new CoreV1Api(client);
      create(core, "redis-0", Map.of("app", "redis"), "10.0.0.10");
      create(core, "redis-1", Map.of("app", "redis"), "10.0.0.11");
      create(core, "redis-2", Map.of("app", "redis"), null); // not scheduled yet: no IP
      create(core, "other", Map.of("app", "web"), "10.0.0.99");

      PeerDiscovery discovery = PeerDiscovery.byLabel(client, "default", "app=redis", 6379, "redis-0");
      assertThat(discovery.peers()).isEmpty();
      discovery.refresh();

      assertThat(discovery.peers()).containsExactly(new Member("redis-1", "10.0.0.11", 6379));
    }
  }

  private static void create(CoreV1Api core, String name, Map<String, String> labels, String ip) throws Exception {
    V1Pod pod = new V1Pod().apiVersion("v1").kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace("default").labels(labels))
        .spec(new V1PodSpec().containers(List.of(new V1Container().name("redis").image("redis:7"))))
        .status(ip == null ? null : new V1PodStatus().podIP(ip));
    core.createNamespacedPod("default", pod).execute();
  }
}
