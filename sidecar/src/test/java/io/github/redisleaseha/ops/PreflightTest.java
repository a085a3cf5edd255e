package io.github.redisleaseha.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.node.Sidecar.RoleView;
import io.github.redisleaseha.ops.ClusterView.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreflightTest {

  private static RoleView view(String name, String role, boolean healthy, long offset, long lag, boolean noFailover,
      String notCandidate) {
    return new RoleView(name, "10.0.0." + name.charAt(name.length() - 1) + ":6379", role, healthy, "redis-0", "redis-0",
        offset, lag, false, true, 1, false, false, noFailover, notCandidate == null, notCandidate, 1, "kill", false);
  }

  private static ClusterView cluster(LeaseState lease, Member... members) {
    return new ClusterView(lease, true, null, null, "10.0.0.0:6379", List.of(members));
  }

  private static Member member(RoleView status) {
    return new Member(status.name(), "http://x", status, null);
  }

  private static final Member LEADER = member(view("redis-0", "leader", true, 5000, -1, false, null));
  private static final Member IN_SYNC = member(view("redis-1", "replica", true, 5000, 0, false, null));
  private static final LeaseState HELD = LeaseState.parse("redis-0", 1, Map.of());

  @Test
  void switchoverToAnInSyncReplicaGoesAhead() {
    assertThat(Preflight.switchover(cluster(HELD, LEADER, IN_SYNC), "redis-1", 1000)).isEmpty();
    assertThat(Preflight.switchover(cluster(HELD, LEADER, IN_SYNC), null, 1000)).isEmpty();
  }

  @Test
  void switchoverRefusesEveryUnfitTargetWithTheReason() {
    Member lagging = member(view("redis-2", "replica", true, 1000, 4000, false, null));
    Member down = member(view("redis-3", "replica", false, 0, -1, false, "my Redis is not answering"));
    Member pinned = member(view("redis-4", "replica", true, 5000, 0, true, "I am marked no-failover"));
    Member silent = new Member("redis-5", "http://x", null, "ConnectException");
    ClusterView v = cluster(HELD, LEADER, IN_SYNC, lagging, down, pinned, silent);
    assertThat(Preflight.switchover(v, "redis-2", 1000)).contains("redis-2 is 4000 bytes behind the leader, more than 1000");
    assertThat(Preflight.switchover(v, "redis-3", 1000)).contains("redis-3's Redis is not answering");
    assertThat(Preflight.switchover(v, "redis-4", 1000)).contains("redis-4 is marked no-failover");
    assertThat(Preflight.switchover(v, "redis-5", 1000)).contains("redis-5's sidecar does not answer (ConnectException)");
    assertThat(Preflight.switchover(v, "redis-9", 1000).orElseThrow()).startsWith("redis-9 is not a member of this cluster");
    assertThat(Preflight.switchover(v, "redis-0", 1000)).contains("redis-0 is already the leader");
    assertThat(Preflight.switchover(cluster(LeaseState.parse("redis-0", 1, Map.of(LeaseState.PAUSED, "true")), LEADER, IN_SYNC),
        "redis-1", 1000)).contains("the cluster is paused; resume it first");
    assertThat(Preflight.switchover(cluster(HELD, IN_SYNC), "redis-1", 1000).orElseThrow())
        .startsWith("no member reports being the leader");
  }

  @Test
  void failoverOnlyWhenTheLeaderIsGoneAndSaysWhatItRisks() {
    assertThat(Preflight.failover(cluster(HELD, LEADER, IN_SYNC), "redis-1"))
        .contains("redis-0 is leading and healthy; use switchover, which loses nothing");
    Member behind = member(view("redis-2", "replica", true, 3000, -1, false, "I am 2000 bytes behind redis-1"));
    ClusterView leaderGone = cluster(HELD, new Member("redis-0", "http://x", null, "ConnectException"), IN_SYNC, behind);
    assertThat(Preflight.failover(leaderGone, "redis-2")).isEmpty();
    assertThat(Preflight.failoverRisk(leaderGone, "redis-2"))
        .contains("This forces redis-2 to become the leader", "redis-2 is 2000 bytes behind");
  }

  @Test
  void explainNamesTheWinnerAndWhyOthersWouldNot() {
    List<Member> members = new ArrayList<>(List.of(LEADER, IN_SYNC,
        member(view("redis-2", "replica", true, 4000, 1000, false, null)),
        member(view("redis-3", "replica", true, 5000, 0, true, "I am marked no-failover"))));
    String text = io.github.redisleaseha.cli.ExplainCommand.explain(cluster(HELD, members.toArray(Member[]::new)));
    assertThat(text)
        .contains("redis-1 would win a failover now: the most up-to-date of 2 candidates, at offset 5000.")
        .contains("- redis-0 is the leader.")
        .contains("- redis-2 is a candidate too, 1000 bytes behind")
        .contains("- redis-3 would not: I am marked no-failover.");
  }
}
