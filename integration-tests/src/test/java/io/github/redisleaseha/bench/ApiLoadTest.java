package io.github.redisleaseha.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiLoadTest {

  private static final String SIDECAR = "Kubernetes Java Client/25.0.0";

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      GET    | /apis/coordination.k8s.io/v1/namespaces/default/leases/redis-leader                  | Lease GET
      PUT    | /apis/coordination.k8s.io/v1/namespaces/default/leases/redis-leader                  | Lease PUT
      POST   | /apis/coordination.k8s.io/v1/namespaces/default/leases                               | Lease POST
      GET    | /apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=a%3Db       | EndpointSlice LIST
      GET    | /apis/discovery.k8s.io/v1/namespaces/default/endpointslices/redis-write              | EndpointSlice GET
      GET    | /api/v1/namespaces/default/endpoints/redis-write                                     | Endpoints GET
      GET    | /api/v1/namespaces/default/pods?labelSelector=app%3Dredis&watch=true                 | Pod WATCH
      PATCH  | /api/v1/namespaces/default/pods/redis-0/status                                       | Pod/status PATCH
      POST   | /api/v1/namespaces/default/events                                                    | Event POST
      GET    | /api/v1/namespaces/default/widgets/w                                                 | widgets GET
      GET    | /version?timeout=1s                                                                  | /version GET
      """)
  void classifiesByKindAndVerb(String method, String path, String expected) {
    assertThat(ApiLoad.classify(method, path)).isEqualTo(expected);
  }

  @Test
  void countsTheSidecarsRequestsAndLeavesTheHarnessOut() {
    String lease = "/apis/coordination.k8s.io/v1/namespaces/default/leases/redis-leader";
    String log = String.join("\n",
        "GET " + lease + " " + SIDECAR,
        "PUT " + lease + " " + SIDECAR,
        "GET " + lease + " " + SIDECAR,
        "GET " + lease + " " + LocalCluster.HARNESS_USER_AGENT,
        "GET /apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=x " + SIDECAR) + "\n";

    ApiLoad.Result r = ApiLoad.count(log, 2.0, 3);

    assertThat(r.harness()).isEqualTo(1);
    assertThat(r.total()).isEqualTo(4);
    assertThat(r.byRequest()).containsExactly(
        Map.entry("Lease GET", 2L), Map.entry("EndpointSlice LIST", 1L), Map.entry("Lease PUT", 1L));
    assertThat(r.sentence()).isEqualTo("API requests per second per idle 3-node cluster: 2.00 "
        + "(Lease GET 1.00, EndpointSlice LIST 0.50, Lease PUT 0.50), counted over 2 s.");
    assertThat(r.markdown()).contains("| Lease GET | 2 | 1.00 |", "| all | 4 | 2.00 |", "harness's own requests (1 in the window)");
  }

  @Test
  void anEmptyWindowCountsNothing() {
    ApiLoad.Result r = ApiLoad.count("", 5.0, 3);
    assertThat(r.total()).isZero();
    assertThat(r.sentence()).isEqualTo("API requests per second per idle 3-node cluster: 0.00, counted over 5 s.");
  }

  @Test
  void countsOnlyWhatTheLogGainedBetweenTwoMarksAndOnlyWholeLines(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("api-requests.log");
    String lease = "/apis/coordination.k8s.io/v1/namespaces/default/leases/redis-leader";
    assertThat(ApiLoad.mark(log)).as("no log yet").isZero();
    Files.writeString(log, "GET " + lease + " " + SIDECAR + "\n");
    long from = ApiLoad.mark(log);
    Files.writeString(log, "PUT " + lease + " " + SIDECAR + "\nPUT " + lease, java.nio.file.StandardOpenOption.APPEND);
    long to = ApiLoad.mark(log);

    ApiLoad.Result r = ApiLoad.count(log, from, to, 1.0, 3);

    assertThat(r.byRequest()).containsExactly(Map.entry("Lease PUT", 1L));
  }

  @Test
  void anApiOutageScenarioNamesItsDuration() {
    assertThat(Scenario.API_OUTAGE.description).isEqualTo("10 s API server outage, no Redis fault");
    assertThat(Scenario.API_OUTAGE_60S.description).isEqualTo("60 s API server outage, no Redis fault");
    assertThat(Scenario.API_OUTAGE_60S.apiOutageMillis).isEqualTo(60_000);
    assertThat(Scenario.KILL.apiOutage()).isFalse();
  }
}
