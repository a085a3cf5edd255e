package io.github.redisleaseha.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.node.Sidecar.RoleView;
import io.github.redisleaseha.ops.ForcedFailover.Observation;
import io.github.redisleaseha.ops.ForcedFailover.Reason;
import io.github.redisleaseha.ops.ForcedFailover.Verdict;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ForcedFailoverTest {

  private static final long S = TimeUnit.SECONDS.toNanos(1);

  private static RoleView role(String role, boolean fenced) {
    return new RoleView("redis-0", "10.0.0.0:6379", role, true, "redis-0", "redis-0", 5000, -1, fenced, false, 1,
        false, false, false, false, "not a candidate", 1, "kill", fenced);
  }

  private static Verdict decide(String holder, int seconds, long unchangedNanos, RoleView report, String error) {
    return ForcedFailover.decide(new Observation(holder, seconds, unchangedNanos, report, error), "redis-1");
  }

  private static Verdict unreachable(long unchangedNanos) {
    return decide("redis-0", 4, unchangedNanos, null, "ConnectException");
  }

  @Test
  void aLeaderThatCannotBeAskedIsWaitedOutForItsWholeLeaseDuration() {
    assertThat(unreachable(0)).isEqualTo(new Verdict.Wait("waiting for redis-0 to fence: its sidecar could not be"
        + " asked (ConnectException), so for its Lease to go unrenewed for 4 s (0.0 s so far)"));
    assertThat(unreachable(4 * S - 1)).isInstanceOf(Verdict.Wait.class);
    assertThat(unreachable(4 * S)).isEqualTo(new Verdict.Free(
        "the leader's Lease went unrenewed for 4 s; its sidecar could not be asked", Reason.EXPIRED));
  }

  @Test
  void theHoldersOwnDurationCountsNotADefault() {
    assertThat(decide("redis-0", 30, 29 * S, null, "HttpTimeoutException")).isInstanceOf(Verdict.Wait.class);
    assertThat(decide("redis-0", 30, 30 * S, null, "HttpTimeoutException"))
        .isEqualTo(new Verdict.Free("the leader's Lease went unrenewed for 30 s; its sidecar could not be asked",
            Reason.EXPIRED));
  }

  @Test
  void aConfirmedFenceFreesAtOnceButOnlyFromANodeThatNoLongerLeads() {
    assertThat(decide("redis-0", 4, 0, role("primary-without-lease", true), null))
        .isEqualTo(new Verdict.Free("the leader's sidecar confirmed it fenced its Redis", Reason.FENCED));
    // Still leading (fresh Lease): its fence may be about to be lifted, whatever the flag says.
    assertThat(decide("redis-0", 4, S, role("leader", true), null)).isEqualTo(new Verdict.Wait(
        "waiting for redis-0 to fence: its sidecar reports leader, fenced, so for its Lease to go unrenewed for 4 s"
            + " (1.0 s so far)"));
    assertThat(decide("redis-0", 4, S, role("leader", false), null)).isInstanceOf(Verdict.Wait.class);
    assertThat(decide("redis-0", 4, S, role("primary-without-lease", false), null)).isInstanceOf(Verdict.Wait.class);
    // Both hold: expiry needs no report, so it is the one named.
    assertThat(decide("redis-0", 4, 4 * S, role("primary-without-lease", true), null)).isEqualTo(new Verdict.Free(
        "the leader's Lease went unrenewed for 4 s; its sidecar reports primary-without-lease, fenced", Reason.EXPIRED));
    // A sidecar that answers without confirming is waited out like one that does not answer.
    assertThat(decide("redis-0", 4, 4 * S, role("replica", false), null)).isEqualTo(new Verdict.Free(
        "the leader's Lease went unrenewed for 4 s; its sidecar reports replica, not fenced", Reason.EXPIRED));
  }

  @Test
  void noHolderIsFreedAtOnceAndTheTargetHoldingItIsLeftAlone() {
    assertThat(decide(null, 4, 0, null, null)).isEqualTo(new Verdict.Free("the Lease has no holder", Reason.NO_HOLDER));
    assertThat(decide("redis-1", 4, 0, null, null)).isEqualTo(new Verdict.TargetHolds("redis-1 holds the Lease"));
  }

  @Test
  void aLeaseWithoutADurationIsNeverJudgedExpired() {
    assertThat(decide("redis-0", 0, 3600 * S, null, "ConnectException")).isEqualTo(new Verdict.Wait(
        "waiting for redis-0 to confirm it fenced its Redis (its sidecar could not be asked: ConnectException);"
            + " its Lease names no lease duration, so its expiry cannot be judged"));
    assertThat(ForcedFailover.nanosUntilExpiry(new Observation("redis-0", 0, 0, null, null))).isEqualTo(-1);
    assertThat(decide("redis-0", 0, 0, role("primary-without-lease", true), null)).isInstanceOf(Verdict.Free.class);
  }

  @Test
  void theClockRestartsOnEveryChangeOfTheLease() {
    ForcedFailover.VersionClock clock = new ForcedFailover.VersionClock("7", 100 * S);
    assertThat(clock.observe("7", 102 * S)).isEqualTo(2 * S);
    assertThat(clock.observe("8", 103 * S)).isZero();
    assertThat(clock.observe("8", 106 * S)).isEqualTo(3 * S);
    // No version to compare: never counts as unchanged.
    assertThat(clock.observe(null, 107 * S)).isZero();
    assertThat(clock.observe(null, 108 * S)).isZero();
    assertThat(ForcedFailover.nanosUntilExpiry(new Observation("redis-0", 4, 3 * S, null, null))).isEqualTo(S);
  }
}
