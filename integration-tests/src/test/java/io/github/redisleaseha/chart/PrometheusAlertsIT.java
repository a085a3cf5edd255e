package io.github.redisleaseha.chart;

import static io.github.redisleaseha.chart.RenderedChart.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.PrometheusProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The chart's default alerts on a real Prometheus (Debian's package) scraping a local cluster's
 * sidecars every second, each target labelled as a PodMonitor labels the release's pods: no alert in
 * steady state, and none of "no leader" or "more than one leader" ever firing; "a failover happened"
 * firing after the leader's Redis crashes; "paused" firing after {@code pause}, with its {@code for:}
 * shortened from 1 h to 5 s in the test's copy of the rules.
 */
class PrometheusAlertsIT {

  @Test
  void alertsStaySilentInSteadyStateAndFireOnAFailoverAndAPause() throws Exception {
    Path dir = Path.of("target", "it", "PrometheusAlertsIT-" + System.currentTimeMillis()).toAbsolutePath();
    try (LocalCluster cluster = LocalCluster.builder().dir(dir).start()) {
      LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
      cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
      List<PrometheusProcess.Target> targets = new ArrayList<>();
      for (int i = 0; i < cluster.nodes().size(); i++) {
        LocalCluster.Node n = cluster.nodes().get(i);
        // The labels a PodMonitor gives the release's pods, as the chart's rules select them.
        targets.add(new PrometheusProcess.Target(n.sidecar.httpHost() + ":" + n.sidecar.httpPort(),
            Map.of("namespace", RenderedChart.NAMESPACE, "pod", RenderedChart.RELEASE + "-redis-lease-ha-" + i)));
      }
      try (PrometheusProcess prometheus = PrometheusProcess.start(dir.resolve("prometheus"), targets,
          List.of(rulesWithShortPause(dir.resolve("rules.yaml"))))) {
        Awaitility.await("every sidecar scraped and the rules loaded").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
            .until(() -> prometheus.query("sum(up)").equals(List.of(3.0)) && prometheus.rulesLoaded(1));

        Set<String> seen = new TreeSet<>();
        try {
          Awaitility.await("no alert pending or firing over 15 s of steady state")
              .during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
              .until(() -> {
                List<PrometheusProcess.Alert> alerts = prometheus.alerts();
                alerts.forEach(a -> seen.add(a.name() + " " + a.state()));
                return alerts.isEmpty();
              });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError(e.getMessage() + "; alerts seen: " + seen, e);
        }

        leader.redis.kill();
        leader.redis.start();
        cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(30));
        awaitFiring(prometheus, "RedisLeaseHaFailover", seen);

        LocalCluster.CliResult paused = cluster.cli("pause");
        assertThat(paused.exitCode()).as(paused.out() + paused.err()).isZero();
        awaitFiring(prometheus, "RedisLeaseHaPaused", seen);
        // Around the failover two pods' newest samples may both show a leader (or neither) for a
        // scrape: those alerts may be pending then, which is what their for: is for; never firing.
        assertThat(seen).as("alerts seen from the crash on").doesNotContain(
            "RedisLeaseHaNoLeader firing", "RedisLeaseHaTooManyLeaders firing");
      }
    }
  }

  /** Waits until {@code name} fires, adding every alert seen meanwhile to {@code seen}. */
  private static void awaitFiring(PrometheusProcess prometheus, String name, Set<String> seen) {
    Awaitility.await(name + " fires").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          List<PrometheusProcess.Alert> alerts = prometheus.alerts();
          alerts.forEach(a -> seen.add(a.name() + " " + a.state()));
          return alerts.stream().anyMatch(a -> a.name().equals(name) && a.state().equals("firing"));
        });
  }

  /** The chart's default alerts as a rule file, RedisLeaseHaPaused waiting 5 s instead of an hour. */
  private static Path rulesWithShortPause(Path file) throws Exception {
    Map<String, Object> rule = ChartRulesTest.onlyRule(ChartRulesTest.render(null, values("metrics.prometheusRule.enabled", true)));
    return ChartRulesTest.writeRuleFile(rule, file, r -> {
      if ("RedisLeaseHaPaused".equals(r.get("alert"))) {
        assertThat(r.get("for")).isEqualTo("1h");
        r.put("for", "5s");
      }
    });
  }
}
