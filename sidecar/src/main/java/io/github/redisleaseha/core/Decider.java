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
 *   <li><b>Never promote past better data.</b> A new leader pauses every reachable primary, compares
 *       itself with every reachable node that holds data, and promotes only when none is ahead; it
 *       waits for a paused primary it replicates from up to the catch-up timeout and otherwise steps
 *       back (see {@link #promoteOrWait}).
 *   <li><b>Follow only a published leader that is a member.</b> A follower repoints its Redis only
 *       at a holder that has recorded its promotion on the Lease, so a more advanced replica is never
 *       resynchronised from a less advanced candidate that is about to step back; and only when that
 *       holder is a discovered member with the recorded name and address.
 *   <li><b>A restarted Redis is not trusted.</b> A leader whose Redis run id changed gives the Lease
 *       up; eligibility then keeps it out while a peer has the data.
 *   <li><b>No application is left on a former primary.</b> Once its promotion is recorded on the
 *       Lease (so the write endpoint and the Sentinel-compatible endpoint name it), a leader
 *       disconnects the clients of the previous primary once per term, as Sentinel does when it
 *       reconfigures an old master: a connection kept there only ever answers {@code READONLY}, and
 *       pooling clients (JedisSentinelPool) would keep handing it out. A peer that is still a primary
 *       is demoted instead, which disconnects its clients too. The disconnection comes after the
 *       promotion is published, so a client that reconnects at once is told the new primary.
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
    if (o.handingOver()) {
      return term.promoted()
          ? Handover.next(o)
          : new Decision(new Action.AbortHandover("I have not promoted my Redis yet"),
              "I am " + me + ", new leader, and abort the handover: I have not promoted my Redis yet");
    }
    if (!term.promoted()) {
      return promoteOrWait(o);
    }
    if (!local.primary()) {
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
    String previous = term.previousPrimary();
    if (previous != null && !term.previousPrimaryDisconnected()) {
      Optional<PeerStatus> old = o.peer(previous).filter(PeerStatus::reachable);
      if (old.isPresent() && !old.get().redis().primary()) {
        return new Decision(
            new Action.DisconnectClients(old.get().member()),
            "I am " + me + ", leader; disconnecting the clients of " + previous + ", the previous primary (now "
                + old.get().redis().role() + "), so applications that still hold connections to it reconnect and find me");
      }
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
    java.util.Set<String> members = new java.util.TreeSet<>();
    members.add(me);
    o.peers().forEach(p -> members.add(p.name()));
    if (!members.equals(lease.members())) {
      return new Decision(
          new Action.RecordMembers(members),
          "I am " + me + ", leader; recording the members " + String.join(", ", members) + " on the Lease"
              + (lease.members().isEmpty() ? "" : " (was " + String.join(", ", new java.util.TreeSet<>(lease.members())) + ")"));
    }
    return Decision.none(
        "I am " + me + ", leader at offset " + local.offset() + ", " + inSync(o) + " of "
            + o.peers().size() + " peers replicating");
  }

  /**
   * The takeover rule. A new leader promotes only once no reachable node holds data it lacks:
   *
   * <ol>
   *   <li>every reachable peer whose Redis is a primary is paused first, one per tick, whether or not
   *       the Lease records it (a Lease deleted by hand, a newer primary that never recorded itself):
   *       from then on none of them acknowledges a write;
   *   <li>the reference is the most advanced reachable peer that holds data. An empty node (restarted
   *       without persistence, offset 0) is never the reference, so a recorded leader that came back
   *       empty cannot make a lagging candidate look caught up; nor is a replica of this node's own
   *       primary with its link up, which holds a prefix of this node's history (a running primary
   *       adopted by its sidecar, whose replicas are read after it while writes still flow);
   *   <li>at or past the reference's offset it promotes; behind a paused primary it replicates from,
   *       it waits up to the catch-up timeout and then steps back rather than promote past that data;
   *       behind a node it does not replicate from, it steps back at once so that node can lead.
   * </ol>
   *
   * An operator's forced failover ({@code failover --to}) still pauses the primaries, then promotes
   * without waiting.
   */
  private Decision promoteOrWait(Observation o) {
    String me = o.self().name();
    RedisStatus local = o.local();
    if (local.primary() && o.lease().handoverActive(o.wallMillis()) && me.equals(o.lease().handoverTo())) {
      return new Decision(
          new Action.Promote(),
          "I am " + me + ", new leader by a handover, and my Redis is already a primary; taking it as promoted");
    }
    String recorded = o.lease().leader();
    for (PeerStatus p : o.reachablePeers()) {
      if (p.redis().primary() && !o.term().paused(p.name())) {
        return new Decision(
            new Action.PauseOldPrimary(p.member()),
            "I am " + me + ", new leader; pausing writes on "
                + (p.name().equals(recorded) ? "the previous leader " + p.name() : p.name() + ", a primary the Lease does not record")
                + " so I can catch up with it");
      }
    }
    if (o.lease().forcedTo(me, o.wallMillis())) {
      return new Decision(
          new Action.Promote(),
          "I am " + me + ", new leader by an operator's forced failover, at offset " + local.offset()
              + "; promoting without waiting for better data");
    }
    // A peer whose link to my Redis is up replicates my history, so it holds nothing I lack; its
    // offset, read a moment after mine while writes flow, only looks ahead.
    Optional<PeerStatus> reference = o.reachablePeers().stream()
        .filter(p -> !p.redis().empty())
        .filter(p -> !(local.primary() && p.redis().follows(o.self()) && p.redis().linkUp()))
        .max((a, b) -> Long.compare(a.redis().offset(), b.redis().offset()));
    if (local.primary() && (reference.isEmpty() || reference.get().redis().offset() <= local.offset())) {
      // A primary that is no handover's target (a leftover, or promoted by hand): taken as promoted
      // only once every other primary is paused and no reachable node is ahead of it.
      return new Decision(
          new Action.Promote(),
          "I am " + me + ", new leader, and my Redis is already a primary at offset " + local.offset()
              + ", level with or ahead of every reachable node; taking it as promoted");
    }
    if (reference.isEmpty() || reference.get().redis().offset() <= local.offset()) {
      String previous = recorded == null || recorded.equals(me) ? null : recorded;
      boolean previousReachable = previous != null && o.peer(previous).filter(PeerStatus::reachable).isPresent();
      return new Decision(
          new Action.Promote(),
          reference.isPresent()
              ? "I am " + me + ", new leader, caught up with " + reference.get().name() + " at offset " + local.offset()
                  + " (the most advanced reachable node); promoting"
              : "I am " + me + ", new leader at offset " + local.offset() + "; "
                  + (previous == null ? "no previous leader is recorded"
                      : "previous leader " + previous + (previousReachable ? " holds no data" : " is unreachable"))
                  + " and no reachable peer is ahead; promoting");
    }
    PeerStatus ref = reference.get();
    long lag = ref.redis().offset() - local.offset();
    if (!local.follows(ref.member())) {
      return new Decision(
          new Action.Release(true),
          "I am " + me + ", new leader, but " + ref.name() + " is " + lag + " bytes ahead and I do not replicate from it;"
              + " stepping back so that it can lead");
    }
    long waited = o.nowMillis() - o.term().startedAtMillis();
    if (waited >= policy.catchupTimeoutMillis()) {
      return new Decision(
          new Action.Release(true),
          "I am " + me + ", new leader, still " + lag + " bytes behind " + ref.name() + " after " + waited
              + " ms (catch-up timeout); stepping back rather than promoting past its data");
    }
    return Decision.none(
        "I am " + me + ", new leader, catching up with " + ref.name() + ": " + lag + " bytes behind after " + waited + " ms");
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
    if (leader != null && !isMember(o, leader)) {
      // Invariant "replicate only from a member": a Lease naming anyone else (another cluster on the
      // same Lease name, a hand edit) would make this Redis full-sync a foreign dataset and send it
      // our masterauth.
      return Decision.warn(
          "I am " + me + " and ignore the Lease's leader " + leader.name() + " at " + leader.address()
              + ": it is no discovered member of this cluster");
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

  /** A discovered peer with that name at that address. */
  private static boolean isMember(Observation o, Member m) {
    return o.peer(m.name()).filter(p -> p.member().isAt(m.host(), m.port())).isPresent();
  }

  private static long inSync(Observation o) {
    return o.reachablePeers().stream()
        .filter(p -> p.redis().follows(o.self()) && p.redis().linkUp())
        .count();
  }
}
