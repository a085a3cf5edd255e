package io.github.redisleaseha.core;

import java.util.Optional;

/**
 * A graceful handover of this leader (graceful stop, {@code switchover}, {@code /prestop}) as phases
 * of the control loop: each tick the rule below reads the observation and returns the one next step,
 * so the loop keeps ticking, the fence guard keeps running and every step re-checks the Lease. Almost
 * all progress is read from what the tick observed (the Lease mark, the fence, the offsets, Redis's
 * own failover state, the write endpoint); this record keeps only what cannot be observed.
 *
 * <h2>Steps, in order</h2>
 *
 * <ol>
 *   <li><b>chosen</b>: the most up-to-date replica that streams from this leader (or the one asked
 *       for, which must stream from it);
 *   <li><b>marked</b>: the Lease names it ({@code handover-to}), so no other candidate takes the
 *       Lease and the target does not demote itself when it becomes a primary without it;
 *   <li><b>fenced</b>: the fence owner paused writes here and Redis confirmed it: from now on nothing
 *       more is acknowledged;
 *   <li><b>caught up</b>: the target's offset reached this primary's (read from both), then
 *       {@code FAILOVER TO target FORCE TIMEOUT 1}. FORCE is safe because the catch-up was checked
 *       first; without it Redis 7.0 waits for the replica's once-a-second ACK;
 *   <li><b>swapped</b>: this Redis is a replica of the target and the target answers as a primary;
 *   <li><b>endpoint moved</b>: still holding a fresh Lease, the write endpoint and the Lease's
 *       record point at the target, so writes resume before the Lease changes hands;
 *   <li><b>released</b>: the Lease is freed, still marked for the target, which takes it.
 * </ol>
 *
 * <p><b>Abort.</b> A target that stops answering after FAILOVER was sent, a target that falls out of
 * sync, or the handover timeout: {@code FAILOVER ABORT} if Redis is still in its failover, the mark
 * is cleared and the fence owner lifts the pause, so the old leader keeps leading (a graceful stop
 * then releases the Lease for an ordinary failover). The endpoint is moved only to a target seen
 * answering as a primary after the swap, so it never points at a target that did not take over;
 * once it has moved, the handover completes even if the target stalls a moment later (it holds
 * every write, and new ones), and the target's own sidecar handles the stall as any leader's.
 *
 * @param requested the pod asked for, or null for the most up-to-date replica
 * @param stopping the sidecar stops afterwards (graceful stop), rather than carrying on as a replica
 * @param target the chosen target, or null until chosen
 * @param deadlineMillis monotonic time by which it must be done
 * @param failoverSentMillis monotonic time FAILOVER was sent, or 0
 */
public record Handover(String requested, boolean stopping, Member target, long deadlineMillis, long failoverSentMillis) {

  /**
   * How long a target may stay silent after FAILOVER was sent before the handover is aborted. Below
   * FAILOVER's own {@code TIMEOUT 1} (1 s), after which Redis, with FORCE, sends the target its
   * {@code PSYNC ... FAILOVER}: aborted before that, a frozen target never receives it and cannot
   * promote itself when it resumes. A target frozen after it (rare: Redis sends it at once when the
   * target acknowledges in time) runs it on resuming, with what its clients had in flight, until its
   * sidecar fences it.
   */
  public static final long TARGET_SILENCE_MILLIS = 300;

  public static Handover begin(String requested, boolean stopping, long nowMillis, long timeoutMillis) {
    return new Handover(requested, stopping, null, nowMillis + timeoutMillis, 0);
  }

  public Handover to(Member chosen) {
    return new Handover(requested, stopping, chosen, deadlineMillis, failoverSentMillis);
  }

  public Handover failoverSentAt(long nowMillis) {
    return new Handover(requested, stopping, target, deadlineMillis, nowMillis);
  }

  /** The next step of the handover, for a leader holding a fresh Lease. */
  static Decision next(Observation o) {
    Handover h = o.handover();
    String me = o.self().name();
    RedisStatus local = o.local();
    if (h.target() != null && h.failoverSentMillis() > 0 && !local.primary()
        && h.target().address().equals(o.endpointTarget())) {
      // The endpoint moved only once the target answered as the primary after FAILOVER: it holds every
      // write and has taken new ones, so the handover goes through even if the target stops answering
      // now, or the timeout passes (its own sidecar then treats a stall like any leader's).
      return new Decision(new Action.ReleaseForHandover(h.target()),
          "I am " + me + "; the write endpoint points at " + h.target().name() + "; releasing the Lease to it");
    }
    if (o.nowMillis() >= h.deadlineMillis()) {
      return abort(me, "the handover" + (h.target() == null ? "" : " to " + h.target().name())
          + " did not complete within the handover timeout");
    }
    if (h.target() == null) {
      Optional<PeerStatus> best = o.reachablePeers().stream()
          .filter(p -> h.requested() == null || p.name().equals(h.requested()))
          .filter(p -> p.redis().follows(o.self()) && p.redis().linkUp())
          .max((a, b) -> Long.compare(a.redis().offset(), b.redis().offset()));
      if (best.isEmpty()) {
        // A replica may still be syncing (e.g. the one restarted just before, in a rolling update).
        return Decision.none("I am " + me + ", leader, handing over; waiting for "
            + (h.requested() == null ? "a replica" : h.requested()) + " to stream from me");
      }
      return new Decision(new Action.ChooseTarget(best.get().member()),
          "I am " + me + ", leader; handing over to " + best.get().name() + " at offset " + best.get().redis().offset());
    }
    Member target = h.target();
    Optional<PeerStatus> t = o.peer(target.name()).filter(PeerStatus::reachable);
    if (!target.name().equals(o.lease().handoverTo())) {
      return new Decision(new Action.MarkHandover(target),
          "I am " + me + ", leader; marking the Lease for the handover to " + target.name());
    }
    if (local.primary() && !local.failoverInProgress() && h.failoverSentMillis() == 0) {
      if (t.isEmpty() || !t.get().redis().follows(o.self())) {
        return abort(me, target.name() + " stopped " + (t.isEmpty() ? "answering" : "streaming from me") + " before FAILOVER");
      }
      if (!o.fenceConfirmed()) {
        return new Decision(new Action.FenceForHandover(),
            "I am " + me + ", leader; pausing writes for the handover to " + target.name());
      }
      long lag = local.offset() - t.get().redis().offset();
      if (lag > 0) {
        return Decision.none("I am " + me + ", leader, handing over; " + target.name() + " is catching up: " + lag + " bytes");
      }
      return new Decision(new Action.SendFailover(target),
          "I am " + me + ", leader; " + target.name() + " has caught up at offset " + local.offset()
              + "; FAILOVER TO it");
    }
    boolean swapped = !local.primary() && local.follows(target) && t.isPresent() && t.get().redis().primary();
    if (!swapped) {
      if (local.primary() && !local.failoverInProgress()) {
        if (o.nowMillis() - h.failoverSentMillis() > TARGET_SILENCE_MILLIS) {
          return abort(me, "FAILOVER to " + target.name() + " did not start");
        }
        return Decision.none("I am " + me + ", leader, handing over; waiting for FAILOVER to start");
      }
      if (t.isEmpty() && o.nowMillis() - h.failoverSentMillis() > TARGET_SILENCE_MILLIS) {
        return abort(me, target.name() + " stopped answering after FAILOVER was sent");
      }
      return Decision.none("I am " + me + ", leader, handing over; waiting for FAILOVER to swap roles with " + target.name());
    }
    return new Decision(new Action.PublishHandover(target),
        "I am " + me + "; " + target.name() + " is the primary now; pointing the write endpoint at it");
  }

  private static Decision abort(String me, String why) {
    return new Decision(new Action.AbortHandover(why), "I am " + me + ", leader, and abort the handover: " + why);
  }
}
