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
 * @param previousPrimary the leader the Lease recorded when this term began, if another node: its
 *     Redis was the primary, so applications may still hold connections to it
 * @param previousPrimaryDisconnected this term has disconnected the previous primary's clients
 */
public record Term(
    long epoch,
    long startedAtMillis,
    String runIdAtStart,
    boolean promoted,
    long promotionOffset,
    Set<String> pausedPrimaries,
    String previousPrimary,
    boolean previousPrimaryDisconnected) {

  public Term {
    pausedPrimaries = Set.copyOf(pausedPrimaries);
  }

  /**
   * @param previousLeader the leader the Lease records as this term begins (null: none); ignored
   *     when it is this node ({@code self})
   */
  public static Term begin(long epoch, long nowMillis, String runId, String self, String previousLeader) {
    String previous = previousLeader == null || previousLeader.equals(self) ? null : previousLeader;
    return new Term(epoch, nowMillis, runId, false, -1, Set.of(), previous, false);
  }

  public Term promotedAt(long offset) {
    return new Term(epoch, startedAtMillis, runIdAtStart, true, offset, pausedPrimaries, previousPrimary,
        previousPrimaryDisconnected);
  }

  public Term withPausedOldPrimary(String name) {
    Set<String> paused = new HashSet<>(pausedPrimaries);
    paused.add(name);
    return new Term(epoch, startedAtMillis, runIdAtStart, promoted, promotionOffset, paused, previousPrimary,
        previousPrimaryDisconnected);
  }

  /** Records that {@code name}'s clients were disconnected; only the previous primary's are tracked. */
  public Term withClientsDisconnected(String name) {
    if (!name.equals(previousPrimary)) {
      return this;
    }
    return new Term(epoch, startedAtMillis, runIdAtStart, promoted, promotionOffset, pausedPrimaries, previousPrimary,
        true);
  }

  public boolean paused(String name) {
    return pausedPrimaries.contains(name);
  }
}
