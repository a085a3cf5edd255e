package io.github.redisleaseha.core;

/**
 * Whether the local Redis must be fenced ({@code CLIENT PAUSE WRITE}), may have its pause lifted, or
 * must be killed: the one rule behind every pause and unpause of the local Redis. The fence owner
 * evaluates it on every guard tick (every 50 ms, on its own thread) and does what it says; no other
 * code pauses or unpauses the local Redis.
 *
 * <h2>Invariants enforced here</h2>
 *
 * <ol>
 *   <li><b>Only a leader with a fresh Lease takes writes.</b> A local Redis that is (or was last seen
 *       as) a primary is fenced whenever this node does not hold a Lease renewed within the renew
 *       deadline, or a handover has asked for the fence, or the control loop is giving the Lease up.
 *       Others take the Lease only a full lease duration after they saw its last renewal, and the
 *       renew deadline plus one guard period, one Redis command timeout and one API request timeout
 *       fits in that duration (checked by the configuration), so the fence lands first. The one
 *       exception is the target of a handover, a primary by the leader's own {@code FAILOVER}, which
 *       the leader no longer is.
 *   <li><b>The fence is re-asserted, not remembered.</b> While this rule says fenced, the pause is
 *       sent again on every tick, so a {@code CLIENT UNPAUSE} by anyone, an expiry or a lost reply
 *       cannot lift it for longer than one guard period.
 *   <li><b>A pause is lifted only by this rule, under the owner's lock.</b> It is lifted when this
 *       node leads with a fresh Lease and a promoted Redis (which also lifts a stray pause another
 *       node's takeover left, but only right after a renewal that succeeded since the last lift, so
 *       never a pause set by a holder that came since: see {@code FenceOwner}), or when the local
 *       Redis is a replica (a pause would stop it applying the replication stream). Freshness is read
 *       under the same lock the fence is set under, so a lift can never undo a fence decided a moment
 *       before; and a node that has read another holder on the Lease ends its term at once
 *       ({@code GatedLeaseLock.lost}).
 *   <li><b>Dead is not unresponsive.</b> A Redis that refuses connections or whose process is gone
 *       needs no fence. One that does not answer may still run the commands already queued on its
 *       client connections when it resumes: where the process can be seen and signalled it is killed
 *       (the hard fence) as soon as it must be fenced and the pause is not confirmed, or, while this
 *       node still leads, once it has not answered for {@code --stall-timeout}.
 *   <li><b>Release only after a confirmed fence.</b> {@link #mayRelease} allows giving the Lease up
 *       only when the local Redis cannot take writes: dead, a replica, or paused with a confirmed
 *       reply. The one exception is pause-only fencing past the stall timeout, whose remaining window
 *       (commands already on the stalled Redis's connections) the README states.
 * </ol>
 *
 * <p>"Fresh" includes failsafe: a leader whose renewals go unanswered (the API server is away) while
 * every recorded member has promised, within the renew deadline, not to take over ({@link Failsafe})
 * counts as holding a fresh Lease, by the same arithmetic: a promise on a heartbeat sent at {@code s}
 * holds the members back until a lease duration after they received it, and keeps the leader only
 * until {@code s} plus the renew deadline. A renewal a member made on the leader's behalf counts from
 * the send time of the heartbeat that asked for it.
 */
public final class FenceRule {

  private FenceRule() {}

  /** The role of the local Redis as last observed. */
  public enum Role { PRIMARY, REPLICA, UNKNOWN }

  /**
   * What the rule looks at.
   *
   * @param role the local Redis's role as last seen answering (a stalled primary stays a primary)
   * @param health how the local Redis answered its last check
   * @param gone the verified Redis process is no longer running
   * @param unansweredMillis how long the local Redis has not answered (0 while it answers)
   * @param leaseFresh this node holds the Lease, renewed within the renew deadline (directly, by a member on its
   *     behalf, or kept by its members' failsafe promises)
   * @param promoted this term has promoted the local Redis
   * @param handoverFence a handover under way wants writes paused here
   * @param handoverTarget the local Redis is a primary by a handover to this node, which awaits the Lease
   * @param releasing the control loop is giving the Lease up
   * @param confirmed the last pause sent got an OK reply
   * @param canKill the hard fence is available (the Redis process is seen and may be signalled)
   * @param stallTimeoutMillis {@code --stall-timeout}
   */
  public record Input(
      Role role,
      RedisStatus.Health health,
      boolean gone,
      long unansweredMillis,
      boolean leaseFresh,
      boolean promoted,
      boolean handoverFence,
      boolean handoverTarget,
      boolean releasing,
      boolean confirmed,
      boolean canKill,
      long stallTimeoutMillis) {

    boolean dead() {
      return gone || health == RedisStatus.Health.DEAD;
    }

    boolean leads() {
      return leaseFresh && promoted && !handoverFence && !releasing;
    }
  }

  /** What the owner does on this tick, with the sentence that says why. */
  public sealed interface Verdict {
    String sentence();

    /** Pause writes (again): the fence must hold. */
    record Fence(String sentence) implements Verdict {}

    /** Kill the verified Redis process: it must be fenced and cannot be confirmed paused. */
    record Kill(String sentence) implements Verdict {}

    /** Lifting a pause is safe: lift this node's own fence, and any stray pause. */
    record Lift(String sentence) implements Verdict {}

    /** Neither fence nor lift. */
    record Leave(String sentence) implements Verdict {}
  }

  public static Verdict decide(Input in) {
    if (in.dead()) {
      return new Verdict.Leave("my Redis is dead (" + (in.gone() ? "its process is gone" : "it refuses connections")
          + "); there is nothing to fence");
    }
    if (in.role() == Role.UNKNOWN) {
      return new Verdict.Leave("my Redis's role is not known yet");
    }
    boolean answers = in.health() == RedisStatus.Health.OK;
    if (in.role() == Role.REPLICA) {
      return answers
          ? new Verdict.Lift("my Redis is a replica, which takes no writes; a pause would only stop its replication")
          : new Verdict.Leave("my Redis, a replica, does not answer");
    }
    if (in.leads()) {
      if (answers) {
        return new Verdict.Lift("I lead with a fresh Lease and a promoted Redis");
      }
      if (in.canKill() && in.unansweredMillis() >= in.stallTimeoutMillis()) {
        return new Verdict.Kill("my Redis has not answered for " + in.unansweredMillis() + " ms, past the stall timeout of "
            + in.stallTimeoutMillis() + " ms; killing it so that the Lease can go to a replica");
      }
      return new Verdict.Leave("I lead and my Redis has not answered for " + in.unansweredMillis() + " ms");
    }
    if (in.handoverTarget() && !in.handoverFence() && !in.releasing()) {
      return new Verdict.Leave("my Redis is a primary by a handover to me, waiting for the Lease");
    }
    if (in.leaseFresh() && !in.promoted() && !in.handoverFence() && !in.releasing()) {
      return new Verdict.Leave("I hold a fresh Lease and have not promoted yet");
    }
    String why = in.releasing() ? "I am giving the Lease up"
        : in.handoverFence() ? "I am handing over"
        : in.promoted() ? "I could not renew the Lease within the renew deadline"
        : "I do not hold the Lease";
    if (!answers && !in.confirmed() && in.canKill() && !in.leaseFresh()) {
      return new Verdict.Kill(why + " and my Redis, a primary, does not confirm the fence (" + in.health().name().toLowerCase()
          + "); killing it before anyone else can lead");
    }
    return new Verdict.Fence(why + "; my Redis, a primary, must not take writes");
  }

  /**
   * Whether the Lease may be given up now, with {@code in} read after the fence was applied: only when
   * the local Redis can no longer take writes. A Redis never seen answering is read-only from its start
   * (the deployment starts it as a replica). Null when it may, else the reason it may not.
   */
  public static String mayRelease(Input in, boolean processGoneAfter) {
    if (in.dead() || processGoneAfter || in.role() == Role.UNKNOWN) {
      return null;
    }
    if (in.role() == Role.REPLICA && in.health() == RedisStatus.Health.OK) {
      return null;
    }
    if (in.confirmed()) {
      return null;
    }
    if (!in.canKill() && in.health() != RedisStatus.Health.OK && in.unansweredMillis() >= in.stallTimeoutMillis()) {
      // Pause-only fencing: the pause waits on the open fence connection. The README states what a
      // Redis that resumes later can still acknowledge.
      return null;
    }
    return "my Redis is not confirmed paused (" + (in.health() == RedisStatus.Health.OK ? "the pause was not acknowledged"
        : "it " + in.health().name().toLowerCase() + " for " + in.unansweredMillis() + " ms") + ")";
  }
}
