package io.github.redisleaseha.cli;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.ops.ClusterClient;
import io.github.redisleaseha.ops.ClusterView;
import io.github.redisleaseha.ops.ForcedFailover;
import io.github.redisleaseha.ops.Preflight;
import io.kubernetes.client.openapi.models.V1Lease;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code failover --to POD}: forced, for when the leader is gone (or cannot be reached) and waiting
 * for it is worse than losing what it had not replicated. Marks the Lease for the target, waits until
 * the holder takes no more writes ({@link ForcedFailover}: its sidecar confirms its fence, or its Lease
 * goes unrenewed for its own lease duration on this process's monotonic clock), and only then frees
 * the Lease; the target may then take it even if it lags, and any other node stays out. The old
 * leader, if it comes back, finds the Lease lost, stays fenced and is demoted.
 *
 * <p>Order of writes (the invariant of issue 10, item 7): mark first, free later. A holder's Lease
 * lock stops renewing once it sees a forced mark for someone else, and fences at its renew deadline;
 * freeing in the same write as the mark let the target promote while a leader the command could not
 * reach still took writes. If the wait ends first, the mark is removed and nothing else has changed.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = "Force a member to lead when the leader is gone. May lose acknowledged writes; asks first unless --yes.")
public final class FailoverCommand extends OpsCommand {

  /** How often the Lease and the holder's sidecar are read while waiting. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  @Option(names = "--to", required = true, description = "The member to lead (a pod name).")
  String to;

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Option(names = "--wait", defaultValue = "30s", converter = RunCommand.DurationConverter.class,
      description = "How long to wait, in all, for the leader to stop taking writes and the target to lead."
          + " Default: ${DEFAULT-VALUE}.")
  Duration wait;

  @Override
  int run(ClusterClient client) throws Exception {
    ClusterView view = client.view();
    Optional<String> refusal = Preflight.failover(view, to);
    if (refusal.isPresent()) {
      return refuse(refusal.get());
    }
    out().println("WARNING: " + Preflight.failoverRisk(view, to));
    out().flush();
    if (!yes && !confirmed()) {
      return refuse("not confirmed (type yes at the prompt, or pass --yes)");
    }
    long started = System.nanoTime();
    long until = System.currentTimeMillis() + Math.max(wait.toMillis(), 10_000);
    // Bounded by --wait and by the mark's own end (the only clock the mark has is the wall clock).
    long deadline = started + Math.min(wait.toNanos(),
        TimeUnit.MILLISECONDS.toNanos(until - System.currentTimeMillis()));
    Map<String, String> mark = LeaseState.handoverMark(to, until, true);
    V1Lease marked = client.updateLease(lease -> ClusterClient.annotate(lease, mark));
    ForcedFailover.VersionClock clock = new ForcedFailover.VersionClock(version(marked), System.nanoTime());
    String holderAtMark = holder(marked);
    if (holderAtMark != null && !holderAtMark.equals(to)) {
      out().println("Marked the Lease for " + to + "; " + holderAtMark
          + " renews it no more. Waiting until it takes no more writes before freeing it...");
      out().flush();
    }

    String freed = awaitFree(client, clock, mark, holderAtMark, deadline);
    if (freed == null) {
      return REFUSED;
    }
    out().println(freed);
    out().flush();
    while (System.nanoTime() < deadline) {
      ClusterView now = client.view();
      if (now.leader().map(m -> m.name().equals(to)).orElse(false) && to.equals(now.endpointMember())) {
        out().println(to + " leads and the write endpoint points at it.");
        return 0;
      }
      Thread.sleep(100);
    }
    err().println(to + " did not take over within " + wait.toSeconds() + " s; see its sidecar's log");
    return REFUSED;
  }

  /**
   * Waits until {@link ForcedFailover} lets the Lease go to the target and frees it; returns what to
   * print, or null (after saying why, and removing the mark) if the wait ended first.
   */
  private String awaitFree(ClusterClient client, ForcedFailover.VersionClock clock, Map<String, String> mark,
      String holderAtMark, long deadline) throws Exception {
    String lastWait = null;
    ClusterView.Member lastAsked = null;
    while (true) {
      V1Lease lease = client.lease();
      long now = System.nanoTime();
      if (lease == null) {
        err().println("The Lease " + client.leaseName() + " disappeared while waiting to free it for " + to
            + "; nothing else was changed.");
        return null;
      }
      long unchanged = clock.observe(version(lease), now);
      String holder = holder(lease);
      // The target, once it holds the Lease, clears the mark when it has promoted: check the mark only
      // while someone else holds it.
      if (!to.equals(holder) && !carries(lease, mark)) {
        err().println("Someone else changed the failover mark on the Lease while this command waited; not freeing"
            + " it. Nothing else was changed.");
        return null;
      }
      int seconds = lease.getSpec() == null || lease.getSpec().getLeaseDurationSeconds() == null
          ? 0 : lease.getSpec().getLeaseDurationSeconds();
      ForcedFailover.Observation o = new ForcedFailover.Observation(holder, seconds, unchanged,
          lastAsked == null ? null : lastAsked.status(), lastAsked == null ? null : lastAsked.error());
      if (holder != null && !holder.equals(to) && ForcedFailover.nanosUntilExpiry(o) != 0) {
        // The Lease alone does not decide: ask the holder's sidecar now (a report from an earlier
        // round may be stale; it only words the sentence of an expiry). Asking a partitioned node can
        // take its whole timeout; the Lease is read again after it anyway.
        lastAsked = client.ask(holder);
        o = new ForcedFailover.Observation(holder, seconds, unchanged, lastAsked.status(), lastAsked.error());
      }
      ForcedFailover.Verdict v = ForcedFailover.decide(o, to);
      switch (v) {
        case ForcedFailover.Verdict.TargetHolds t -> {
          return holderAtMark == null || holderAtMark.equals(to)
              ? t.sentence() + "; nothing to free. Waiting for it to lead..."
              : to + " took the Lease itself once " + holderAtMark + " stopped renewing it; nothing to free."
                  + " Waiting for it to lead...";
        }
        case ForcedFailover.Verdict.Free f -> {
          if (f.reason() == ForcedFailover.Reason.NO_HOLDER) {
            return "The Lease for " + to + " is free (" + f.sentence() + "); waiting for " + to + " to lead...";
          }
          if (client.free(lease)) {
            return "Freed the Lease for " + to + ": " + f.sentence() + ". Waiting for it to lead...";
          }
          // It changed since it was read: judge it again.
        }
        case ForcedFailover.Verdict.Wait w -> {
          if (now >= deadline) {
            boolean removed = client.removeMark(mark);
            err().println("Gave up after " + wait.toSeconds() + " s " + w.sentence() + ". "
                + (removed ? "Removed the failover mark; nothing else was changed."
                    : "The failover mark was already gone; nothing else was changed."));
            return null;
          }
          if (lastWait == null) {
            out().println(capitalised(w.sentence()) + "...");
            out().flush();
          }
          lastWait = w.sentence();
          long expiry = ForcedFailover.nanosUntilExpiry(o);
          long sleep = Math.min(POLL_NANOS, deadline - now);
          if (expiry >= 0) {
            // Read again right when the Lease would count as expired, not up to a poll period later.
            sleep = Math.min(sleep, expiry - (System.nanoTime() - now) + TimeUnit.MILLISECONDS.toNanos(1));
          }
          TimeUnit.NANOSECONDS.sleep(Math.max(sleep, 0));
        }
      }
    }
  }

  private static String holder(V1Lease lease) {
    String h = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    return h == null || h.isBlank() ? null : h;
  }

  private static String version(V1Lease lease) {
    return lease.getMetadata() == null ? null : lease.getMetadata().getResourceVersion();
  }

  private static boolean carries(V1Lease lease, Map<String, String> mark) {
    Map<String, String> a = lease.getMetadata() == null ? null : lease.getMetadata().getAnnotations();
    return a != null && mark.entrySet().stream().allMatch(e -> e.getValue().equals(a.get(e.getKey())));
  }

  private static String capitalised(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private boolean confirmed() throws Exception {
    if (System.console() == null) {
      return false;
    }
    out().print("Type yes to force " + to + " to lead: ");
    out().flush();
    String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    return "yes".equals(answer == null ? null : answer.strip());
  }
}
