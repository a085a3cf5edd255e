package io.github.redisleaseha.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.node.SidecarMetrics.HandoverKind;
import io.github.redisleaseha.node.SidecarMetrics.HandoverOutcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The metric contract of issue 13, read back from the text format that {@code /metrics} serves. */
class SidecarMetricsTest {

  private final SidecarMetrics metrics = new SidecarMetrics(1_048_576);

  /** Every sample of the text output: {@code name{labels}} to its value; and the HELP text of each metric family. */
  private record Scrape(Map<String, Double> samples, Map<String, String> help, Map<String, String> types) {
    double value(String series) {
      assertThat(samples).as("series %s", series).containsKey(series);
      return samples.get(series);
    }
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$");

  private Scrape scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    metrics.write(out);
    Map<String, Double> samples = new LinkedHashMap<>();
    Map<String, String> help = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("# HELP ")) {
        String[] parts = line.substring(7).split(" ", 2);
        help.put(parts[0], parts.length > 1 ? parts[1] : "");
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ", 2);
        types.put(parts[0], parts[1]);
      } else if (!line.isBlank() && !line.startsWith("#")) {
        Matcher m = SAMPLE.matcher(line);
        assertThat(m.matches()).as("a sample line: %s", line).isTrue();
        samples.put(m.group(1), Double.parseDouble(m.group(2)));
      }
    }
    return new Scrape(samples, help, types);
  }

  private static Sidecar.RoleView view(String role, boolean candidate, long lag, boolean fenced, boolean paused) {
    return new Sidecar.RoleView("redis-1", "10.0.0.1:6379", role, true, "redis-0", "redis-0", 5000, lag, fenced, true, 3,
        false, paused, false, candidate, candidate ? null : "I am the leader", 3, "kill", fenced);
  }

  @Test
  void everyMetricOfTheContractIsServedWithItsTypeAndAHelpText() throws IOException {
    // The last failover's gauges and the API metrics have a series only once there is something to say.
    metrics.failover("initial", Map.of());
    metrics.apiRequest("get", "leases", "200", 0.001);
    Scrape s = scrape();
    Map<String, String> expected = new LinkedHashMap<>();
    // Existing (issue 13 renames none of them).
    expected.put("redis_lease_ha_role", "gauge");
    expected.put("redis_lease_ha_is_leader", "gauge");
    expected.put("redis_lease_ha_lease_transitions", "gauge");
    expected.put("redis_lease_ha_failovers_total", "counter");
    expected.put("redis_lease_ha_last_failover_phase_seconds", "gauge");
    expected.put("redis_lease_ha_replication_lag_bytes", "gauge");
    expected.put("redis_lease_ha_health_check_failures_total", "counter");
    expected.put("redis_lease_ha_fenced", "gauge");
    expected.put("redis_lease_ha_paused", "gauge");
    // New.
    expected.put("redis_lease_ha_failover_phase_seconds", "histogram");
    expected.put("redis_lease_ha_failover_seconds", "histogram");
    expected.put("redis_lease_ha_fences_total", "counter");
    expected.put("redis_lease_ha_unfences_total", "counter");
    expected.put("redis_lease_ha_handovers_total", "counter");
    expected.put("redis_lease_ha_api_requests_total", "counter");
    expected.put("redis_lease_ha_api_request_duration_seconds", "histogram");
    expected.put("redis_lease_ha_candidate", "gauge");
    expected.put("redis_lease_ha_max_lag_bytes", "gauge");
    assertThat(s.types()).containsAllEntriesOf(expected);
    for (String family : expected.keySet()) {
      assertThat(s.help().get(family)).as("help of %s", family).isNotBlank().hasSizeGreaterThan(20);
    }
    // Only the contract's families carry the prefix: nothing extra, nothing renamed.
    assertThat(s.types().keySet().stream().filter(n -> n.startsWith("redis_lease_ha_")))
        .containsExactlyInAnyOrderElementsOf(expected.keySet());
  }

  @Test
  void beforeAnythingHappensTheLabelledSeriesExistAtZero() throws IOException {
    Scrape s = scrape();
    assertThat(s.types()).doesNotContainKeys("redis_lease_ha_last_failover_phase_seconds", "redis_lease_ha_api_requests_total");
    assertThat(s.value("redis_lease_ha_role{role=\"unknown\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_replication_lag_bytes")).isEqualTo(-1.0);
    assertThat(s.value("redis_lease_ha_max_lag_bytes")).isEqualTo(1_048_576.0);
    assertThat(s.value("redis_lease_ha_candidate")).isEqualTo(0.0);
    for (String reason : List.of("initial", "leader_lost", "handover", "forced")) {
      assertThat(s.value("redis_lease_ha_failovers_total{reason=\"" + reason + "\"}")).isEqualTo(0.0);
    }
    for (String kind : List.of("handover", "switchover")) {
      for (String outcome : List.of("completed", "aborted", "refused")) {
        assertThat(s.value("redis_lease_ha_handovers_total{kind=\"" + kind + "\",outcome=\"" + outcome + "\"}")).isEqualTo(0.0);
      }
    }
    for (String phase : SidecarMetrics.PHASES) {
      assertThat(s.value("redis_lease_ha_failover_phase_seconds_count{phase=\"" + phase + "\"}")).isEqualTo(0.0);
    }
    assertThat(s.value("redis_lease_ha_failover_seconds_count")).isEqualTo(0.0);
    assertThat(s.value("redis_lease_ha_fences_total")).isEqualTo(0.0);
    assertThat(s.value("redis_lease_ha_unfences_total")).isEqualTo(0.0);
  }

  @Test
  void aFailoverSetsTheLastPhaseGaugesAndObservesEachPhaseAndTheirSumInTheContractsBuckets() throws IOException {
    metrics.failover("leader_lost", Map.of("detect", 120L, "lease", 30L, "catchup", 0L, "promote", 5L, "endpoint", 40L));
    metrics.failover("handover", Map.of("detect", 0L, "lease", 0L, "catchup", 3_000L, "promote", 4L, "endpoint", -2L));
    Scrape s = scrape();
    assertThat(s.value("redis_lease_ha_failovers_total{reason=\"leader_lost\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_failovers_total{reason=\"handover\"}")).isEqualTo(1.0);
    // The gauges keep the last one; a negative phase counts as 0.
    assertThat(s.value("redis_lease_ha_last_failover_phase_seconds{phase=\"catchup\"}")).isEqualTo(3.0);
    assertThat(s.value("redis_lease_ha_last_failover_phase_seconds{phase=\"endpoint\"}")).isEqualTo(0.0);
    // detect: 0.12 s and 0 s.
    assertThat(s.value("redis_lease_ha_failover_phase_seconds_bucket{phase=\"detect\",le=\"0.01\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_failover_phase_seconds_bucket{phase=\"detect\",le=\"0.1\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_failover_phase_seconds_bucket{phase=\"detect\",le=\"0.25\"}")).isEqualTo(2.0);
    assertThat(s.value("redis_lease_ha_failover_phase_seconds_sum{phase=\"detect\"}")).isCloseTo(0.12, within());
    assertThat(s.value("redis_lease_ha_failover_phase_seconds_count{phase=\"catchup\"}")).isEqualTo(2.0);
    // The whole failover: 0.195 s and 3.004 s.
    assertThat(s.value("redis_lease_ha_failover_seconds_bucket{le=\"0.1\"}")).isEqualTo(0.0);
    assertThat(s.value("redis_lease_ha_failover_seconds_bucket{le=\"0.25\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_failover_seconds_bucket{le=\"2.5\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_failover_seconds_bucket{le=\"5.0\"}")).isEqualTo(2.0);
    assertThat(s.value("redis_lease_ha_failover_seconds_bucket{le=\"+Inf\"}")).isEqualTo(2.0);
    assertThat(s.value("redis_lease_ha_failover_seconds_sum")).isCloseTo(3.199, within());
    List<String> bounds = s.samples().keySet().stream().filter(k -> k.startsWith("redis_lease_ha_failover_seconds_bucket"))
        .map(k -> k.replaceAll(".*le=\"([^\"]+)\".*", "$1")).toList();
    assertThat(bounds).containsExactly("0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "+Inf");
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }

  @Test
  void theControlLoopsViewSetsRoleLeaderCandidateLagFencedAndPaused() throws IOException {
    metrics.update(view("replica", true, 42, false, false), 7);
    Scrape s = scrape();
    assertThat(s.value("redis_lease_ha_role{role=\"replica\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_role{role=\"unknown\"}")).isEqualTo(0.0);
    assertThat(s.value("redis_lease_ha_is_leader")).isEqualTo(0.0);
    assertThat(s.value("redis_lease_ha_candidate")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_replication_lag_bytes")).isEqualTo(42.0);
    assertThat(s.value("redis_lease_ha_lease_transitions")).isEqualTo(7.0);

    // A leader is no candidate, even though nothing limits it; its lag is 0.
    metrics.update(view("leader", true, -1, true, true), 8);
    s = scrape();
    assertThat(s.value("redis_lease_ha_is_leader")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_candidate")).isEqualTo(0.0);
    assertThat(s.value("redis_lease_ha_replication_lag_bytes")).isEqualTo(0.0);
    assertThat(s.value("redis_lease_ha_fenced")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_paused")).isEqualTo(1.0);

    // An ineligible replica is no candidate either.
    metrics.update(view("replica", false, -1, false, false), 8);
    assertThat(scrape().value("redis_lease_ha_candidate")).isEqualTo(0.0);
  }

  @Test
  void fencesHandoversAndApiRequestsAreCountedByTheirLabels() throws IOException {
    metrics.fenceApplied();
    metrics.fenceLifted();
    metrics.fenceApplied();
    metrics.handover(HandoverKind.SWITCHOVER, HandoverOutcome.REFUSED);
    metrics.handover(HandoverKind.SWITCHOVER, HandoverOutcome.COMPLETED);
    metrics.handover(HandoverKind.HANDOVER, HandoverOutcome.ABORTED);
    metrics.apiRequest("update", "leases", "200", 0.004);
    metrics.apiRequest("update", "leases", "409", 0.03);
    metrics.apiRequest("update", "leases", "error", 1.0);
    Scrape s = scrape();
    assertThat(s.value("redis_lease_ha_fences_total")).isEqualTo(2.0);
    assertThat(s.value("redis_lease_ha_unfences_total")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_handovers_total{kind=\"switchover\",outcome=\"refused\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_handovers_total{kind=\"switchover\",outcome=\"completed\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_handovers_total{kind=\"handover\",outcome=\"aborted\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_handovers_total{kind=\"handover\",outcome=\"completed\"}")).isEqualTo(0.0);
    assertThat(s.value("redis_lease_ha_api_requests_total{code=\"200\",resource=\"leases\",verb=\"update\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_api_requests_total{code=\"409\",resource=\"leases\",verb=\"update\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_api_requests_total{code=\"error\",resource=\"leases\",verb=\"update\"}")).isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_api_request_duration_seconds_bucket{resource=\"leases\",verb=\"update\",le=\"0.005\"}"))
        .isEqualTo(1.0);
    assertThat(s.value("redis_lease_ha_api_request_duration_seconds_bucket{resource=\"leases\",verb=\"update\",le=\"0.05\"}"))
        .isEqualTo(2.0);
    assertThat(s.value("redis_lease_ha_api_request_duration_seconds_count{resource=\"leases\",verb=\"update\"}")).isEqualTo(3.0);
  }

  @Test
  void theJvmMetricsAreOnTheSidecarsOwnRegistry() throws IOException {
    Scrape s = scrape();
    assertThat(s.types()).containsEntry("jvm_memory_used_bytes", "gauge").containsEntry("jvm_threads_current", "gauge")
        .containsEntry("jvm_gc_collection_seconds", "summary");
    assertThat(s.value("jvm_threads_current")).isPositive();
    // A second sidecar's metrics in the same JVM (as in tests) get their own JVM metrics too.
    ByteArrayOutputStream other = new ByteArrayOutputStream();
    new SidecarMetrics(0).write(other);
    assertThat(other.toString(StandardCharsets.UTF_8)).contains("jvm_threads_current ");
  }
}
