package io.github.redisleaseha.core;

/**
 * The one thing the sidecar does after a tick's observation. Executed by the adapters. Pausing and
 * unpausing the local Redis is not among them: {@link FenceRule} decides that on its own thread.
 */
public sealed interface Action {

  /** Nothing to change. */
  record None() implements Action {}

  /**
   * Give up the Lease now, once the fence owner has confirmed the local Redis takes no more writes.
   *
   * @param stepBack also stay out of the election for a while so that a better candidate wins
   */
  record Release(boolean stepBack) implements Action {}

  /** Pause writes on the previous leader's Redis so its last writes can be caught up with. */
  record PauseOldPrimary(Member peer) implements Action {}

  /** {@code REPLICAOF NO ONE} on the local Redis, then record the promotion in the term. */
  record Promote() implements Action {}

  /** Record the promotion on the Lease annotations. */
  record Annotate() implements Action {}

  /** Record the cluster's members (this pod and the peers it discovers) on the Lease. */
  record RecordMembers(java.util.Set<String> members) implements Action {}

  /** Point the write Service's EndpointSlice or Endpoints at this pod. */
  record Publish() implements Action {}

  /**
   * Make a peer's Redis a replica of this leader.
   *
   * @param demote the peer is a primary: also disconnect its clients (normal and Pub/Sub) and lift any pause
   */
  record Repoint(Member peer, boolean demote) implements Action {}

  /**
   * Disconnect the normal and Pub/Sub clients of a peer's Redis (a former primary, now a replica), so
   * that applications reconnect and find the new primary.
   */
  record DisconnectClients(Member peer) implements Action {}

  /**
   * Make the local Redis a replica of the leader.
   *
   * @param demote the local Redis is a primary: also disconnect its clients (normal and Pub/Sub) and lift the pause
   */
  record Follow(Member leader, boolean demote) implements Action {}

  /** Handover: take {@code target} as the handover's target. */
  record ChooseTarget(Member target) implements Action {}

  /** Handover: mark the Lease for {@code target} ({@code handover-to}, {@code handover-until}). */
  record MarkHandover(Member target) implements Action {}

  /** Handover: have the fence owner pause writes here, and wait for its confirmation. */
  record FenceForHandover() implements Action {}

  /** Handover: {@code FAILOVER TO target FORCE TIMEOUT 1}, once the target has caught up. */
  record SendFailover(Member target) implements Action {}

  /** Handover: point the write endpoint and the Lease's record at the new primary {@code target}. */
  record PublishHandover(Member target) implements Action {}

  /** Handover: free the Lease, still marked for {@code target}; the handover is done. */
  record ReleaseForHandover(Member target) implements Action {}

  /** Handover: give up ({@code FAILOVER ABORT} if under way, clear the mark, lift the fence). */
  record AbortHandover(String why) implements Action {}
}
