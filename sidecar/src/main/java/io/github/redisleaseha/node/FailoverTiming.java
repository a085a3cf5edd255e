package io.github.redisleaseha.node;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.core.Observation;
import io.github.redisleaseha.core.PeerStatus;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The phases of a failover this node leads, for the metrics and one log line: detect (a healthy
 * leader last seen until it went missing), lease (missing until this node acquired), catchup,
 * promote and endpoint. Fed by the control loop only; it decides nothing.
 */
final class FailoverTiming {

  private static final Logger log = LoggerFactory.getLogger(FailoverTiming.class);

  private final String me;
  private final SidecarMetrics metrics;
  private long lastHealthyLeaderAt;
  private long leaderMissingSince;
  private long promotedAt;
  private String reason;
  private Map<String, Long> phases;

  FailoverTiming(String me, SidecarMetrics metrics) {
    this.me = me;
    this.metrics = metrics;
  }

  /** A follower's tick: remembers when a healthy leader was last seen and since when none is. */
  void followed(Observation o) {
    LeaseState lease = o.lease();
    boolean healthy = lease.holderPublished()
        && o.peer(lease.leader()).filter(PeerStatus::reachable).map(p -> p.redis().primary()).orElse(false);
    if (healthy) {
      lastHealthyLeaderAt = o.nowMillis();
      leaderMissingSince = 0;
    } else if (leaderMissingSince == 0) {
      leaderMissingSince = o.nowMillis();
    }
  }

  /** This node acquired the Lease at {@code now}. */
  void acquired(LeaseState lease, long now, long wallMillis) {
    reason = lease.forcedTo(me, wallMillis) ? "forced"
        : me.equals(lease.handoverTo()) ? "handover"
        : lease.leader() == null || lease.leader().equals(me) ? "initial"
        : "leader_lost";
    phases = new HashMap<>();
    long missing = leaderMissingSince;
    phases.put("detect", missing > 0 && lastHealthyLeaderAt > 0 ? missing - lastHealthyLeaderAt : 0);
    phases.put("lease", missing > 0 ? now - missing : 0);
  }

  /** The promotion took from {@code start} to {@code end}, in a term begun at {@code termStart}. */
  void promoted(long termStart, long start, long end) {
    promotedAt = end;
    if (phases != null) {
      phases.put("catchup", start - termStart);
      phases.put("promote", end - start);
    }
  }

  /** Once promoted with the write endpoint on this node, the failover is complete: record it. */
  void endpointOnMe(long now) {
    if (phases != null && promotedAt > 0) {
      phases.put("endpoint", now - promotedAt);
      metrics.failover(reason, phases);
      log.info("I am {}; failover ({}) complete, phases in ms: {}", me, reason, phases);
      phases = null;
    }
  }
}
