package io.github.redisleaseha.cli;

import io.github.redisleaseha.config.ClusterKey;
import io.github.redisleaseha.ops.ClusterClient;
import io.github.redisleaseha.ops.ClusterView;
import io.github.redisleaseha.ops.Preflight;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code switchover}: a coordinated move of the leadership, losing no acknowledged write. */
@Command(name = "switchover", mixinStandardHelpOptions = true,
    description = "Move the leadership to an in-sync replica (default: the most up-to-date one) with no acknowledged write lost.")
public final class SwitchoverCommand extends OpsCommand {

  @Option(names = "--to", description = "The member to lead next (a pod name).")
  String to;

  @Option(names = "--cluster-key-file", defaultValue = "${env:CLUSTER_KEY_FILE}",
      description = "File holding the cluster key, which the leader's sidecar requires; set already inside a sidecar"
          + " container. Env CLUSTER_KEY_FILE.")
  Path clusterKeyFile;

  private ClusterKey key;

  @Override
  void checkArguments() throws ClusterOptions.UsageError {
    if (clusterKeyFile == null) {
      throw new ClusterOptions.UsageError(ClusterKey.FLAG + ": required; the leader's sidecar accepts a switchover only"
          + " with the cluster key (inside a sidecar container CLUSTER_KEY_FILE names it already)");
    }
    try {
      key = ClusterKey.read(clusterKeyFile);
    } catch (ClusterKey.UnusableKeyException e) {
      throw new ClusterOptions.UsageError(ClusterKey.FLAG + ": " + e.getMessage());
    }
  }

  @Override
  int run(ClusterClient client) throws Exception {
    ClusterView view = client.view();
    Optional<String> refusal = Preflight.switchover(view, to, cluster.maxLagBytes);
    if (refusal.isPresent()) {
      return refuse(refusal.get());
    }
    ClusterView.Member leader = view.leader().orElseThrow();
    out().println("Asking " + leader.name() + " to hand over" + (to == null ? "" : " to " + to) + "...");
    out().flush();
    HttpResponse<String> reply = client.switchover(leader, to, Duration.ofSeconds(60), key);
    String text = reply.body().strip();
    if (reply.statusCode() == 409) {
      return refuse(text);
    }
    if (reply.statusCode() == 401 || reply.statusCode() == 403) {
      return refuse(leader.name() + "'s sidecar refused the request (" + reply.statusCode() + ": " + text
          + "); is " + clusterKeyFile + " this cluster's key?");
    }
    if (reply.statusCode() != 200 || !text.contains("handed over to")) {
      err().println("Switchover did not complete: " + text);
      return REFUSED;
    }
    out().println(text);
    return 0;
  }
}
