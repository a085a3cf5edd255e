package io.github.redisleaseha.core;

/**
 * Progress of one leadership term of this sidecar, from acquiring the Lease to losing or releasing it.
 *
 * @param epoch the Lease transition count when the term began
 * @param startedAtMillis monotonic time the Lease was acquired
 * @param runIdAtStart the local Redis run id when the term began; a change means Redis restarted
 * @param promoted {@code REPLICAOF NO ONE} (or an already primary Redis) has been confirmed this term
 * @param promotionOffset the replication offset right after promotion
 * @param pausedOldPrimary name of the previous leader whose Redis writes this term paused, or null
 */
public record Term(
    long epoch,
    long startedAtMillis,
    String runIdAtStart,
    boolean promoted,
    long promotionOffset,
    String pausedOldPrimary) {

  public static Term begin(long epoch, long nowMillis, String runId) {
    return new Term(epoch, nowMillis, runId, false, -1, null);
  }

  public Term promotedAt(long offset) {
    return new Term(epoch, startedAtMillis, runIdAtStart, true, offset, pausedOldPrimary);
  }

  public Term withPausedOldPrimary(String name) {
    return new Term(epoch, startedAtMillis, runIdAtStart, promoted, promotionOffset, name);
  }
}
