package io.github.redisleaseha.node;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sidecar's Prometheus metrics (client_java), served at {@code /metrics}, on a registry of its
 * own (with the JVM's {@code jvm_*} metrics), never the JVM-wide default one.
 *
 * <p>Who writes what. The gauges that describe the node (role, leader, candidate, lag, fenced,
 * paused, Lease transitions, last failover's phases) are set by the control loop only, once per tick
 * from one {@link Sidecar.RoleView}, so a scrape never sees a mix of two ticks' views written by two
 * threads. Counters and histograms are incremented where the event happens (the control loop, the
 * fence guard, OkHttp's calling threads); client_java makes those safe from any thread.
 * {@code redis_lease_ha_max_lag_bytes} is configuration, set once here.
 */
public final class SidecarMetrics {

  /** The roles {@code /role} reports; exactly one has value 1. */
  static final List<String> ROLES = List.of("leader", "replica", "primary-without-lease", "unknown");
  /** Phases of a failover this node led, in order. */
  static final List<String> PHASES = List.of("detect", "lease", "catchup", "promote", "endpoint");
  static final List<String> REASONS = List.of("initial", "leader_lost", "handover", "forced");
  /** Buckets of a failover and its phases: from about 10 ms (a handover's phase) to 30 s (a slow catch-up). */
  static final double[] FAILOVER_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  /** Buckets of one API request: the default --api-timeout is 1 s, so anything above means a longer configured one. */
  static final double[] API_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  /** A graceful handover (the sidecar stops: SIGTERM, {@code prestop}) or an operator's switchover (it carries on). */
  public enum HandoverKind { HANDOVER, SWITCHOVER }

  /** Completed (the target leads), aborted (begun, then given up) or refused (never begun). */
  public enum HandoverOutcome { COMPLETED, ABORTED, REFUSED }

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

  // New in issue 13.
  private final Histogram phaseHistogram = Histogram.builder().name("redis_lease_ha_failover_phase_seconds")
      .help("Duration of each phase of every failover this node led (detect, lease, catchup, promote, endpoint);"
          + " observed once per completed failover, when the write endpoint points at this node")
      .unit(Unit.SECONDS).classicOnly().classicUpperBounds(FAILOVER_BUCKETS).labelNames("phase").register(registry);
  private final Histogram failoverHistogram = Histogram.builder().name("redis_lease_ha_failover_seconds")
      .help("Duration of every failover this node led, the sum of its phases: from the last healthy leader seen"
          + " (or from acquiring the Lease, when none was) to the write endpoint published")
      .unit(Unit.SECONDS).classicOnly().classicUpperBounds(FAILOVER_BUCKETS).register(registry);
  private final Counter fences = Counter.builder().name("redis_lease_ha_fences_total")
      .help("Times the fence went from lifted to applied on the local Redis (writes paused, or the process killed)")
      .register(registry);
  private final Counter unfences = Counter.builder().name("redis_lease_ha_unfences_total")
      .help("Times the fence on the local Redis was lifted (writes allowed again)").register(registry);
  private final Counter handovers = Counter.builder().name("redis_lease_ha_handovers_total")
      .help("Handovers (graceful stop) and switchovers (operator's move) this node was asked for as leader, by"
          + " outcome: completed (the target leads), aborted (begun, then given up), refused (never begun)")
      .labelNames("kind", "outcome").register(registry);
  private final Counter apiRequests = Counter.builder().name("redis_lease_ha_api_requests_total")
      .help("Kubernetes API requests this sidecar made, by verb, resource and HTTP status code (error: no answer)")
      .labelNames("verb", "resource", "code").register(registry);
  private final Histogram apiDuration = Histogram.builder().name("redis_lease_ha_api_request_duration_seconds")
      .help("Latency of this sidecar's Kubernetes API requests, until the answer's headers or the failure, by verb"
          + " and resource")
      .unit(Unit.SECONDS).classicOnly().classicUpperBounds(API_BUCKETS).labelNames("verb", "resource").register(registry);
  private final Gauge candidate = Gauge.builder().name("redis_lease_ha_candidate")
      .help("1 when this node could be promoted now (eligible and not the leader), else 0").register(registry);
  private final Gauge maxLag = Gauge.builder().name("redis_lease_ha_max_lag_bytes")
      .help("The configured --max-lag-bytes: a replica further behind is no candidate").register(registry);

  /** @param maxLagBytes the configured {@code --max-lag-bytes} */
  public SidecarMetrics(long maxLagBytes) {
    for (String r : ROLES) {
      role.labelValues(r).set(r.equals("unknown") ? 1 : 0);
    }
    for (String reason : REASONS) {
      failovers.labelValues(reason);
    }
    for (String p : PHASES) {
      phaseHistogram.labelValues(p);
    }
    for (HandoverKind k : HandoverKind.values()) {
      for (HandoverOutcome o : HandoverOutcome.values()) {
        handovers.labelValues(label(k), label(o));
      }
    }
    lag.set(-1);
    maxLag.set(maxLagBytes);
    JvmMetrics.builder().register(registry);
  }

  /** The control loop's tick: every gauge that describes this node, from one view. */
  void update(Sidecar.RoleView view, long leaseTransitions) {
    for (String r : ROLES) {
      role.labelValues(r).set(r.equals(view.role()) ? 1 : 0);
    }
    boolean leader = view.role().equals("leader");
    isLeader.set(leader ? 1 : 0);
    candidate.set(!leader && view.candidate() ? 1 : 0);
    transitions.set(leaseTransitions);
    lag.set(leader ? 0 : view.lagBytes());
    fenced.set(view.fenced() ? 1 : 0);
    paused.set(view.paused() ? 1 : 0);
  }

  void healthCheckFailed() {
    healthFailures.inc();
  }

  /**
   * A completed failover led by this node: its reason and each phase's duration in milliseconds
   * (a missing or negative phase counts as 0). Sets the last failover's gauges and observes the
   * histograms: each phase, and the whole failover as their sum.
   */
  void failover(String reason, Map<String, Long> phaseMillis) {
    failovers.labelValues(reason).inc();
    double total = 0;
    for (String p : PHASES) {
      double seconds = Math.max(0, phaseMillis.getOrDefault(p, 0L)) / 1000.0;
      phase.labelValues(p).set(seconds);
      phaseHistogram.labelValues(p).observe(seconds);
      total += seconds;
    }
    failoverHistogram.observe(total);
  }

  /** The fence went from lifted to applied on the local Redis. */
  void fenceApplied() {
    fences.inc();
  }

  /** The fence on the local Redis was lifted. */
  void fenceLifted() {
    unfences.inc();
  }

  void handover(HandoverKind kind, HandoverOutcome outcome) {
    handovers.labelValues(label(kind), label(outcome)).inc();
  }

  /**
   * One Kubernetes API request: {@code code} is the HTTP status, or {@code error} when no answer came
   * (timeout, refused connection). Called from OkHttp's threads.
   */
  public void apiRequest(String verb, String resource, String code, double seconds) {
    apiRequests.labelValues(verb, resource, code).inc();
    apiDuration.labelValues(verb, resource).observe(seconds);
  }

  private static String label(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  public String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  public void write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }
}
