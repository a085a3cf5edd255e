package io.github.redisleaseha.core;

import java.util.List;
import java.util.Optional;

/**
 * Everything one tick knows: the local Redis, the peers' Redis, the Lease, and this sidecar's own
 * state. Built by the adapters, consumed by {@link Decider}; no I/O happens past this point.
 *
 * @param nowMillis monotonic clock (ms), for durations
 * @param wallMillis wall clock (ms), only for handover deadlines written by other nodes
 * @param self this pod
 * @param local the local Redis
 * @param localFailures consecutive health checks in which the local Redis was dead (refused connections)
 * @param localUnansweredMillis how long the local Redis has not answered (dead or unresponsive); 0 if it answers
 * @param localGone the local Redis's verified process is gone (killed or crashed): dead for certain
 * @param canKill the hard fence is available: this sidecar sees and may signal its Redis process
 * @param peers the other pods' Redis (self excluded)
 * @param lease the Lease as last read
 * @param leading this sidecar holds the Lease and renewed it within the renew deadline
 * @param term progress of the current leadership term; null unless {@code leading}
 * @param fenced the fence owner holds writes paused on the local Redis
 * @param endpointTarget the address ({@code host:port}) the write endpoint points at, null if unknown
 * @param steppedBackUntilMillis monotonic time until which this node stays out after stepping back
 * @param fenceConfirmed the fence owner's last pause of the local Redis was acknowledged
 * @param handover the graceful handover of this leader under way, or null
 * @param promise this member's last failsafe promise to a leader, or null
 */
public record Observation(
    long nowMillis,
    long wallMillis,
    Member self,
    RedisStatus local,
    int localFailures,
    long localUnansweredMillis,
    boolean localGone,
    boolean canKill,
    List<PeerStatus> peers,
    LeaseState lease,
    boolean leading,
    Term term,
    boolean fenced,
    boolean fenceConfirmed,
    String endpointTarget,
    long steppedBackUntilMillis,
    Handover handover,
    Failsafe.Promise promise) {

  /** A graceful handover of this node is under way. */
  public boolean handingOver() {
    return handover != null;
  }

  public Optional<PeerStatus> peer(String name) {
    return peers.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  public List<PeerStatus> reachablePeers() {
    return peers.stream().filter(PeerStatus::reachable).toList();
  }

  /** The reachable peer with the highest replication offset, if any is reachable. */
  public Optional<PeerStatus> mostAdvancedPeer() {
    return peers.stream()
        .filter(PeerStatus::reachable)
        .max((a, b) -> Long.compare(a.redis().offset(), b.redis().offset()));
  }
}
