package io.github.redisleaseha.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The failsafe rules, the leader's and a member's, on made-up clocks. */
class FailsafeTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long DEADLINE = 2500 * MS;
  private static final long NOW = 100_000 * MS;
  private static final Set<String> MEMBERS = Set.of("a", "b", "c");

  private static String keeps(Map<String, Long> promisedAt, boolean unreachable) {
    return Failsafe.keeps("a", MEMBERS, promisedAt, unreachable, NOW, DEADLINE).orElse(null);
  }

  @Test
  void keptWhileEveryOtherMemberPromisedWithinTheRenewDeadline() {
    assertThat(keeps(Map.of("b", NOW - 2499 * MS, "c", NOW - 10 * MS), true)).isNull();
  }

  @Test
  void notKeptWhenOneMemberIsSilentOrLate() {
    assertThat(keeps(Map.of("b", NOW - 10 * MS), true))
        .isEqualTo("not every member promised within the renew deadline of 2500 ms: c (no promise)");
    assertThat(keeps(Map.of("b", NOW - 2500 * MS, "c", NOW - 10 * MS), true))
        .isEqualTo("not every member promised within the renew deadline of 2500 ms: b (last promise 2500 ms ago)");
  }

  @Test
  void notKeptUnlessTheLastLeaseRequestWentUnanswered() {
    // A 409 or another holder is an answer: someone wrote the Lease; the term ends, no failsafe.
    assertThat(keeps(Map.of("b", NOW, "c", NOW), false)).isEqualTo("my last Lease request was answered, not lost");
  }

  @Test
  void notKeptWithoutRecordedMembers() {
    assertThat(Failsafe.keeps("a", Set.of(), Map.of("b", NOW), true, NOW, DEADLINE))
        .contains("no members are recorded on the Lease");
  }

  @Test
  void aMemberRefusesToPromiseWhenItCouldItselfTakeWrites() {
    assertThat(Failsafe.refusal("a", true, false, null)).contains("I hold the Lease myself");
    assertThat(Failsafe.refusal("a", false, true, null)).contains("my Redis is a primary");
    assertThat(Failsafe.refusal("a", false, false, "c")).contains("the Lease names c, not a");
    assertThat(Failsafe.refusal("a", false, false, "")).contains("the Lease names no holder, not a");
    assertThat(Failsafe.refusal("a", false, false, "a")).isEmpty();
    assertThat(Failsafe.refusal("a", false, false, null)).isEmpty();
  }

  @Test
  void aPromiseBindsUntilItsEnd() {
    Failsafe.Promise p = new Failsafe.Promise("a", 5_000);
    assertThat(p.binds(4_999)).isTrue();
    assertThat(p.binds(5_000)).isFalse();
  }
}
