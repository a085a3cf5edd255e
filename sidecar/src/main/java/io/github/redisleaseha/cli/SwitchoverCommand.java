package io.github.redisleaseha.cli;

import io.github.redisleaseha.ops.ClusterClient;
import io.github.redisleaseha.ops.ClusterView;
import io.github.redisleaseha.ops.Preflight;
import java.net.http.HttpResponse;
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
    HttpResponse<String> reply = client.switchover(leader, to, Duration.ofSeconds(60));
    String text = reply.body().strip();
    if (reply.statusCode() == 409) {
      return refuse(text);
    }
    if (reply.statusCode() != 200 || !text.contains("handed over to")) {
      err().println("Switchover did not complete: " + text);
      return REFUSED;
    }
    out().println(text);
    return 0;
  }
}
