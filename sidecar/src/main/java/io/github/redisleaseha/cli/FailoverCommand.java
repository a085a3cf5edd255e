package io.github.redisleaseha.cli;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.ops.ClusterClient;
import io.github.redisleaseha.ops.ClusterView;
import io.github.redisleaseha.ops.Preflight;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code failover --to POD}: forced, for when the leader is gone and waiting is worse than losing
 * what it had not replicated. Frees the Lease marked for the target, which may then take it even if
 * it lags; any other node stays out. The old leader, if it comes back, finds the Lease lost, fences
 * itself and is demoted.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = "Force a member to lead when the leader is gone. May lose acknowledged writes; asks first unless --yes.")
public final class FailoverCommand extends OpsCommand {

  @Option(names = "--to", required = true, description = "The member to lead (a pod name).")
  String to;

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Option(names = "--wait", defaultValue = "30s", converter = RunCommand.DurationConverter.class,
      description = "How long to wait for the target to lead. Default: ${DEFAULT-VALUE}.")
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
    long until = System.currentTimeMillis() + Math.max(wait.toMillis(), 10_000);
    Map<String, String> mark = new HashMap<>();
    mark.put(LeaseState.HANDOVER_TO, to);
    mark.put(LeaseState.HANDOVER_UNTIL, Long.toString(until));
    mark.put(LeaseState.FORCED, "true");
    client.updateLease(lease -> {
      ClusterClient.annotate(lease, mark);
      lease.getSpec().setHolderIdentity(null);
      return lease;
    });
    out().println("Freed the Lease for " + to + "; waiting for it to lead...");
    out().flush();
    long deadline = System.nanoTime() + wait.toNanos();
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
