package io.github.redisleaseha.node;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * The sidecar's Prometheus metrics (client_java), served at {@code /metrics}. Gauges are set from
 * each control-loop tick; counters are incremented where the event happens.
 */
public final class SidecarMetrics {

  /** The roles {@code /role} reports; exactly one has value 1. */
  static final List<String> ROLES = List.of("leader", "replica", "primary-without-lease", "unknown");
  /** Phases of the last failover this node led, in order. */
  static final List<String> PHASES = List.of("detect", "lease", "catchup", "promote", "endpoint");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Gauge role = Gauge.builder().name("redis_lease_ha_role")
      .help("1 for this node's current role, 0 for the others").labelNames("role").register(registry);
  private final Gauge isLeader = Gauge.builder().name("redis_lease_ha_is_leader")
      .help("1 while this node holds a fresh Lease").register(registry);
  private final Gauge transitions = Gauge.builder().name("redis_lease_ha_lease_transitions")
      .help("spec.leaseTransitions of the Lease as last read").register(registry);
  private final Counter failovers = Counter.builder().name("redis_lease_ha_failovers_total")
      .help("Promotions this node completed, by reason (initial, leader_lost, handover, forced)")
      .labelNames("reason").register(registry);
  private final Gauge phase = Gauge.builder().name("redis_lease_ha_last_failover_phase_seconds")
      .help("Duration of each phase of the last failover this node led: detect (last healthy leader seen to"
          + " leader missing), lease (to Lease acquired), catchup, promote, endpoint (published)")
      .unit(Unit.SECONDS).labelNames("phase").register(registry);
  private final Gauge lag = Gauge.builder().name("redis_lease_ha_replication_lag_bytes")
      .help("How far this replica is behind the leader (0 on the leader, -1 unknown)").register(registry);
  private final Counter healthFailures = Counter.builder().name("redis_lease_ha_health_check_failures_total")
      .help("Health checks of the local Redis that failed").register(registry);
  private final Gauge fenced = Gauge.builder().name("redis_lease_ha_fenced")
      .help("1 while writes on the local Redis are paused by the fence").register(registry);
  private final Gauge paused = Gauge.builder().name("redis_lease_ha_paused")
      .help("1 while the cluster is paused (no automatic failover)").register(registry);

  SidecarMetrics() {
    for (String r : ROLES) {
      role.labelValues(r).set(r.equals("unknown") ? 1 : 0);
    }
    for (String reason : List.of("initial", "leader_lost", "handover", "forced")) {
      failovers.labelValues(reason);
    }
    lag.set(-1);
  }

  void update(Sidecar.RoleView view, long leaseTransitions) {
    for (String r : ROLES) {
      role.labelValues(r).set(r.equals(view.role()) ? 1 : 0);
    }
    isLeader.set(view.role().equals("leader") ? 1 : 0);
    transitions.set(leaseTransitions);
    lag.set(view.role().equals("leader") ? 0 : view.lagBytes());
    fenced.set(view.fenced() ? 1 : 0);
    paused.set(view.paused() ? 1 : 0);
  }

  void healthCheckFailed() {
    healthFailures.inc();
  }

  /** A completed failover led by this node: its reason and each phase's duration in milliseconds. */
  void failover(String reason, Map<String, Long> phaseMillis) {
    failovers.labelValues(reason).inc();
    for (String p : PHASES) {
      phase.labelValues(p).set(Math.max(0, phaseMillis.getOrDefault(p, 0L)) / 1000.0);
    }
  }

  public String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  public void write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }
}
