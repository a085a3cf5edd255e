package io.github.redisleaseha.chart;

import static io.github.redisleaseha.chart.RenderedChart.env;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.config.EndpointsMode;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.LocalCluster.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The chart's Role against the API calls the sidecars really make: a local cluster configured as the
 * chart configures it (names, label-selector discovery, endpoints mode, role label) goes through an
 * election, a Redis crash failover and a handover, while the API server records every request. Each call must be
 * granted, and each granted rule must have been used: a missing or an extra permission fails.
 */
class ChartRbacIT {

  private static final Pattern PATH = Pattern.compile(
      "^/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/[^/]+/([^/?]+)(?:/([^/?]+))?(?:\\?.*)?$");

  @ParameterizedTest
  @EnumSource(EndpointsMode.class)
  void roleGrantsExactlyTheCallsTheSidecarsMake(EndpointsMode mode) throws Exception {
    // One run with the role label on (the sidecars patch their pods), one without.
    String roleLabel = mode == EndpointsMode.SLICE ? "redis-role" : "";
    RenderedChart chart = RenderedChart.render(
        RenderedChart.values("endpointsMode", mode.name().toLowerCase(), "sidecar.roleLabel", roleLabel));
    Map<String, String> env = env(chart.container("sidecar"));
    Map<String, String> podLabels = chart.statefulSet().getSpec().getTemplate().getMetadata().getLabels();
    Path dir = Path.of("target", "it", "rbac-" + mode + "-" + System.currentTimeMillis());
    Files.createDirectories(dir);
    Path requests = dir.resolve("api-requests.log");

    LocalCluster.Builder builder = LocalCluster.builder()
        .dir(dir)
        .podPrefix(chart.statefulSet().getMetadata().getName() + "-");
    if (env.containsKey("ROLE_LABEL")) {
      builder.env("ROLE_LABEL", env.get("ROLE_LABEL"));
    }
    try (LocalCluster cluster = builder
        .endpointsMode(mode)
        .names(env.get("LEASE_NAME"), env.get("WRITE_SERVICE"))
        .peerSelector(env.get("PEER_SELECTOR"), podLabels)
        .recordRequests(requests)
        .start()) {
      Node first = cluster.awaitLeader(Duration.ofSeconds(30));
      cluster.awaitReplicasInSync(first, Duration.ofSeconds(30));
      first.redis.kill();
      Node second = cluster.awaitLeaderOtherThan(first, Duration.ofSeconds(30));
      cluster.awaitReplicasInSync(second, Duration.ofSeconds(30));
      // The sidecar container's preStop hook, as the chart configures it: the prestop command, which
      // POSTs /handover with the cluster key.
      assertThat(chart.container("sidecar").getLifecycle().getPreStop().getExec().getCommand())
          .containsExactly("/app/redis-lease-ha", "prestop");
      LocalCluster.CliResult prestop = cluster.prestop(second);
      assertThat(prestop.exitCode()).as(prestop.err()).isZero();
      assertThat(prestop.out()).contains("handed over to");
      cluster.awaitLeaderOtherThan(second, Duration.ofSeconds(30));
    }

    Set<String> used = new TreeSet<>();
    for (String line : Files.readAllLines(requests)) {
      if (!line.endsWith(" " + LocalCluster.HARNESS_USER_AGENT)) {
        used.add(permission(line));
      }
    }
    assertThat(used).as("API calls recorded in " + requests)
        .containsExactlyInAnyOrderElementsOf(new TreeSet<>(ChartTest.rules(chart)));
  }

  /** {@code GET /apis/g/v1/namespaces/ns/leases/x agent} becomes {@code g/leases get [x]}. */
  static String permission(String request) {
    String[] parts = request.split(" ", 3);
    Matcher m = PATH.matcher(parts[1]);
    assertThat(m.matches()).as("a namespaced API path: " + request).isTrue();
    String group = m.group(1) == null ? "" : m.group(1);
    String resource = m.group(2);
    String name = m.group(3);
    String verb = switch (parts[0]) {
      case "GET" -> name == null ? (parts[1].contains("watch=true") ? "watch" : "list") : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> throw new AssertionError("unexpected method in " + request);
    };
    return group + "/" + resource + " " + verb + (name == null || verb.equals("create") ? "" : " [" + name + "]");
  }
}
