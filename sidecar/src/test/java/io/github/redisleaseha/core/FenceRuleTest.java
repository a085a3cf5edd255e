package io.github.redisleaseha.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.FenceRule.Role;
import io.github.redisleaseha.core.FenceRule.Verdict;
import io.github.redisleaseha.core.RedisStatus.Health;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The fence rule, driven by a table of inputs: when the local Redis is paused, lifted or killed. */
class FenceRuleTest {

  /** A settled leader: primary, answering, fresh Lease, promoted; kill available; 5 s stall timeout. */
  static final FenceRule.Input LEADER =
      new FenceRule.Input(Role.PRIMARY, Health.OK, false, 0, true, true, false, false, false, false, true, 5_000);

  record Row(String situation, UnaryOperator<FenceRule.Input> given, Class<? extends Verdict> verdict, String sentence) {
    @Override
    public String toString() {
      return situation;
    }
  }

  static FenceRule.Input with(FenceRule.Input i, Role role, Health health, long unanswered, boolean fresh, boolean promoted) {
    return new FenceRule.Input(role, health, i.gone(), unanswered, fresh, promoted, i.handoverFence(), i.handoverTarget(),
        i.releasing(), i.confirmed(), i.canKill(), i.stallTimeoutMillis());
  }

  static FenceRule.Input flags(FenceRule.Input i, boolean handoverFence, boolean handoverTarget, boolean releasing,
      boolean confirmed, boolean canKill) {
    return new FenceRule.Input(i.role(), i.health(), i.gone(), i.unansweredMillis(), i.leaseFresh(), i.promoted(),
        handoverFence, handoverTarget, releasing, confirmed, canKill, i.stallTimeoutMillis());
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("leader with a fresh Lease and an answering Redis: lift (own fence and stray pauses)",
            i -> i, Verdict.Lift.class, "I lead with a fresh Lease and a promoted Redis"),
        new Row("leader past the renew deadline: fence",
            i -> with(i, Role.PRIMARY, Health.OK, 0, false, true), Verdict.Fence.class,
            "I could not renew the Lease within the renew deadline"),
        new Row("primary without any term (Lease elsewhere): fence",
            i -> with(i, Role.PRIMARY, Health.OK, 0, false, false), Verdict.Fence.class,
            "I do not hold the Lease; my Redis, a primary, must not take writes"),
        new Row("leader handing over: fence although the Lease is fresh",
            i -> flags(i, true, false, false, false, true), Verdict.Fence.class, "I am handing over"),
        new Row("leader giving the Lease up: fence",
            i -> flags(i, false, false, true, false, true), Verdict.Fence.class, "I am giving the Lease up"),
        new Row("new leader not yet promoted, Redis already a primary: leave it",
            i -> with(i, Role.PRIMARY, Health.OK, 0, true, false), Verdict.Leave.class, "have not promoted yet"),
        new Row("primary by a handover to me, awaiting the Lease: leave it writable",
            i -> flags(with(i, Role.PRIMARY, Health.OK, 0, false, false), false, true, false, false, true),
            Verdict.Leave.class, "a primary by a handover to me"),
        new Row("replica: lift (a paused replica stops applying the stream)",
            i -> with(i, Role.REPLICA, Health.OK, 0, false, false), Verdict.Lift.class, "my Redis is a replica"),
        new Row("replica that does not answer: leave",
            i -> with(i, Role.REPLICA, Health.UNRESPONSIVE, 300, false, false), Verdict.Leave.class, "does not answer"),
        new Row("role never seen: leave (Redis starts read-only)",
            i -> with(i, Role.UNKNOWN, Health.OK, 0, false, false), Verdict.Leave.class, "not known yet"),
        new Row("dead Redis: nothing to fence",
            i -> with(i, Role.PRIMARY, Health.DEAD, 300, false, true), Verdict.Leave.class, "it refuses connections"),
        new Row("leader whose Redis stalls within the stall timeout: leave (keep leading)",
            i -> with(i, Role.PRIMARY, Health.UNRESPONSIVE, 2_000, true, true), Verdict.Leave.class,
            "I lead and my Redis has not answered for 2000 ms"),
        new Row("leader whose Redis stalls past the stall timeout, kill available: kill",
            i -> with(i, Role.PRIMARY, Health.UNRESPONSIVE, 5_000, true, true), Verdict.Kill.class,
            "past the stall timeout of 5000 ms"),
        new Row("leader whose Redis stalls past the stall timeout, pause only: leave (the control loop releases)",
            i -> flags(with(i, Role.PRIMARY, Health.UNRESPONSIVE, 9_000, true, true), false, false, false, false, false),
            Verdict.Leave.class, "I lead and my Redis has not answered"),
        new Row("no fresh Lease and the Redis does not answer an unconfirmed fence: kill at once",
            i -> with(i, Role.PRIMARY, Health.UNRESPONSIVE, 100, false, true), Verdict.Kill.class,
            "does not confirm the fence (unresponsive); killing it before anyone else can lead"),
        new Row("no fresh Lease, unresponsive but the fence was confirmed before: keep asserting",
            i -> flags(with(i, Role.PRIMARY, Health.UNRESPONSIVE, 100, false, true), false, false, false, true, true),
            Verdict.Fence.class, "must not take writes"),
        new Row("no fresh Lease, unresponsive, pause only: keep asserting (queued on the kept connection)",
            i -> flags(with(i, Role.PRIMARY, Health.UNRESPONSIVE, 100, false, true), false, false, false, false, false),
            Verdict.Fence.class, "must not take writes"),
        new Row("handing over while the Redis stalls: fence, no kill while the Lease is fresh",
            i -> flags(with(i, Role.PRIMARY, Health.UNRESPONSIVE, 100, true, true), true, false, false, false, true),
            Verdict.Fence.class, "I am handing over"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) {
    Verdict v = FenceRule.decide(row.given().apply(LEADER));
    assertThat(v).as(v.sentence()).isInstanceOf(row.verdict());
    assertThat(v.sentence()).contains(row.sentence());
  }

  /** Whatever else holds, a primary without a fresh Lease is never lifted. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void aPrimaryWithoutAFreshLeaseIsNeverLifted(Row row) {
    FenceRule.Input in = row.given().apply(LEADER);
    if (in.role() == Role.PRIMARY && !in.leaseFresh()) {
      assertThat(FenceRule.decide(in)).isNotInstanceOf(Verdict.Lift.class);
    }
  }

  @Test
  void releaseWaitsForAConfirmedFence() {
    FenceRule.Input fencedUnconfirmed = flags(with(LEADER, Role.PRIMARY, Health.OK, 0, false, true), false, false, true, false, true);
    assertThat(FenceRule.mayRelease(fencedUnconfirmed, false)).contains("not confirmed paused");
    FenceRule.Input confirmed = flags(fencedUnconfirmed, false, false, true, true, true);
    assertThat(FenceRule.mayRelease(confirmed, false)).isNull();
    assertThat(FenceRule.mayRelease(with(LEADER, Role.PRIMARY, Health.DEAD, 300, false, true), false)).isNull();
    assertThat(FenceRule.mayRelease(with(LEADER, Role.REPLICA, Health.OK, 0, false, true), false)).isNull();
    // Unresponsive: only a kill (process gone) confirms, unless pause-only past the stall timeout.
    FenceRule.Input stalled = with(LEADER, Role.PRIMARY, Health.UNRESPONSIVE, 6_000, true, true);
    assertThat(FenceRule.mayRelease(stalled, false)).contains("unresponsive for 6000 ms");
    assertThat(FenceRule.mayRelease(stalled, true)).isNull();
    assertThat(FenceRule.mayRelease(flags(stalled, false, false, true, false, false), false)).isNull();
    assertThat(FenceRule.mayRelease(flags(with(stalled, Role.PRIMARY, Health.UNRESPONSIVE, 1_000, true, true),
        false, false, true, false, false), false)).contains("not confirmed paused");
  }
}
