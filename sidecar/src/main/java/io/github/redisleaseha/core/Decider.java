package io.github.redisleaseha.core;

import java.util.Optional;

/**
 * The decision core: one observation in, exactly one action and its sentence out. Pure Java, no I/O,
 * so every branch is driven by table tests. The adapters execute the action and observe again.
 *
 * <h2>Invariants enforced here</h2>
 *
 * <ol>
 *   <li><b>Only a Lease holder writes.</b> Every leader action is decided only while
 *       {@link Observation#leading()} is true, which the Lease lock grants only within the renew
 *       deadline of the last successful renewal. Without it, a local primary is fenced (writes
 *       paused) or demoted to a replica of the published leader.
 *   <li><b>Catch up before promoting.</b> A new leader whose previous leader's Redis is reachable
 *       first pauses that Redis's writes, then waits until its own offset reaches the previous
 *       leader's, bounded by the catch-up timeout. If the previous leader is unreachable it promotes
 *       only when no reachable peer is further ahead, else it steps back.
 *   <li><b>Follow only a published leader.</b> A follower repoints its Redis only at a holder that
 *       has recorded its promotion on the Lease, so a more advanced replica is never resynchronised
 *       from a less advanced candidate that is about to step back.
 *   <li><b>A restarted Redis is not trusted.</b> A leader whose Redis run id changed gives the Lease
 *       up; eligibility then keeps it out while a peer has the data.
 * </ol>
 */
public final class Decider {

  private final Policy policy;

  public Decider(Policy policy) {
    this.policy = policy;
  }

  public Decision decide(Observation o) {
    return o.leading() ? lead(o) : follow(o);
  }

  private Decision lead(Observation o) {
    RedisStatus local = o.local();
    String me = o.self().name();
    Term term = o.term();
    if (o.localGone()) {
      return new Decision(
          new Action.Release(false),
          "I am " + me + ", leader, and my Redis process is gone; releasing the Lease so a replica takes over");
    }
    if (local.health() == RedisStatus.Health.DEAD) {
      if (o.localFailures() >= policy.healthFailures()) {
        return new Decision(
            new Action.Release(false),
            "I am " + me + ", leader, and my Redis refused connections in " + o.localFailures()
                + " health checks in a row; releasing the Lease so a replica takes over");
      }
      return Decision.none(
          "I am " + me + ", leader, and my Redis refused a connection (" + o.localFailures() + " of "
              + policy.healthFailures() + " checks)");
    }
    if (!local.reachable()) {
      // Unresponsive is not dead: a stalled Redis runs the writes already queued on its connections
      // when it resumes, so the Lease stays here (nobody else may promote) until Redis answers again,
      // or is killed (hard fence), or, with pause-only fencing, the stall timeout passes.
      long silent = o.localUnansweredMillis();
      if (silent < policy.stallTimeoutMillis()) {
        return Decision.none(
            "I am " + me + ", leader, and my Redis does not answer (" + local.problem()
                + "); keeping the Lease up to the stall timeout of " + policy.stallTimeoutMillis() + " ms");
      }
      if (o.canKill()) {
        return Decision.none(
            "I am " + me + ", leader, and my Redis has not answered within the stall timeout (" + local.problem()
                + "); the fence guard kills it, then I release the Lease");
      }
      return new Decision(
          new Action.Release(false),
          "I am " + me + ", leader, and my Redis has not answered for " + silent + " ms (" + local.problem()
              + "), past the stall timeout; pause-only fencing, so releasing the Lease with the pause queued on its"
              + " connection");
    }
    if (term.runIdAtStart() != null && !term.runIdAtStart().equals(local.runId())) {
      return new Decision(
          new Action.Release(false),
          "I am " + me + ", leader, and my Redis restarted (run id changed); releasing the Lease to an"
              + " in-sync replica");
    }
    if (!term.promoted()) {
      return promoteOrWait(o);
    }
    if (!local.primary() && !o.handingOver()) {
      return new Decision(
          new Action.Release(false),
          "I am " + me + ", leader, but my Redis became a replica of " + local.masterHost() + ":"
              + local.masterPort() + "; releasing the Lease");
    }
    if (!o.self().address().equals(o.endpointTarget())) {
      return new Decision(
          new Action.Publish(),
          "I am " + me + ", leader; pointing the write endpoint at " + o.self().address()
              + (o.endpointTarget() == null ? "" : " (was " + o.endpointTarget() + ")"));
    }
    LeaseState lease = o.lease();
    // Redis changes its replication id when the first replica attaches to a primary without a
    // backlog, so the id is recorded again whenever it differs from the Lease's.
    if (!me.equals(lease.leader())
        || lease.epoch() != term.epoch()
        || !o.self().isAt(lease.leaderHost(), lease.leaderPort())
        || !java.util.Objects.equals(lease.replId(), local.replId())) {
      return new Decision(
          new Action.Annotate(),
          "I am " + me + ", leader of epoch " + term.epoch() + "; recording my promotion on the Lease");
    }
    for (PeerStatus peer : o.reachablePeers()) {
      if (!peer.redis().follows(o.self())) {
        boolean demote = peer.redis().primary();
        return new Decision(
            new Action.Repoint(peer.member(), demote),
            "I am " + me + ", leader; " + (demote ? "demoting " : "repointing ") + peer.name() + " ("
                + peer.redis().role() + ") to replicate from me");
      }
    }
    return Decision.none(
        "I am " + me + ", leader at offset " + local.offset() + ", " + inSync(o) + " of "
            + o.peers().size() + " peers replicating");
  }

  private Decision promoteOrWait(Observation o) {
    String me = o.self().name();
    RedisStatus local = o.local();
    if (local.primary()) {
      return new Decision(
          new Action.Promote(),
          "I am " + me + ", new leader, and my Redis is already a primary; taking it as promoted");
    }
    String recorded = o.lease().leader();
    Optional<PeerStatus> old =
        recorded == null || recorded.equals(me) ? Optional.empty() : o.peer(recorded).filter(PeerStatus::reachable);
    if (old.isEmpty()) {
      // Invariant "never two writable primaries": a reachable peer that is still a primary may still
      // take writes even though the Lease does not name it (the Lease was deleted or edited by hand,
      // or its record lost); it is treated as the previous leader: paused, then caught up with.
      old = o.reachablePeers().stream().filter(p -> p.redis().primary()).findFirst();
    }
    String previous = old.map(PeerStatus::name).orElse(recorded);
    if (old.isPresent() && old.get().reachable()) {
      RedisStatus prev = old.get().redis();
      boolean pausedByMe = previous.equals(o.term().pausedOldPrimary());
      if (prev.primary() && !pausedByMe) {
        return new Decision(
            new Action.PauseOldPrimary(old.get().member()),
            "I am " + me + ", new leader; pausing writes on the previous leader " + previous
                + " so I can catch up with it");
      }
      long lag = prev.offset() - local.offset();
      if (lag <= 0) {
        return new Decision(
            new Action.Promote(),
            "I am " + me + ", new leader, caught up with " + previous + " at offset "
                + local.offset() + "; promoting");
      }
      long waited = o.nowMillis() - o.term().startedAtMillis();
      if (waited >= policy.catchupTimeoutMillis()) {
        return new Decision(
            new Action.Promote(),
            "I am " + me + ", new leader, still " + lag + " bytes behind " + previous + " after "
                + waited + " ms (catch-up timeout); promoting anyway");
      }
      return Decision.none(
          "I am " + me + ", new leader, catching up with " + previous + ": " + lag
              + " bytes behind after " + waited + " ms");
    }
    Optional<PeerStatus> best = o.mostAdvancedPeer();
    if (o.lease().forcedTo(me, o.wallMillis())) {
      return new Decision(
          new Action.Promote(),
          "I am " + me + ", new leader by an operator's forced failover, at offset " + local.offset()
              + "; promoting without waiting for better data");
    }
    if (best.isPresent() && best.get().redis().offset() > local.offset()) {
      return new Decision(
          new Action.Release(true),
          "I am " + me + ", new leader, but " + best.get().name() + " is "
              + (best.get().redis().offset() - local.offset())
              + " bytes ahead and the previous leader is unreachable; stepping back");
    }
    return new Decision(
        new Action.Promote(),
        "I am " + me + ", new leader at offset " + local.offset() + "; "
            + (previous == null || previous.equals(me)
                ? "no previous leader is recorded"
                : "previous leader " + previous + " is unreachable")
            + " and no reachable peer is ahead; promoting");
  }

  private Decision follow(Observation o) {
    String me = o.self().name();
    RedisStatus local = o.local();
    LeaseState lease = o.lease();
    if (!local.reachable()) {
      return Decision.none("I am " + me + " and my Redis is not answering");
    }
    Member leader = lease.publishedLeader();
    if (leader != null && leader.name().equals(me)) {
      // The Lease still names me as published leader but I no longer hold it (expired or lost).
      leader = null;
    }
    if (local.primary()) {
      // The fence owner holds writes paused on a primary without the Lease (FenceRule); this only
      // decides where it goes next.
      if (o.self().name().equals(lease.handoverTo()) && lease.handoverActive(o.wallMillis())) {
        return Decision.none(
            "I am " + me + ", a primary by handover, waiting to take the Lease");
      }
      if (leader != null) {
        return new Decision(
            new Action.Follow(leader, true),
            "I am " + me + ", a primary without the Lease; demoting to a replica of " + leader.name());
      }
      return Decision.none(
          "I am " + me + ", a primary without the Lease, fenced, waiting for a leader"
              + (lease.holder() == null ? "" : " (Lease held by " + lease.holder() + ")"));
    }
    if (leader != null && !local.follows(leader)) {
      return new Decision(
          new Action.Follow(leader, false),
          "I am " + me + ", replica of " + local.masterHost() + ":" + local.masterPort()
              + "; following the leader " + leader.name() + " at " + leader.address());
    }
    if (leader == null) {
      return Decision.none(
          "I am " + me + ", replica, and no leader is published"
              + (lease.holder() == null ? "" : " (Lease held by " + lease.holder() + ")"));
    }
    Optional<PeerStatus> leaderPeer = o.peer(leader.name());
    String lag =
        leaderPeer.filter(PeerStatus::reachable)
            .map(p -> ", lag " + Math.max(0, p.redis().offset() - local.offset()) + " bytes")
            .orElse("");
    return Decision.none(
        "I am " + me + ", replica of " + leader.name() + (local.linkUp() ? "" : ", link down") + lag);
  }

  private static long inSync(Observation o) {
    return o.reachablePeers().stream()
        .filter(p -> p.redis().follows(o.self()) && p.redis().linkUp())
        .count();
  }
}
