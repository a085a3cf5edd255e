package io.github.redisleaseha.core;

import java.util.List;
import java.util.Optional;

/**
 * When a coordinated switchover must be refused, in one place: the {@code switchover} command checks
 * it before it asks the leader (from the members' {@code /role}), and the leader checks it again
 * before it starts (from its own observation). A refusal changes nothing.
 */
public final class SwitchoverRule {

  private SwitchoverRule() {}

  /**
   * What is known of the requested target.
   *
   * @param sidecarError why its sidecar could not be asked, or null (the leader asks Redis directly)
   * @param redisUp its Redis answers
   * @param noFailover it is marked no-failover (unknown to the leader: false)
   * @param replica its Redis is a replica
   * @param lagBytes how far it is behind the leader, or -1 if it does not replicate from the leader
   */
  public record Target(String sidecarError, boolean redisUp, boolean noFailover, boolean replica, long lagBytes) {}

  /**
   * The reason to refuse a switchover to {@code target} (null: the most up-to-date in-sync replica),
   * or empty.
   *
   * @param leader the member that leads, or null if none does
   * @param members the names of all members
   * @param anyInSync some replica streams from the leader (for a switchover without a target)
   * @param candidate what is known of {@code target}, or null if it is no member
   */
  public static Optional<String> refusal(boolean paused, String leader, List<String> members, String target,
      boolean anyInSync, Target candidate, long maxLagBytes) {
    if (paused) {
      return Optional.of("the cluster is paused; resume it first");
    }
    if (leader == null) {
      return Optional.of("no member reports being the leader; if the leader is gone, use failover --to");
    }
    if (target == null) {
      return anyInSync ? Optional.empty() : Optional.of("no replica is in sync");
    }
    if (target.equals(leader)) {
      return Optional.of(target + " is already the leader");
    }
    if (candidate == null) {
      return Optional.of(target + " is not a member of this cluster (members: " + String.join(", ", members) + ")");
    }
    if (candidate.sidecarError() != null) {
      return Optional.of(target + "'s sidecar does not answer (" + candidate.sidecarError() + ")");
    }
    if (!candidate.redisUp()) {
      return Optional.of(target + "'s Redis is not answering");
    }
    if (candidate.noFailover()) {
      return Optional.of(target + " is marked no-failover");
    }
    if (!candidate.replica()) {
      return Optional.of(target + " is not a replica");
    }
    if (candidate.lagBytes() < 0) {
      return Optional.of(target + " is not replicating from the leader");
    }
    if (candidate.lagBytes() > maxLagBytes) {
      return Optional.of(target + " is " + candidate.lagBytes() + " bytes behind the leader, more than " + maxLagBytes);
    }
    return Optional.empty();
  }
}
