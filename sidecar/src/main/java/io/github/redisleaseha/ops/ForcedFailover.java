package io.github.redisleaseha.ops;

import io.github.redisleaseha.node.Sidecar.RoleView;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * When {@code failover --to} may free the Lease for its target: the one rule between an operator's
 * forced failover and two writable primaries, as a pure function of what the command observed.
 *
 * <h2>Why the command waits</h2>
 *
 * A forced failover is for a leader that is gone, or that the operator cannot reach. "Cannot reach"
 * is not "gone": a leader partitioned from the operator (and from its peers) may still renew its
 * Lease and take writes. Freeing the Lease at once let the target promote while that leader still
 * acknowledged writes until its renew deadline (issue 10, item 7). So the command first writes only
 * the mark ({@code forced}, {@code handover-to}, {@code handover-until}) and leaves the holder alone.
 * A holder's Lease lock refuses to renew while a forced mark names someone else, so from the mark on
 * the holder renews no more, and its fence guard pauses its Redis at its renew deadline. The command
 * frees the Lease only after one of:
 *
 * <ul>
 *   <li><b>Confirmed fence.</b> The holder's sidecar answers {@code /role} with {@code fenced: true}
 *       and {@code fenceConfirmed: true} (its Redis acknowledged the pause), and a role other than
 *       {@code leader}.
 *   <li><b>Expiry.</b> The Lease has not changed (same resourceVersion) for the holder's own
 *       {@code spec.leaseDurationSeconds}, measured on this process's monotonic clock from when it
 *       first saw that version, which is never before its own marking write. The holder's last
 *       renewal was sent before that write, it fences at its renew deadline, and its lease duration
 *       exceeds that deadline by the fencing margin: the same argument by which candidates judge a
 *       held Lease expired ({@code GatedLeaseLock.holderExpired}). Timestamps in the Lease are never
 *       trusted, only its change; the wall clock is not used.
 * </ul>
 *
 * A Lease without a holder is freed at once (there is nothing to wait for). A Lease whose duration is
 * missing or not positive is never judged expired here: only a confirmed fence frees it. The free is
 * a replace carrying the resourceVersion the verdict was based on, so a Lease that changed since is
 * judged again rather than freed.
 */
public final class ForcedFailover {

  private ForcedFailover() {}

  /**
   * What the command saw at one moment.
   *
   * @param holder the Lease's holderIdentity, or null when it has none
   * @param leaseDurationSeconds the holder's {@code spec.leaseDurationSeconds} (0 or less: unknown)
   * @param unchangedNanos how long the Lease has had its current resourceVersion, on this process's
   *     monotonic clock, counted from no earlier than the command's own marking write
   * @param holderReport the holder's {@code /role}, or null if it could not be asked
   * @param holderError why the holder's sidecar could not be asked (when {@code holderReport} is null)
   */
  public record Observation(
      String holder, int leaseDurationSeconds, long unchangedNanos, RoleView holderReport, String holderError) {}

  /** What to do now, with one sentence that says why. */
  public sealed interface Verdict {
    String sentence();

    /** Not yet: the holder may still take writes. */
    record Wait(String sentence) implements Verdict {}

    /** Free the Lease (keeping the mark): the holder takes no more writes, or there is none. */
    record Free(String sentence, Reason reason) implements Verdict {}

    /** The target itself holds the Lease: nothing to free. */
    record TargetHolds(String sentence) implements Verdict {}
  }

  /** Why the Lease may be freed. */
  public enum Reason { NO_HOLDER, FENCED, EXPIRED }

  public static Verdict decide(Observation o, String target) {
    if (o.holder() == null) {
      return new Verdict.Free("the Lease has no holder", Reason.NO_HOLDER);
    }
    if (o.holder().equals(target)) {
      return new Verdict.TargetHolds(target + " holds the Lease");
    }
    RoleView r = o.holderReport();
    String asked = r == null
        ? "its sidecar could not be asked"
        : "its sidecar reports " + r.role() + (r.fenced() ? ", fenced" : ", not fenced");
    // Expiry first: it needs no report, so a report that is not fresh only words the sentence.
    if (nanosUntilExpiry(o) == 0) {
      return new Verdict.Free("the leader's Lease went unrenewed for " + o.leaseDurationSeconds() + " s; " + asked,
          Reason.EXPIRED);
    }
    if (r != null && r.fenced() && r.fenceConfirmed() && !"leader".equals(r.role())) {
      return new Verdict.Free("the leader's sidecar confirmed it fenced its Redis", Reason.FENCED);
    }
    if (o.leaseDurationSeconds() <= 0) {
      return new Verdict.Wait("waiting for " + o.holder() + " to confirm it fenced its Redis (" + asked
          + (r == null && o.holderError() != null ? ": " + o.holderError() : "")
          + "); its Lease names no lease duration, so its expiry cannot be judged");
    }
    return new Verdict.Wait("waiting for " + o.holder() + " to fence: " + asked
        + (r == null && o.holderError() != null ? " (" + o.holderError() + ")" : "")
        + ", so for its Lease to go unrenewed for " + o.leaseDurationSeconds() + " s ("
        + seconds(o.unchangedNanos()) + " s so far)");
  }

  /** Nanoseconds until {@code o}'s Lease would count as expired, or -1 if it never will by itself. */
  public static long nanosUntilExpiry(Observation o) {
    if (o.holder() == null || o.leaseDurationSeconds() <= 0) {
      return -1;
    }
    return Math.max(0, TimeUnit.SECONDS.toNanos(o.leaseDurationSeconds()) - o.unchangedNanos());
  }

  /**
   * How long the Lease has had its current resourceVersion, on a monotonic clock: the first time a
   * version is seen starts its period. Start it with the version the marking write returned.
   */
  public static final class VersionClock {
    private String version;
    private long sinceNanos;

    public VersionClock(String version, long nowNanos) {
      this.version = version;
      this.sinceNanos = nowNanos;
    }

    /** Records a read of the Lease at {@code nowNanos}; returns how long its version has been unchanged. */
    public long observe(String seen, long nowNanos) {
      if (seen == null || !seen.equals(version)) {
        version = seen;
        sinceNanos = nowNanos;
      }
      return nowNanos - sinceNanos;
    }
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
  }
}
