package io.github.redisleaseha.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.SidecarProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's queries name only metrics that running sidecars serve: every metric name in
 * {@code chart/files/dashboard.json} appears in the {@code /metrics} of a local cluster's sidecars
 * after a switchover (so the failover and handover series exist).
 */
class DashboardMetricsIT {

  @Test
  void everyMetricTheDashboardQueriesIsServed() throws Exception {
    try (LocalCluster cluster = LocalCluster.builder()
        .dir(Path.of("target", "it", "DashboardMetricsIT-" + System.currentTimeMillis()).toAbsolutePath()).start()) {
      LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
      cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
      assertThat(leader.sidecar.post("/switchover", Duration.ofSeconds(60))).startsWith("200");
      cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(30));
      Set<String> served = new TreeSet<>();
      for (LocalCluster.Node n : cluster.nodes()) {
        served.addAll(sampleNames(n.sidecar));
      }
      assertThat(ChartMonitoringTest.dashboardMetrics()).as("metrics the dashboard queries, served: " + served)
          .isSubsetOf(served);
    }
  }

  /** The sample names of a sidecar's /metrics, histogram and summary series by their base name. */
  private static Set<String> sampleNames(SidecarProcess sidecar) {
    SidecarProcess.Reply r = sidecar.request("GET", "/metrics", null, Duration.ofSeconds(5));
    assertThat(r.status()).isEqualTo(200);
    Set<String> names = new TreeSet<>();
    r.body().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(l -> {
      String name = l.split("[{ ]", 2)[0];
      names.add(name.replaceFirst("_(bucket|sum|count|created)$", ""));
    });
    return names;
  }
}
