package io.github.redisleaseha.core;

import java.util.Optional;

/**
 * Whom this sidecar names as the master to a Sentinel client (the Sentinel-compatible endpoint), with
 * the sentence that says why. Pure: the control loop computes it from each observation.
 *
 * <p><b>Invariant: a node is named master only while it holds a fresh Lease with a published
 * promotion.</b> "Published" is the Lease's own record: the holder wrote its name and address as
 * {@code leader} after {@code REPLICAOF NO ONE} ({@link LeaseState#holderPublished()}). "Fresh" is
 * judged by what each sidecar can know:
 *
 * <ul>
 *   <li>the leader itself: {@code holdsFreshLease} and a promoted term, the test every leader write is
 *       gated on, so it stops naming itself at the same instant it starts fencing;
 *   <li>a member: the Lease changed (a renewal, read or heard in a heartbeat) less than the holder's
 *       lease duration ago on this member's monotonic clock, which is exactly the rule that keeps any
 *       other node from acquiring it meanwhile ({@code GatedLeaseLock}); or this member promised the
 *       holder not to take over (failsafe, while nobody reaches the API server), in which case no
 *       other node can have acquired either. A holder that lost freshness on its own clock fences
 *       itself, so a client sent to it in that gap waits on a paused Redis; it is never sent to a
 *       second writable primary.
 * </ul>
 *
 * <p>Every node also requires the holder's Redis to answer it as a primary: a crashed leader is not
 * named while its Lease runs out, so a client that asks in that window is told nobody leads (and
 * retries) instead of being sent to a dead address. While nobody leads the answer is empty, which the
 * endpoint reports the way Sentinel reports a master it cannot serve: no address from
 * {@code get-master-addr-by-name}, and the last master flagged {@code s_down,o_down} elsewhere.
 */
public final class MasterView {

  private MasterView() {}

  /** The master to name, or none, and why in one sentence. */
  public record View(Member master, String sentence) {
    public Optional<Member> named() {
      return Optional.ofNullable(master);
    }
  }

  /**
   * @param me this sidecar's pod name
   * @param lease the Lease as this node last read or heard it
   * @param leadingFresh this node holds a fresh Lease in a promoted term
   * @param holderUnexpired the Lease changed less than its holder's lease duration ago on this node's clock
   * @param promisedToHolder this node has an unexpired failsafe promise to the holder
   * @param holderRedis the holder's Redis as this node last saw it (its own when it holds the Lease), or empty if unknown
   */
  public static View of(String me, LeaseState lease, boolean leadingFresh, boolean holderUnexpired, boolean promisedToHolder,
      Optional<RedisStatus> holderRedis) {
    if (lease.free()) {
      return new View(null, "nobody leads: the Lease is free");
    }
    if (!lease.holderPublished()) {
      return new View(null, "nobody leads yet: " + lease.holder() + " holds the Lease and has not published its promotion");
    }
    Member leader = lease.publishedLeader();
    boolean mine = me.equals(lease.holder());
    if (mine && !leadingFresh) {
      return new View(null, "nobody leads that I can vouch for: I hold the Lease but not a fresh one");
    }
    if (!mine && !holderUnexpired && !promisedToHolder) {
      return new View(null, "nobody leads that I can vouch for: the Lease of " + leader.name()
          + " has not changed for its lease duration on my clock");
    }
    if (holderRedis.isEmpty() || !holderRedis.get().reachable() || !holderRedis.get().primary()) {
      return new View(null, "nobody leads that I can vouch for: the Redis of " + (mine ? "mine" : leader.name())
          + " does not answer me as a primary" + holderRedis.map(r -> " (" + r.role() + ")").orElse(""));
    }
    return mine
        ? new View(leader, "I lead, with a fresh Lease, a published promotion and my Redis a primary")
        : new View(leader, leader.name() + " leads, with a Lease renewed within its duration and a published promotion");
  }
}
