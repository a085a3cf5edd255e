package io.github.redisleaseha.cli;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.ops.ClusterClient;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code pause} and {@code resume}: maintenance mode, recorded on the Lease. While paused no node
 * takes a free or expired Lease, so nothing fails over automatically; the leader keeps renewing, and a
 * leader that cannot renew still fences its Redis, so there are still never two primaries.
 */
public final class PauseCommand {

  private PauseCommand() {}

  static int set(OpsCommand command, ClusterClient client, boolean paused) throws Exception {
    Map<String, String> mark = new HashMap<>();
    mark.put(LeaseState.PAUSED, paused ? "true" : null);
    client.updateLease(lease -> ClusterClient.annotate(lease, mark));
    command.out().println(paused
        ? "Paused " + client.leaseName() + ": no automatic failover until resume. Fencing stays on."
        : "Resumed " + client.leaseName() + ": automatic failover is on.");
    return 0;
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Maintenance mode: no automatic failover until resume (recorded on the Lease; fencing stays on).")
  public static final class Pause extends OpsCommand {
    @Override
    int run(ClusterClient client) throws Exception {
      return set(this, client, true);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "End maintenance mode: automatic failover again.")
  public static final class Resume extends OpsCommand {
    @Override
    int run(ClusterClient client) throws Exception {
      return set(this, client, false);
    }
  }
}
