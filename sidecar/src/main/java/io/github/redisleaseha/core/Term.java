package io.github.redisleaseha.core;

import java.util.HashSet;
import java.util.Set;

/**
 * Progress of one leadership term of this sidecar, from acquiring the Lease to losing or releasing it.
 *
 * @param epoch the Lease transition count when the term began
 * @param startedAtMillis monotonic time the Lease was acquired
 * @param runIdAtStart the local Redis run id when the term began; a change means Redis restarted
 * @param promoted {@code REPLICAOF NO ONE} (or an already primary Redis) has been confirmed this term
 * @param promotionOffset the replication offset right after promotion
 * @param pausedPrimaries names of the peers whose Redis, a primary, this term paused before promoting
 */
public record Term(
    long epoch,
    long startedAtMillis,
    String runIdAtStart,
    boolean promoted,
    long promotionOffset,
    Set<String> pausedPrimaries) {

  public Term {
    pausedPrimaries = Set.copyOf(pausedPrimaries);
  }

  public static Term begin(long epoch, long nowMillis, String runId) {
    return new Term(epoch, nowMillis, runId, false, -1, Set.of());
  }

  public Term promotedAt(long offset) {
    return new Term(epoch, startedAtMillis, runIdAtStart, true, offset, pausedPrimaries);
  }

  public Term withPausedOldPrimary(String name) {
    Set<String> paused = new HashSet<>(pausedPrimaries);
    paused.add(name);
    return new Term(epoch, startedAtMillis, runIdAtStart, promoted, promotionOffset, paused);
  }

  public boolean paused(String name) {
    return pausedPrimaries.contains(name);
  }
}
