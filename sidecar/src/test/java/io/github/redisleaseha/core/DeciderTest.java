package io.github.redisleaseha.core;

import static io.github.redisleaseha.core.Observations.A;
import static io.github.redisleaseha.core.Observations.B;
import static io.github.redisleaseha.core.Observations.C;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The decision core, driven by tables of observations: no Redis, no Kubernetes. */
class DeciderTest {

  record Row(String situation, Consumer<Observations> given, Class<? extends Action> action, String sentence) {
    @Override
    public String toString() {
      return situation;
    }
  }

  static Stream<Row> followerRows() {
    return Stream.of(
        new Row("replica of the published leader does nothing",
            o -> { }, Action.None.class, "I am a, replica of b, lag 0 bytes"),
        new Row("replica of someone else follows the published leader",
            o -> o.local = RedisStatus.replica("run-a", "10.0.0.3", 6379, true, "r1", 1000, 10),
            Action.Follow.class, "following the leader b"),
        new Row("primary without the Lease is demoted to the published leader",
            o -> o.local = RedisStatus.primary("run-a", "r0", 900, 10),
            Action.Follow.class, "a primary without the Lease; demoting to a replica of b"),
        new Row("primary without the Lease and no published leader waits, fenced by the fence owner",
            o -> { o.local = RedisStatus.primary("run-a", "r0", 900, 10); o.lease = LeaseState.UNKNOWN; },
            Action.None.class, "a primary without the Lease, fenced, waiting for a leader"),
        new Row("a holder that has not published its promotion is not followed",
            o -> { o.local = RedisStatus.replica("run-a", "10.0.0.9", 6379, false, "r1", 1000, 10);
                   o.lease = LeaseState.parse("c", 2, LeaseState.promotionAnnotations(B, "r1", 0, 1)); },
            Action.None.class, "no leader is published (Lease held by c)"),
        new Row("primary by handover waits for the Lease instead of demoting itself",
            o -> { o.local = RedisStatus.primary("run-a", "r1", 1000, 10);
                   o.lease = LeaseState.parse("b", 1, java.util.Map.of(
                       LeaseState.LEADER, "b", LeaseState.LEADER_ADDRESS, B.address(),
                       LeaseState.HANDOVER_TO, "a", LeaseState.HANDOVER_UNTIL, Long.toString(o.wall + 5000))); },
            Action.None.class, "a primary by handover"),
        new Row("an expired handover no longer protects a stray primary",
            o -> { o.local = RedisStatus.primary("run-a", "r1", 1000, 10);
                   o.lease = LeaseState.parse("b", 1, java.util.Map.of(
                       LeaseState.LEADER, "b", LeaseState.LEADER_ADDRESS, B.address(),
                       LeaseState.HANDOVER_TO, "a", LeaseState.HANDOVER_UNTIL, Long.toString(o.wall - 1))); },
            Action.Follow.class, "demoting"),
        new Row("leader past its renew deadline (Lease still names me): waits, fenced by the fence owner",
            o -> { o.local = RedisStatus.primary("run-a", "r2", 5000, 10); o.lease = Observations.published(A, "r2", 2); },
            Action.None.class, "a primary without the Lease, fenced, waiting for a leader (Lease held by a)"),
        new Row("a Lease naming a leader that is no member is ignored, with a warning",
            o -> o.lease = Observations.published(new Member("b", "10.9.9.9", 6379), "r1", 1),
            Action.None.class, "ignore the Lease's leader b at 10.9.9.9:6379: it is no discovered member"),
        new Row("local Redis down",
            o -> o.local = RedisStatus.UNREACHABLE, Action.None.class, "my Redis is not answering"));
  }

  static Stream<Row> leaderRows() {
    return Stream.of(
        new Row("previous leader reachable and writable: pause it first",
            Observations::leadingNewTerm, Action.PauseOldPrimary.class, "pausing writes on the previous leader b"),
        new Row("previous leader paused and caught up: promote",
            o -> { o.leadingNewTerm(); o.term = o.term.withPausedOldPrimary("b"); },
            Action.Promote.class, "caught up with b"),
        new Row("previous leader paused, still behind: wait",
            o -> { o.leadingNewTerm(); o.term = o.term.withPausedOldPrimary("b");
                   o.peer(B, RedisStatus.primary("run-b", "r1", 1500, 10)); },
            Action.None.class, "catching up with b: 500 bytes behind"),
        new Row("still behind a paused primary after the catch-up timeout: step back, never promote past its data",
            o -> { o.leadingNewTerm(); o.term = o.term.withPausedOldPrimary("b");
                   o.peer(B, RedisStatus.primary("run-b", "r1", 1500, 10)); o.now += 6000; },
            Action.Release.class, "still 500 bytes behind b after 6000 ms (catch-up timeout); stepping back"),
        new Row("the recorded leader restarted empty and another replica is ahead: step back for it",
            o -> { o.leadingNewTerm(); o.peer(B, RedisStatus.replica("run-b2", B.host(), 6379, false, "x", 0, 0));
                   o.peer(C, RedisStatus.replica("run-c", B.host(), 6379, false, "r1", 1200, 10)); },
            Action.Release.class, "c is 200 bytes ahead and I do not replicate from it; stepping back"),
        new Row("the recorded leader restarted empty, nobody ahead: promote (an empty node is no reference)",
            o -> { o.leadingNewTerm(); o.peer(B, RedisStatus.replica("run-b2", B.host(), 6379, false, "x", 0, 0));
                   o.peer(C, RedisStatus.replica("run-c", B.host(), 6379, false, "r1", 900, 10)); },
            Action.Promote.class, "caught up with c at offset 1000"),
        new Row("two reachable primaries, one paused: pause the other too",
            o -> { o.leadingNewTerm(); o.term = o.term.withPausedOldPrimary("b");
                   o.peer(C, RedisStatus.primary("run-c", "r9", 1300, 10)); },
            Action.PauseOldPrimary.class, "pausing writes on c, a primary the Lease does not record"),
        new Row("two paused primaries, the unrecorded one ahead and not my source: step back",
            o -> { o.leadingNewTerm(); o.term = o.term.withPausedOldPrimary("b").withPausedOldPrimary("c");
                   o.peer(C, RedisStatus.primary("run-c", "r9", 1300, 10)); },
            Action.Release.class, "c is 300 bytes ahead and I do not replicate from it"),
        new Row("previous leader unreachable and nobody ahead: promote",
            o -> { o.leadingNewTerm(); o.peer(B, RedisStatus.UNREACHABLE); },
            Action.Promote.class, "caught up with c at offset 1000 (the most advanced reachable node)"),
        new Row("previous leader unreachable and no other peer: promote",
            o -> { o.leadingNewTerm(); o.peer(B, RedisStatus.UNREACHABLE); o.peer(C, RedisStatus.UNREACHABLE); },
            Action.Promote.class, "previous leader b is unreachable and no reachable peer is ahead"),
        new Row("previous leader unreachable and a peer ahead: step back",
            o -> { o.leadingNewTerm(); o.peer(B, RedisStatus.UNREACHABLE);
                   o.peer(C, RedisStatus.replica("run-c", B.host(), 6379, false, "r1", 1200, 10)); },
            Action.Release.class, "c is 200 bytes ahead"),
        new Row("Lease lost its record (deleted by hand) while another primary is reachable: pause it first",
            o -> { o.leadingNewTerm(); o.lease = LeaseState.parse("a", 0, java.util.Map.of());
                   o.peer(B, RedisStatus.UNREACHABLE); o.peer(C, RedisStatus.primary("run-c", "r1", 1200, 10)); },
            Action.PauseOldPrimary.class, "pausing writes on c, a primary the Lease does not record"),
        new Row("forced failover target with a peer ahead: promote anyway, as the operator chose",
            o -> { o.leadingNewTerm(); o.peer(B, RedisStatus.UNREACHABLE);
                   o.peer(C, RedisStatus.replica("run-c", B.host(), 6379, false, "r1", 1200, 10));
                   o.lease = LeaseState.parse("a", 3, java.util.Map.of(LeaseState.LEADER, "b",
                       LeaseState.LEADER_ADDRESS, B.address(), LeaseState.HANDOVER_TO, "a", LeaseState.FORCED, "true",
                       LeaseState.HANDOVER_UNTIL, Long.toString(o.wall + 10_000))); },
            Action.Promote.class, "forced failover"),
        new Row("already primary (handover target): promoted as is",
            o -> { o.leadingNewTerm(); o.local = RedisStatus.primary("run-a", "r3", 1000, 10);
                   o.lease = LeaseState.parse("a", 2, java.util.Map.of(LeaseState.HANDOVER_TO, "a",
                       LeaseState.HANDOVER_UNTIL, Long.toString(o.wall + 5_000))); },
            Action.Promote.class, "by a handover, and my Redis is already a primary"),
        new Row("already primary by hand, another primary reachable: pause it before anything",
            o -> { o.leadingNewTerm(); o.local = RedisStatus.primary("run-a", "r3", 900, 10); },
            Action.PauseOldPrimary.class, "pausing writes on the previous leader b"),
        new Row("already primary by hand, the paused previous leader ahead: step back",
            o -> { o.leadingNewTerm(); o.local = RedisStatus.primary("run-a", "r3", 900, 10);
                   o.term = o.term.withPausedOldPrimary("b"); },
            Action.Release.class, "b is 100 bytes ahead and I do not replicate from it"),
        new Row("already primary by hand, level with everyone: taken as promoted",
            o -> { o.leadingNewTerm(); o.local = RedisStatus.primary("run-a", "r3", 1000, 10);
                   o.term = o.term.withPausedOldPrimary("b"); },
            Action.Promote.class, "level with or ahead of every reachable node; taking it as promoted"),
        new Row("a running primary adopted: its replicas, read after it, look ahead but hold nothing it lacks",
            o -> { o.leadingNewTerm(); o.lease = LeaseState.parse("a", 0, java.util.Map.of());
                   o.local = RedisStatus.primary("run-a", "r3", 1000, 10);
                   o.peer(B, RedisStatus.replica("run-b", A.host(), A.port(), true, "r3", 1094, 10));
                   o.peer(C, RedisStatus.replica("run-c", A.host(), A.port(), true, "r3", 1000, 10)); },
            Action.Promote.class, "level with or ahead of every reachable node; taking it as promoted"),
        new Row("a replica of mine with its link down may hold another history: it counts",
            o -> { o.leadingNewTerm(); o.lease = LeaseState.parse("a", 0, java.util.Map.of());
                   o.local = RedisStatus.primary("run-a", "r3", 1000, 10);
                   o.peer(B, RedisStatus.replica("run-b", A.host(), A.port(), false, "r1", 1094, 10));
                   o.peer(C, RedisStatus.replica("run-c", A.host(), A.port(), true, "r3", 1000, 10)); },
            Action.Release.class, "b is 94 bytes ahead and I do not replicate from it"),
        new Row("settled leader records a member it discovered since",
            o -> { o.settledLeader(); o.peer(new Member("d", "10.0.0.4", 6379),
                RedisStatus.replica("run-d", A.host(), A.port(), true, "r2", 5000, 10)); },
            Action.RecordMembers.class, "recording the members a, b, c, d on the Lease (was a, b, c)"),
        new Row("settled leader with its members recorded does nothing",
            o -> o.settledLeader(), Action.None.class, "leader at offset 5000, 2 of 2 peers replicating"),
        new Row("Redis refusing connections fewer times than allowed: wait",
            o -> { o.settledLeader(); o.local = RedisStatus.UNREACHABLE; o.failures = 2; },
            Action.None.class, "refused a connection (2 of 3 checks)"),
        new Row("Redis refusing connections the allowed times: release at once",
            o -> { o.settledLeader(); o.local = RedisStatus.UNREACHABLE; o.failures = 3; },
            Action.Release.class, "refused connections in 3 health checks in a row"),
        new Row("Redis process gone (killed by the hard fence): release at once",
            o -> { o.settledLeader(); o.local = RedisStatus.dead("connection reset"); o.gone = true; },
            Action.Release.class, "my Redis process is gone"),
        new Row("Redis timing out (a stall) within the stall timeout: keep the Lease",
            o -> { o.settledLeader(); o.local = RedisStatus.unresponsive("timed out"); o.failures = 0; o.unansweredMillis = 2000; },
            Action.None.class, "does not answer (timed out); keeping the Lease up to the stall timeout"),
        new Row("Redis answering BUSY past the stall timeout, kill available: the fence guard kills it",
            o -> { o.settledLeader(); o.local = RedisStatus.unresponsive("BUSY Redis is busy running a script");
                   o.unansweredMillis = 5000; },
            Action.None.class, "the fence guard kills it, then I release the Lease"),
        new Row("Redis refusing my credentials past the stall timeout, pause only: release",
            o -> { o.settledLeader(); o.local = RedisStatus.refused("WRONGPASS invalid username-password pair");
                   o.unansweredMillis = 6000; o.canKill = false; },
            Action.Release.class, "pause-only fencing, so releasing the Lease"),
        new Row("a stall does not count as refused connections",
            o -> { o.settledLeader(); o.local = RedisStatus.unresponsive("timed out"); o.failures = 0; o.unansweredMillis = 400; },
            Action.None.class, "keeping the Lease"),
        new Row("Redis restarted under a live leader (run id changed): release",
            o -> { o.settledLeader(); o.local = RedisStatus.replica("run-a2", A.host(), A.port(), false, "x", 0, 0); },
            Action.Release.class, "my Redis restarted"),
        new Row("promoted Redis turned replica behind my back: release",
            o -> { o.settledLeader(); o.local = RedisStatus.replica("run-a", B.host(), B.port(), true, "r2", 5000, 10); },
            Action.Release.class, "became a replica"),
        new Row("endpoint elsewhere: publish",
            o -> { o.settledLeader(); o.endpoint = B.address(); }, Action.Publish.class, "(was 10.0.0.2:6379)"),
        new Row("annotations stale: record promotion",
            o -> { o.settledLeader(); o.lease = Observations.published(B, "r1", 1); },
            Action.Annotate.class, "recording my promotion"),
        new Row("replication id changed since recorded: record again",
            o -> { o.settledLeader(); o.lease = Observations.published(A, "r-old", 2); },
            Action.Annotate.class, "recording my promotion"),
        new Row("a peer that is a primary: demote it",
            o -> { o.settledLeader(); o.peer(B, RedisStatus.primary("run-b", "r1", 4000, 10)); },
            Action.Repoint.class, "demoting b (primary)"),
        new Row("a peer following someone else: repoint it",
            o -> { o.settledLeader(); o.peer(C, RedisStatus.replica("run-c", B.host(), 6379, true, "r1", 4000, 10)); },
            Action.Repoint.class, "repointing c (replica)"),
        new Row("the previous primary, now a replica: disconnect its clients once the promotion is recorded",
            o -> { o.settledLeader(); o.term = previousPrimaryB(o.term); },
            Action.DisconnectClients.class, "disconnecting the clients of b, the previous primary (now replica)"),
        new Row("the previous primary's clients already disconnected: nothing to do",
            o -> { o.settledLeader(); o.term = previousPrimaryB(o.term).withClientsDisconnected("b"); },
            Action.None.class, "2 of 2 peers replicating"),
        new Row("the previous primary still a primary: demoting it disconnects its clients",
            o -> { o.settledLeader(); o.term = previousPrimaryB(o.term); o.peer(B, RedisStatus.primary("run-b", "r1", 4000, 10)); },
            Action.Repoint.class, "demoting b (primary)"),
        new Row("the previous primary unreachable: nothing to disconnect yet",
            o -> { o.settledLeader(); o.term = previousPrimaryB(o.term); o.peer(B, RedisStatus.dead("connection refused")); },
            Action.None.class, "1 of 2 peers replicating"),
        new Row("the previous primary's clients wait for the promotion to be recorded",
            o -> { o.settledLeader(); o.term = previousPrimaryB(o.term); o.lease = LeaseState.parse("a", 2, Map.of()); },
            Action.Annotate.class, "recording my promotion"),
        new Row("all settled: nothing to do",
            Observations::settledLeader, Action.None.class, "2 of 2 peers replicating"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"followerRows", "leaderRows"})
  void decides(Row row) {
    assertDecides(row);
  }

  /** The row's observation yields the row's action, with a sentence containing the row's words. */
  static void assertDecides(Row row) {
    Observations o = new Observations();
    row.given().accept(o);
    Decision d = o.decide();
    assertThat(d.action()).as(d.sentence()).isInstanceOf(row.action());
    assertThat(d.sentence()).contains(row.sentence());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("followerRows")
  void followersNeverTouchPeersOrTheEndpoint(Row row) {
    Observations o = new Observations();
    row.given().accept(o);
    Action a = o.decide().action();
    assertThat(a).isNotInstanceOfAny(Action.Promote.class, Action.Publish.class, Action.Repoint.class,
        Action.PauseOldPrimary.class, Action.Annotate.class);
  }

  /** The same term, begun while the Lease recorded b as the leader. */
  static Term previousPrimaryB(Term t) {
    Term begun = Term.begin(t.epoch(), t.startedAtMillis(), t.runIdAtStart(), "a", "b");
    return t.promoted() ? begun.promotedAt(t.promotionOffset()) : begun;
  }

  @org.junit.jupiter.api.Test
  void aTermForgetsThePreviousLeaderWhenItIsThisNode() {
    assertThat(Term.begin(3, 0, "run-a", "a", "a").previousPrimary()).isNull();
    assertThat(Term.begin(3, 0, "run-a", "a", "b").previousPrimary()).isEqualTo("b");
    assertThat(Term.begin(3, 0, "run-a", "a", "b").withClientsDisconnected("c").previousPrimaryDisconnected()).isFalse();
  }

  @org.junit.jupiter.api.Test
  void repointingADemotedPeerTargetsThatPeer() {
    Observations o = new Observations();
    o.settledLeader();
    o.peer(C, RedisStatus.primary("run-c", "r9", 10, 1));
    Action.Repoint r = (Action.Repoint) o.decide().action();
    assertThat(r.peer()).isEqualTo(C);
    assertThat(r.demote()).isTrue();
  }
}
