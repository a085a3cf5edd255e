package io.github.redisleaseha.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds observations for the decision-core tables: three pods a, b, c; this node is a. */
final class Observations {

  static final Member A = new Member("a", "10.0.0.1", 6379);
  static final Member B = new Member("b", "10.0.0.2", 6379);
  static final Member C = new Member("c", "10.0.0.3", 6379);
  static final Policy POLICY = new Policy(3, 5_000, 1_000, false, 8_000, 5_000);

  RedisStatus local = RedisStatus.replica("run-a", "10.0.0.2", 6379, true, "r1", 1000, 10);
  int failures;
  long unansweredMillis;
  boolean gone;
  boolean canKill = true;
  final List<PeerStatus> peers = new ArrayList<>(List.of(
      new PeerStatus(B, RedisStatus.primary("run-b", "r1", 1000, 10)),
      new PeerStatus(C, RedisStatus.replica("run-c", "10.0.0.2", 6379, true, "r1", 1000, 10))));
  LeaseState lease = published(B, "r1", 1);
  boolean leading;
  Term term;
  boolean fenced;
  String endpoint;
  long now = 100_000;
  long wall = 1_700_000_000_000L;
  long steppedBackUntil;
  boolean fenceConfirmed;
  Handover handover;
  Failsafe.Promise promise;

  static LeaseState published(Member leader, String replId, long epoch) {
    Map<String, String> a = new java.util.HashMap<>(LeaseState.promotionAnnotations(leader, replId, 0, epoch));
    a.putAll(LeaseState.membersAnnotation(List.of("a", "b", "c")));
    return LeaseState.parse(leader.name(), (int) epoch, a);
  }

  Observations peer(Member m, RedisStatus status) {
    peers.removeIf(p -> p.member().equals(m));
    peers.add(new PeerStatus(m, status));
    return this;
  }

  /** This node holds the Lease in a term begun now, Redis not yet promoted. */
  Observations leadingNewTerm() {
    leading = true;
    term = Term.begin(2, now, local.runId(), "a", null);
    lease = LeaseState.parse("a", 2, LeaseState.promotionAnnotations(B, "r1", 0, 1));
    return this;
  }

  /** This node leads, promoted, endpoint published, annotations recorded, peers following it. */
  Observations settledLeader() {
    local = RedisStatus.primary("run-a", "r2", 5000, 10);
    leading = true;
    term = Term.begin(2, now - 1000, "run-a", "a", null).promotedAt(5000);
    lease = published(A, "r2", 2);
    endpoint = A.address();
    peer(B, RedisStatus.replica("run-b", A.host(), A.port(), true, "r2", 5000, 10));
    peer(C, RedisStatus.replica("run-c", A.host(), A.port(), true, "r2", 5000, 10));
    return this;
  }

  Observation build() {
    return new Observation(now, wall, A, local, failures, unansweredMillis, gone, canKill, List.copyOf(peers), lease,
        leading, term, fenced, fenceConfirmed, endpoint, steppedBackUntil, handover, promise);
  }

  Decision decide() {
    return new Decider(POLICY).decide(build());
  }
}
