package io.github.redisleaseha.node;

import io.github.redisleaseha.core.FenceRule;
import io.github.redisleaseha.core.FenceRule.Role;
import io.github.redisleaseha.core.FenceRule.Verdict;
import io.github.redisleaseha.core.RateLimitedLog;
import io.github.redisleaseha.core.RedisStatus;
import io.github.redisleaseha.kube.EventRecorder;
import io.github.redisleaseha.kube.EventRecorder.Kind;
import io.github.redisleaseha.redis.FenceLine;
import io.github.redisleaseha.redis.LocalProcess;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the local Redis's fence. On every guard tick (its own thread, every
 * {@value #GUARD_MILLIS} ms, so a slow control loop cannot delay it) it evaluates {@link FenceRule}
 * under its lock and does what the rule says: re-assert {@code CLIENT PAUSE WRITE} on the kept
 * {@link FenceLine}, kill the verified Redis process, or lift a pause. The control loop only tells it
 * what it observed and which phase it is in; no other code pauses or unpauses the local Redis.
 *
 * <p>State: the inputs below are written by the control thread (one writer) and read here; the fence
 * state ({@code fenced}, {@code confirmed}) is written only under this object's lock, and each change
 * of {@code fenced} is counted there ({@code redis_lease_ha_fences_total} when it is applied,
 * {@code redis_lease_ha_unfences_total} when lifted); re-assertions and stray lifts change nothing.
 */
final class FenceOwner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FenceOwner.class);
  static final long GUARD_MILLIS = 50;
  /** Each assertion pauses for this long; it is re-asserted every tick, so this only matters if the sidecar dies. */
  static final long PAUSE_MILLIS = TimeUnit.HOURS.toMillis(1);
  /**
   * A leader lifts a stray pause (left by a node that gave up taking over) at most this often, and
   * only within {@link #STRAY_LIFT_WINDOW_MILLIS} after a renewal that succeeded since the last lift:
   * that renewal proves nobody else held the Lease, so no new holder set that pause. A pause set by
   * a holder that took the Lease since (a Lease deleted by hand lets one in at once) is never lifted
   * on an older renewal.
   */
  static final long STRAY_LIFT_MILLIS = 5_000;
  static final long STRAY_LIFT_WINDOW_MILLIS = 250;

  private final String me;
  private final FenceLine line;
  private final LocalProcess process;
  private final BooleanSupplier leaseFresh;
  private final java.util.function.LongSupplier renewals;
  private final java.util.function.LongSupplier millisSinceRenewal;
  private long renewalsAtLastLift = -1;
  private final long stallTimeoutMillis;
  private final EventRecorder events;
  private final SidecarMetrics metrics;
  private final RateLimitedLog failures = new RateLimitedLog(log, 10_000);

  // Inputs from the control thread.
  private volatile Role role = Role.UNKNOWN;
  private volatile RedisStatus.Health health = RedisStatus.Health.OK;
  private volatile long unansweredSinceNanos;
  private volatile boolean promoted;
  private volatile boolean handoverFence;
  private volatile boolean handoverTarget;

  // Fence state, written under the lock.
  private volatile boolean fenced;
  private volatile boolean confirmed;
  private volatile boolean releasing;
  private volatile String lastSentence;
  private long lastLiftNanos;

  FenceOwner(String me, FenceLine line, LocalProcess process, BooleanSupplier leaseFresh,
      java.util.function.LongSupplier renewals, java.util.function.LongSupplier millisSinceRenewal, long stallTimeoutMillis,
      EventRecorder events, SidecarMetrics metrics) {
    this.me = me;
    this.line = line;
    this.process = process;
    this.leaseFresh = leaseFresh;
    this.renewals = renewals;
    this.millisSinceRenewal = millisSinceRenewal;
    this.stallTimeoutMillis = stallTimeoutMillis;
    this.events = events;
    this.metrics = metrics;
  }

  /** What the control loop (or a handover step) just saw of the local Redis. */
  void observed(RedisStatus status) {
    process.observe(status);
    health = process.gone() ? RedisStatus.Health.DEAD : status.health();
    if (status.reachable()) {
      role = status.primary() ? Role.PRIMARY : Role.REPLICA;
      unansweredSinceNanos = 0;
    } else if (unansweredSinceNanos == 0) {
      unansweredSinceNanos = System.nanoTime();
    }
  }

  /** The local Redis was just promoted by this node (before the next observation says so). */
  void promotedInThisTerm(boolean value) {
    if (value) {
      role = Role.PRIMARY;
    }
    promoted = value;
  }

  void handoverFence(boolean value) {
    handoverFence = value;
  }

  void handoverTarget(boolean value) {
    handoverTarget = value;
  }

  long unansweredMillis() {
    long since = unansweredSinceNanos;
    return since == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  boolean fenced() {
    return fenced;
  }

  /** The last pause sent was acknowledged by Redis. */
  boolean confirmed() {
    return confirmed;
  }

  /** The verified Redis process is gone (killed or crashed). */
  boolean gone() {
    return process.gone();
  }

  /** Whether the hard fence is available; {@link #fencingDescription()} says which. */
  boolean canKill() {
    return process.kind() == LocalProcess.Kind.KILL;
  }

  /** {@code kill} or {@code pause only (why)}: for the start-up log, {@code /role} and {@code status}. */
  String fencingDescription() {
    return canKill() ? "kill" : "pause only (" + process.unavailableReason() + ")";
  }

  private FenceRule.Input input() {
    return new FenceRule.Input(role, health, process.gone(), unansweredMillis(), leaseFresh.getAsBoolean(), promoted,
        handoverFence, handoverTarget, releasing, confirmed, canKill(), stallTimeoutMillis);
  }

  /** One guard tick: evaluate the rule and act on it. */
  synchronized Verdict tick() {
    Verdict v = FenceRule.decide(input());
    try {
      switch (v) {
        case Verdict.Fence f -> assertPause(f.sentence());
        case Verdict.Kill k -> kill(k.sentence());
        case Verdict.Lift l -> lift(l.sentence());
        case Verdict.Leave l -> {
          if (health == RedisStatus.Health.OK) {
            line.ensureOpen();
          }
        }
      }
    } catch (RuntimeException e) {
      failures.failure("Fence guard step failed", e);
    }
    return v;
  }

  /**
   * Fences for a release of the Lease and says whether the release may go ahead: null if the local
   * Redis can take no more writes, else why not (the caller keeps the Lease and tries again).
   */
  synchronized String fenceForRelease() {
    releasing = true;
    tick();
    String refusal = FenceRule.mayRelease(input(), process.gone());
    if (refusal != null) {
      releasing = false;
    }
    return refusal;
  }

  /** The release is done (or abandoned): the rule goes back to judging by the Lease. */
  synchronized void released() {
    releasing = false;
  }

  /** Fences now for a handover; true once the pause is confirmed. */
  synchronized boolean fenceForHandover() {
    handoverFence = true;
    tick();
    return confirmed;
  }

  private void assertPause(String sentence) {
    FenceLine.Result r = line.pauseWrites(PAUSE_MILLIS);
    confirmed = r.confirmed();
    if (!fenced) {
      fenced = true;
      metrics.fenceApplied();
      say("I am " + me + " and " + sentence + "; paused writes on my Redis" + (r.confirmed() ? "" : " (" + r.outcome()
          .name().toLowerCase() + ": " + r.detail() + ")"), Kind.FENCED, true);
    } else if (!r.confirmed()) {
      failures.failure("I am " + me + " and could not confirm the fence on my Redis (" + r.outcome().name().toLowerCase()
          + ": " + r.detail() + ")", null);
    } else {
      failures.recovered("I am " + me + " and my Redis confirms the fence again");
    }
  }

  private void kill(String sentence) {
    if (!fenced) {
      metrics.fenceApplied();
    }
    fenced = true;
    String result = process.kill(1_000);
    say("I am " + me + " and " + sentence + ": " + result, Kind.KILLED, true);
    if (process.gone()) {
      line.close();
    } else {
      // The process was not ours after all, or has not exited yet: the pause is queued at least.
      line.pauseWrites(PAUSE_MILLIS);
    }
  }

  private void lift(String sentence) {
    long now = System.nanoTime();
    long renewed = renewals.getAsLong();
    long since = millisSinceRenewal.getAsLong();
    // A replica cannot take writes, so lifting a stray pause on it is always safe.
    boolean stray = now - lastLiftNanos > TimeUnit.MILLISECONDS.toNanos(STRAY_LIFT_MILLIS)
        && (role == Role.REPLICA || (renewed != renewalsAtLastLift && since >= 0 && since <= STRAY_LIFT_WINDOW_MILLIS));
    if (!fenced && !stray) {
      return;
    }
    if (role == Role.REPLICA && !Boolean.TRUE.equals(line.isReplica())) {
      // The role was read by the control loop a moment ago; it is checked again on this line.
      return;
    }
    FenceLine.Result r = line.unpause();
    if (!r.confirmed()) {
      return;
    }
    lastLiftNanos = now;
    renewalsAtLastLift = renewed;
    confirmed = false;
    if (fenced) {
      fenced = false;
      metrics.fenceLifted();
      say("I am " + me + " and " + sentence + "; lifted the write pause on my Redis", Kind.UNFENCED, false);
    }
  }

  private void say(String sentence, Kind kind, boolean warn) {
    if (warn) {
      log.warn(sentence);
    } else {
      log.info(sentence);
    }
    lastSentence = sentence;
    events.record(kind, sentence);
  }

  /** The last fencing sentence, for {@code explain}. */
  String lastSentence() {
    return lastSentence;
  }

  @Override
  public synchronized void close() {
    line.close();
  }
}
