package io.github.redisleaseha.ops;

import io.github.redisleaseha.core.SwitchoverRule;
import io.github.redisleaseha.ops.ClusterView.Member;
import java.util.Optional;

/**
 * The checks the operations commands make before they change anything, as plain functions of a
 * {@link ClusterView}: each returns the reason to refuse, or empty to go ahead.
 */
public final class Preflight {

  private Preflight() {}

  /** A coordinated switchover to {@code target} (null: the most up-to-date replica): {@link SwitchoverRule}. */
  public static Optional<String> switchover(ClusterView view, String target, long maxLagBytes) {
    Optional<Member> leader = view.leader();
    SwitchoverRule.Target candidate = view.member(target == null ? "" : target).map(m -> {
      if (!m.reachable()) {
        return new SwitchoverRule.Target(m.error(), false, false, false, -1);
      }
      var s = m.status();
      return new SwitchoverRule.Target(null, s.healthy(), s.noFailover(), s.role().equals("replica"), s.lagBytes());
    }).orElse(null);
    // Without a target the leader picks an in-sync replica itself, and refuses if there is none.
    return SwitchoverRule.refusal(view.lease().paused(), leader.map(Member::name).orElse(null),
        view.members().stream().map(Member::name).toList(), target, true, candidate, maxLagBytes);
  }

  /** A forced failover to {@code target}, for when the leader is gone. */
  public static Optional<String> failover(ClusterView view, String target) {
    if (view.lease().paused()) {
      return Optional.of("the cluster is paused; resume it first");
    }
    Optional<Member> leader = view.leader();
    if (leader.isPresent() && leader.get().status().healthy()) {
      return Optional.of(leader.get().name() + " is leading and healthy; use switchover, which loses nothing");
    }
    Optional<Member> m = view.member(target);
    if (m.isEmpty()) {
      return Optional.of(target + " is not a member of this cluster");
    }
    if (!m.get().reachable()) {
      return Optional.of(target + "'s sidecar does not answer (" + m.get().error() + ")");
    }
    if (!m.get().status().healthy()) {
      return Optional.of(target + "'s Redis is not answering");
    }
    if (m.get().status().noFailover()) {
      return Optional.of(target + " is marked no-failover");
    }
    return Optional.empty();
  }

  /** What a forced failover to {@code target} may lose, in one sentence. */
  public static String failoverRisk(ClusterView view, String target) {
    long behind = view.highestOffset() - view.member(target).map(m -> m.status().offset()).orElse(0L);
    String old = view.lease().leader() == null ? "the previous leader" : view.lease().leader();
    return "This forces " + target + " to become the leader. Writes that " + old + " acknowledged but "
        + target + " has not received are lost" + (behind > 0
            ? ": " + target + " is " + behind + " bytes behind the most up-to-date member it can see"
            : " (" + target + " is level with every member it can see, but an unreachable leader may hold more)")
        + ". If " + old + " comes back, it is demoted and resynchronised from " + target + ".";
  }
}
