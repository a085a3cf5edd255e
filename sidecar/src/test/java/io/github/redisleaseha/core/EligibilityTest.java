package io.github.redisleaseha.core;

import static io.github.redisleaseha.core.Observations.B;
import static io.github.redisleaseha.core.Observations.C;
import static io.github.redisleaseha.core.Observations.POLICY;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EligibilityTest {

  private static String reason(Observations o) {
    return Eligibility.limitation(o.build(), POLICY).orElse(null);
  }

  @Test
  void aMemberBoundByAFailsafePromiseIsNotEligibleUntilItRunsOut() {
    Observations o = new Observations();
    o.promise = new Failsafe.Promise("b", o.now + 1500);
    assertThat(reason(o)).isEqualTo("I promised b not to take over while it cannot renew its Lease (failsafe), until a lease"
        + " duration after its last heartbeat");
    o.promise = new Failsafe.Promise("b", o.now);
    assertThat(reason(o)).isNull();
  }

  @Test
  void aPodNotRecordedAsMemberIsNotEligible() {
    Observations o = new Observations();
    Map<String, String> a = new java.util.HashMap<>(LeaseState.promotionAnnotations(B, "r1", 0, 1));
    a.putAll(LeaseState.membersAnnotation(java.util.List.of("b", "c", "d")));
    o.lease = LeaseState.parse("b", 1, a);
    assertThat(reason(o)).startsWith("I am not among the members recorded on the Lease (b, c, d)");
    o.lease = LeaseState.parse("b", 1, LeaseState.promotionAnnotations(B, "r1", 0, 1));
    assertThat(reason(o)).as("no members recorded (a Lease from before)").isNull();
  }

  @Test
  void inSyncReplicaIsEligible() {
    assertThat(reason(new Observations())).isNull();
  }

  @Test
  void emptyDatasetIsNotEligibleWhileAPeerHoldsData() {
    Observations o = new Observations();
    o.local = RedisStatus.replica("run-a", "10.0.0.1", 6379, false, "fresh", 0, 0);
    assertThat(reason(o)).isEqualTo("my dataset is empty while b holds data");
  }

  @Test
  void emptyDatasetIsEligibleWhenEveryoneIsEmpty() {
    Observations o = new Observations();
    o.lease = LeaseState.UNKNOWN;
    o.local = RedisStatus.replica("run-a", "10.0.0.1", 6379, false, "x", 0, 0);
    o.peer(B, RedisStatus.replica("run-b", "10.0.0.2", 6379, false, "y", 0, 0));
    o.peer(C, RedisStatus.UNREACHABLE);
    assertThat(reason(o)).isNull();
  }

  @Test
  void staleHistoryIsNotEligibleWhileAPeerHasTheLeadersHistory() {
    Observations o = new Observations();
    o.local = RedisStatus.replica("run-a", "10.0.0.9", 6379, false, "old", 5000, 10);
    assertThat(reason(o)).startsWith("my replication history is not the leader's");
  }

  @Test
  void laggingBeyondMaxLagIsNotEligible() {
    Observations o = new Observations();
    o.peer(C, RedisStatus.replica("run-c", "10.0.0.2", 6379, true, "r1", 3000, 10));
    assertThat(reason(o)).isEqualTo("I am 2000 bytes behind c, more than max-lag-bytes 1000");
  }

  @Test
  void handoverToAnotherNodeKeepsMeOut() {
    Observations o = new Observations();
    Map<String, String> marked = new java.util.HashMap<>(LeaseState.promotionAnnotations(Observations.B, "r1", 0, 1));
    marked.putAll(Map.of(LeaseState.HANDOVER_TO, "c", LeaseState.HANDOVER_UNTIL, Long.toString(o.wall + 1000)));
    o.lease = LeaseState.parse(null, 3, marked);
    assertThat(reason(o)).isEqualTo("a handover to c is in progress");
    o.wall += 2000;
    assertThat(reason(o)).isNull();
  }

  @Test
  void noFailoverSteppedBackAndDownAreReasons() {
    Observations o = new Observations();
    assertThat(Eligibility.limitation(o.build(), new Policy(3, 1, 1000, true, 1, 5_000))).contains("I am marked no-failover");
    o.steppedBackUntil = o.now + 1;
    assertThat(reason(o)).isEqualTo("I stepped back a moment ago (after handing over, or for a more up-to-date peer)");
    o.local = RedisStatus.UNREACHABLE;
    assertThat(reason(o)).isEqualTo("my Redis is not answering");
  }

  @Test
  void aNeverLedLeaseAdoptsTheRunningPrimaryMyRedisReplicatesFrom() {
    Observations o = new Observations();
    o.lease = LeaseState.parse(null, 0, Map.of());
    assertThat(reason(o)).isEqualTo("the Lease records no leader yet and my Redis replicates from b, a running primary;"
        + " its sidecar adopts it without a failover");
    // b gone: the takeover rule decides as usual
    o.peer(Observations.B, RedisStatus.dead("connection refused"));
    assertThat(reason(o)).isNull();
    // link down, or an empty primary (a fresh bootstrap), adopts nothing
    o = new Observations();
    o.lease = LeaseState.parse(null, 0, Map.of());
    o.local = RedisStatus.replica("run-a", "10.0.0.2", 6379, false, "r1", 1000, 10);
    assertThat(reason(o)).isNull();
    o = new Observations();
    o.lease = LeaseState.parse(null, 0, Map.of());
    o.peer(Observations.B, RedisStatus.primary("run-b", "r1", 0, 0));
    assertThat(reason(o)).isNull();
    // once a leader was recorded, a primary the Lease does not name is no reason to stay out
    o = new Observations();
    assertThat(reason(o)).isNull();
  }

  @Test
  void aHandoverToMeOverridesMyStepBack() {
    Observations o = new Observations();
    o.steppedBackUntil = o.now + 10_000;
    o.lease = LeaseState.parse(null, 3, Map.of(LeaseState.HANDOVER_TO, "a",
        LeaseState.HANDOVER_UNTIL, Long.toString(o.wall + 1000)));
    assertThat(reason(o)).isNull();
    o.wall += 2000;
    assertThat(reason(o)).isEqualTo("I stepped back a moment ago (after handing over, or for a more up-to-date peer)");
  }

  @Test
  void pausedClusterKeepsCandidatesOutButLetsAHandoverTargetIn() {
    Observations o = new Observations();
    o.lease = LeaseState.parse(null, 3, Map.of(LeaseState.PAUSED, "true"));
    assertThat(reason(o)).isEqualTo("the cluster is paused (no automatic failover until resume)");
    o.lease = LeaseState.parse(null, 3, Map.of(LeaseState.PAUSED, "true", LeaseState.HANDOVER_TO, "a",
        LeaseState.HANDOVER_UNTIL, Long.toString(o.wall + 1000)));
    assertThat(reason(o)).isNull();
  }

  @Test
  void forcedFailoverTargetSkipsTheDataChecks() {
    Observations o = new Observations();
    o.peer(C, RedisStatus.replica("run-c", "10.0.0.2", 6379, true, "r1", 3000, 10));
    o.lease = LeaseState.parse(null, 3, Map.of(LeaseState.HANDOVER_TO, "a", LeaseState.FORCED, "true",
        LeaseState.HANDOVER_UNTIL, Long.toString(o.wall + 1000)));
    assertThat(reason(o)).isNull();
    o.local = RedisStatus.UNREACHABLE;
    assertThat(reason(o)).isEqualTo("my Redis is not answering");
  }

  @Test
  void refusedCredentialsAreNamedAsSuch() {
    Observations o = new Observations();
    o.local = RedisStatus.refused("WRONGPASS invalid username-password pair or user is disabled.");
    assertThat(reason(o)).isEqualTo("my Redis refuses my credentials or commands: WRONGPASS invalid username-password pair"
        + " or user is disabled. (check --redis-password-file, --redis-user-file and the user's ACL)");
  }
}
