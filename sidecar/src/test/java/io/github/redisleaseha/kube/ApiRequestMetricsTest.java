package io.github.redisleaseha.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/** How a request's method and path become the verb and resource labels. */
class ApiRequestMetricsTest {

  private record Row(String method, String path, String verb, String resource) {}

  private static final List<Row> ROWS = List.of(
      // The Lease: election reads, renewals, annotations, releases, a hand-deleted Lease recreated.
      new Row("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/redis-leader", "get", "leases"),
      new Row("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/redis-leader", "update", "leases"),
      new Row("PATCH", "/apis/coordination.k8s.io/v1/namespaces/default/leases/redis-leader", "patch", "leases"),
      new Row("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", "create", "leases"),
      new Row("DELETE", "/apis/coordination.k8s.io/v1/namespaces/default/leases/redis-leader", "delete", "leases"),
      // The write endpoint, both modes.
      new Row("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", "list", "endpointslices"),
      new Row("PUT", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/redis-write", "update", "endpointslices"),
      new Row("GET", "/api/v1/namespaces/default/endpoints/redis-write", "get", "endpoints"),
      // Peers, the role label (a subresource counts as its resource), Events (core and events.k8s.io).
      new Row("GET", "/api/v1/namespaces/default/pods", "list", "pods"),
      new Row("PATCH", "/api/v1/namespaces/default/pods/redis-0", "patch", "pods"),
      new Row("PATCH", "/api/v1/namespaces/default/pods/redis-0/status", "patch", "pods"),
      new Row("POST", "/api/v1/namespaces/default/events", "create", "events"),
      new Row("POST", "/apis/events.k8s.io/v1/namespaces/default/events", "create", "events"),
      // Watches, by parameter and by the legacy prefix.
      new Row("GET", "/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dredis", "watch", "pods"),
      new Row("GET", "/api/v1/watch/namespaces/default/pods", "watch", "pods"),
      new Row("GET", "/api/v1/pods?watch=1", "watch", "pods"),
      // Anything else is other, so the label values stay few.
      new Row("GET", "/api/v1/namespaces/default", "get", "other"),
      new Row("GET", "/api/v1/namespaces", "list", "other"),
      new Row("GET", "/api/v1/namespaces/default/secrets/x", "get", "other"),
      new Row("GET", "/version", "list", "other"),
      new Row("GET", "/", "list", "other"),
      new Row("OPTIONS", "/api/v1/namespaces/default/pods", "other", "pods"));

  @Test
  void eachRequestIsNamedByItsKubernetesVerbAndResource() {
    for (Row r : ROWS) {
      HttpUrl url = HttpUrl.get("https://10.96.0.1:443" + r.path());
      assertThat(ApiRequestMetrics.classify(r.method(), url)).as("%s %s", r.method(), r.path())
          .isEqualTo(new ApiRequestMetrics.Kind(r.verb(), r.resource()));
    }
  }
}
