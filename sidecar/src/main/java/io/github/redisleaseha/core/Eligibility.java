package io.github.redisleaseha.core;

import java.util.Optional;

/**
 * Whether this node may contend for the Lease, and if not, why (a sentence, Patroni's
 * {@code failover_limitation}). The Lease lock consults this before every attempt to acquire, so an
 * ineligible node keeps following and never becomes leader.
 *
 * <p>Invariant "never an empty primary": a node with an empty dataset, or whose replication history
 * is not the one the Lease recorded at the last promotion, is not eligible while any reachable peer
 * holds better data. When no reachable peer has better data the node stays eligible, because refusing
 * would leave the cluster without any primary at all. The one exception is an operator's forced
 * failover ({@code failover --to}), whose target skips the data checks: the operator was warned.
 *
 * <p>Invariant "adopt, don't promote": while the Lease has never recorded a leader, a node whose
 * Redis replicates (link up) from a reachable primary that holds data is not eligible, so sidecars
 * added beside a running primary and its replicas (a migration from Sentinel) let that primary's
 * own sidecar take the Lease, and nothing else is promoted while it is reachable.
 */
public final class Eligibility {

  private Eligibility() {}

  public static Optional<String> limitation(Observation o, Policy policy) {
    RedisStatus local = o.local();
    if (!local.reachable()) {
      return Optional.of(local.refusal() == null
          ? "my Redis is not answering"
          : "my Redis refuses my credentials or commands: " + local.refusal()
              + " (check --redis-password-file, --redis-user-file and the user's ACL)");
    }
    if (policy.noFailover()) {
      return Optional.of("I am marked no-failover");
    }
    if (o.handingOver()) {
      return Optional.of("I am handing over and shutting down");
    }
    LeaseState lease = o.lease();
    boolean handoverToMe = lease.handoverActive(o.wallMillis()) && o.self().name().equals(lease.handoverTo());
    // Stepping back makes room for a better candidate; a leader that hands over to this node has
    // just checked that it caught up, so the step-back does not hold against it (a node that handed
    // over a moment ago may be handed the Lease straight back, as in a rollout).
    if (o.nowMillis() < o.steppedBackUntilMillis() && !handoverToMe) {
      return Optional.of("I stepped back a moment ago (after handing over, or for a more up-to-date peer)");
    }
    if (o.promise() != null && o.promise().binds(o.nowMillis())) {
      return Optional.of("I promised " + o.promise().leader() + " not to take over while it cannot renew its Lease"
          + " (failsafe), until a lease duration after its last heartbeat");
    }
    if (!lease.members().isEmpty() && !lease.members().contains(o.self().name())) {
      return Optional.of("I am not among the members recorded on the Lease (" + String.join(", ", new java.util.TreeSet<>(lease.members()))
          + "); the leader records me once it sees my pod");
    }
    if (lease.handoverActive(o.wallMillis()) && !handoverToMe) {
      return Optional.of("a handover to " + lease.handoverTo() + " is in progress");
    }
    // Maintenance mode: no automatic failover. A handover that names this node was asked for by the
    // leader or an operator, so it may still complete.
    if (lease.paused() && !handoverToMe && !o.self().name().equals(lease.holder())) {
      return Optional.of("the cluster is paused (no automatic failover until resume)");
    }
    // An operator forced a failover to this node, accepting the loss of what it lacks.
    if (lease.forcedTo(o.self().name(), o.wallMillis())) {
      return Optional.empty();
    }
    // Adoption: a Lease that has never recorded a leader, beside Redis servers that already
    // replicate (sidecars added to a running deployment, or taking over from Sentinel). The primary
    // they replicate from is kept: only its own sidecar contends, and it takes the Lease without
    // promoting anything. Should that primary become unreachable, this rule no longer holds and the
    // takeover rule picks the most advanced replica as usual.
    if (lease.leader() == null && local.linkUp() && !handoverToMe) {
      for (PeerStatus peer : o.reachablePeers()) {
        if (peer.redis().primary() && !peer.redis().empty() && local.follows(peer.member())) {
          return Optional.of("the Lease records no leader yet and my Redis replicates from " + peer.name()
              + ", a running primary; its sidecar adopts it without a failover");
        }
      }
    }
    for (PeerStatus peer : o.reachablePeers()) {
      RedisStatus p = peer.redis();
      if (local.empty() && !p.empty()) {
        return Optional.of("my dataset is empty while " + peer.name() + " holds data");
      }
      if (lease.replId() != null && !local.hasHistory(lease.replId()) && p.hasHistory(lease.replId())) {
        return Optional.of(
            "my replication history is not the leader's (" + shortId(lease.replId()) + ") but "
                + peer.name() + " has it");
      }
    }
    Optional<PeerStatus> best = o.mostAdvancedPeer();
    if (best.isPresent()) {
      long lag = best.get().redis().offset() - local.offset();
      if (lag > policy.maxLagBytes()) {
        return Optional.of(
            "I am " + lag + " bytes behind " + best.get().name() + ", more than max-lag-bytes "
                + policy.maxLagBytes());
      }
    }
    return Optional.empty();
  }

  static String shortId(String replId) {
    return replId.length() > 8 ? replId.substring(0, 8) : replId;
  }
}
