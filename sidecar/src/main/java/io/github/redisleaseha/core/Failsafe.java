package io.github.redisleaseha.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Failsafe: a leader that cannot renew its Lease because nobody reaches the API server keeps its
 * Redis writable as long as every member has promised not to take over (Patroni's
 * {@code failsafe_mode}). The two rules here, the leader's ({@link #keeps}) and a member's
 * ({@link #refusal}), are all of it; the adapters only carry heartbeats and answers.
 *
 * <h2>Why this never makes two writable primaries</h2>
 *
 * A promise mirrors a Lease renewal. The leader sends a heartbeat at {@code s} (its monotonic clock)
 * marked "trouble: I cannot renew"; a member that answers with a promise records, on its own monotonic
 * clock, that it will not acquire the Lease, promote, or publish the endpoint until the holder's lease
 * duration has passed since it <i>received</i> that heartbeat, which is after {@code s}. The leader
 * counts that promise as holding it up until {@code s + renewDeadline}, exactly as it counts a renewal
 * it sent at {@code s}. The gap, lease duration minus renew deadline, is the fencing margin the
 * configuration already guarantees (fence guard period, a Redis command, an API request, clock rate
 * skew), so a leader whose promises lapse has fenced before the first promise it relied on runs out.
 *
 * <p>Who could take over while the leader is kept? Only a node that acquires the Lease, and:
 * <ul>
 *   <li>every member recorded on the Lease has promised within the renew deadline ({@link #keeps}
 *       demands all of them, not a majority: a member that did not answer may be the one that reaches
 *       the API server first when it returns, and finds a Lease it saw unchanged for long);
 *   <li>a pod not recorded on the Lease never acquires ({@link Eligibility});
 *   <li>a member that restarted lost its promise with its memory, but it cannot acquire a held Lease
 *       before the holder's lease duration has passed since it first saw the Lease after starting
 *       ({@code GatedLeaseLock}'s expiry rule), which covers any promise it made before;
 *   <li>a member whose own Redis is a primary, or who holds the Lease, refuses to promise ({@link
 *       #refusal}): its promise would not stop its Redis from taking writes.
 * </ul>
 *
 * <p>Failsafe starts only when the leader's last Lease request failed by transport error, timeout or
 * a 5xx answer: an answer that shows someone else wrote the Lease (409, another holder) ends the term
 * at once, as it always did. When the API server answers again, the leader renews on the
 * resourceVersion of its own last write: that succeeds only if nobody wrote the Lease meanwhile, and
 * a refusal ends the term (fence) before anything else.
 *
 * <p>With the leader's node lost while nobody reaches the API server, nobody fails over until the API
 * server answers: there is no one to grant the Lease.
 */
public final class Failsafe {

  private Failsafe() {}

  /** A member's promise to {@code leader}: no acquiring, promoting or publishing before {@code untilMillis} (monotonic). */
  public record Promise(String leader, long untilMillis) {
    public boolean binds(long nowMillis) {
      return nowMillis < untilMillis;
    }
  }

  /**
   * The leader's rule: empty if it is kept (writable) by its members' promises now, otherwise why not.
   *
   * @param self this leader's name
   * @param recorded the members recorded on the Lease (may include {@code self}); empty: failsafe off
   * @param promisedAtNanos per member, the send time of the last heartbeat it answered with a promise
   * @param apiUnreachable the leader's last Lease request failed by transport error, timeout or 5xx
   */
  public static Optional<String> keeps(
      String self, Set<String> recorded, Map<String, Long> promisedAtNanos, boolean apiUnreachable,
      long nowNanos, long renewDeadlineNanos) {
    if (!apiUnreachable) {
      return Optional.of("my last Lease request was answered, not lost");
    }
    if (recorded.isEmpty()) {
      return Optional.of("no members are recorded on the Lease");
    }
    List<String> missing = new ArrayList<>();
    for (String member : new TreeSet<>(recorded)) {
      if (member.equals(self)) {
        continue;
      }
      Long at = promisedAtNanos.get(member);
      if (at == null || nowNanos - at >= renewDeadlineNanos) {
        missing.add(member + (at == null ? " (no promise)"
            : " (last promise " + TimeUnit.NANOSECONDS.toMillis(nowNanos - at) + " ms ago)"));
      }
    }
    if (!missing.isEmpty()) {
      return Optional.of("not every member promised within the renew deadline of "
          + TimeUnit.NANOSECONDS.toMillis(renewDeadlineNanos) + " ms: " + String.join(", ", missing));
    }
    return Optional.empty();
  }

  /**
   * A member's rule: empty if it may promise {@code leader} to leave it the lead, otherwise why not.
   *
   * @param leading this member holds the Lease itself
   * @param localPrimary this member's Redis is a primary
   * @param holderSeen the holder of the Lease as this member last read it from the API server, or
   *     null if it has no read newer than the leader's heartbeats
   */
  public static Optional<String> refusal(String leader, boolean leading, boolean localPrimary, String holderSeen) {
    if (leading) {
      return Optional.of("I hold the Lease myself");
    }
    if (localPrimary) {
      return Optional.of("my Redis is a primary");
    }
    if (holderSeen != null && !holderSeen.equals(leader)) {
      return Optional.of("the Lease names " + (holderSeen.isEmpty() ? "no holder" : holderSeen) + ", not " + leader);
    }
    return Optional.empty();
  }
}
