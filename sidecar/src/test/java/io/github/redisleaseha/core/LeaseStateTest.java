package io.github.redisleaseha.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeaseStateTest {

  @Test
  void parsesWhatALeaderRecords() {
    Member m = new Member("redis-1", "10.1.2.3", 6379);
    LeaseState s = LeaseState.parse("redis-1", 4, LeaseState.promotionAnnotations(m, "abc", 123, 4));
    assertThat(s.holderPublished()).isTrue();
    assertThat(s.publishedLeader()).isEqualTo(m);
    assertThat(s.replId()).isEqualTo("abc");
    assertThat(s.promotionOffset()).isEqualTo(123);
    assertThat(s.epoch()).isEqualTo(4);
    assertThat(s.handoverTo()).isNull();
  }

  @Test
  void garbageBecomesAbsentNeverAnError() {
    Map<String, String> a = new HashMap<>();
    a.put(LeaseState.LEADER, "x".repeat(10_000));
    a.put(LeaseState.LEADER_ADDRESS, "no-port-here");
    a.put(LeaseState.PROMOTION_OFFSET, "12abc");
    a.put(LeaseState.EPOCH, "99999999999999999999999");
    a.put(LeaseState.HANDOVER_UNTIL, "tomorrow");
    a.put(LeaseState.REPL_ID, null);
    LeaseState s = LeaseState.parse("  ", null, a);
    assertThat(s.free()).isTrue();
    assertThat(s.leader()).isNull();
    assertThat(s.leaderHost()).isNull();
    assertThat(s.promotionOffset()).isEqualTo(-1);
    assertThat(s.epoch()).isEqualTo(-1);
    assertThat(s.handoverUntilMillis()).isZero();
    assertThat(s.transitions()).isZero();
    assertThat(LeaseState.parse(null, null, null)).isEqualTo(LeaseState.UNKNOWN);
  }

  @Test
  void aHolderIsFollowedOnlyAfterItPublishedItsPromotion() {
    Member old = new Member("redis-0", "10.0.0.1", 6379);
    LeaseState s = LeaseState.parse("redis-1", 2, LeaseState.promotionAnnotations(old, "abc", 1, 1));
    assertThat(s.holderPublished()).isFalse();
    assertThat(s.publishedLeader()).isNull();
  }
}
