package io.github.redisleaseha.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.redisleaseha.node.SidecarMetrics;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's one API client, as {@code run} builds it, against a real local HTTP server: every
 * request is counted by verb, resource and code (or error), with its latency, and the answers reach
 * the caller unchanged.
 */
class RunCommandApiClientTest {

  private final CountDownLatch release = new CountDownLatch(1);
  private final HttpServer server;
  private final SidecarMetrics metrics = new SidecarMetrics(1_048_576);

  RunCommandApiClientTest() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/apis/coordination.k8s.io/v1/namespaces/default/leases/", ex -> {
      if (ex.getRequestMethod().equals("GET")) {
        answer(ex, 404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}");
      } else {
        answer(ex, 409, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409}");
      }
    });
    server.createContext("/api/v1/namespaces/default/pods", ex ->
        answer(ex, 200, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}"));
    // Answers only when the test ends: the client's call timeout gives up first.
    server.createContext("/api/v1/namespaces/default/endpoints/", ex -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      answer(ex, 200, "{}");
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  private static void answer(HttpExchange ex, int code, String body) throws IOException {
    ex.getRequestBody().readAllBytes();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private String scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    metrics.write(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyRequestOfTheClientIsCountedWithItsAnswerOrError() throws Exception {
    ApiClient client = RunCommand.apiClient("http://127.0.0.1:" + server.getAddress().getPort(), Duration.ofMillis(300), metrics);
    CoordinationV1Api leases = new CoordinationV1Api(client);
    CoreV1Api core = new CoreV1Api(client);

    assertThatThrownBy(() -> leases.readNamespacedLease("redis-leader", "default").execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    V1Lease lease = new V1Lease().metadata(new V1ObjectMeta().name("redis-leader").namespace("default"))
        .spec(new V1LeaseSpec().holderIdentity("redis-0"));
    assertThatThrownBy(() -> leases.replaceNamespacedLease("redis-leader", "default", lease).execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(core.listNamespacedPod("default").execute().getItems()).isEmpty();
    assertThat(core.listNamespacedPod("default").execute().getItems()).isEmpty();
    assertThatThrownBy(() -> core.readNamespacedEndpoints("redis-write", "default").execute())
        .isInstanceOf(ApiException.class);

    String text = scrape();
    assertThat(text).contains(
        "redis_lease_ha_api_requests_total{code=\"404\",resource=\"leases\",verb=\"get\"} 1.0",
        "redis_lease_ha_api_requests_total{code=\"409\",resource=\"leases\",verb=\"update\"} 1.0",
        "redis_lease_ha_api_requests_total{code=\"200\",resource=\"pods\",verb=\"list\"} 2.0",
        "redis_lease_ha_api_requests_total{code=\"error\",resource=\"endpoints\",verb=\"get\"} 1.0",
        "redis_lease_ha_api_request_duration_seconds_count{resource=\"pods\",verb=\"list\"} 2",
        "redis_lease_ha_api_request_duration_seconds_count{resource=\"endpoints\",verb=\"get\"} 1");
    // The request that timed out took about the call timeout, and no more than the client allows.
    double seconds = Double.parseDouble(text.lines()
        .filter(l -> l.startsWith("redis_lease_ha_api_request_duration_seconds_sum{resource=\"endpoints\",verb=\"get\"}"))
        .findFirst().orElseThrow().replaceAll(".* ", ""));
    assertThat(seconds).isBetween(0.25, 5.0);
    // Only the requests made: nothing counted twice, no retries.
    assertThat(text.lines().filter(l -> l.startsWith("redis_lease_ha_api_requests_total{"))
        .mapToDouble(l -> Double.parseDouble(l.replaceAll(".* ", ""))).sum()).isEqualTo(5.0);
  }
}
