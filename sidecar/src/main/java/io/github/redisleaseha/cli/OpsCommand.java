package io.github.redisleaseha.cli;

import io.github.redisleaseha.ops.ClusterClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Shared frame of the operations commands. Exit codes: 0 done, 1 refused or failed (with the
 * reason; nothing changed when refused), 2 bad flags (the flag named; nothing contacted).
 */
abstract class OpsCommand implements Callable<Integer> {

  static final int REFUSED = 1;
  static final int USAGE = 2;

  @Mixin
  ClusterOptions cluster;

  @Spec
  CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Checks this command's own arguments before anything is contacted; the message names the flag. */
  void checkArguments() throws ClusterOptions.UsageError {}

  @Override
  public final Integer call() throws Exception {
    ClusterClient client;
    try {
      checkArguments();
      client = cluster.connect();
    } catch (ClusterOptions.UsageError e) {
      err().println("invalid arguments: " + e.getMessage());
      return USAGE;
    }
    try {
      return run(client);
    } catch (ApiException e) {
      err().println("The Kubernetes API answered " + e.getCode() + ": " + firstLine(e.getMessage()));
      return REFUSED;
    } finally {
      out().flush();
      err().flush();
    }
  }

  abstract int run(ClusterClient client) throws Exception;

  int refuse(String reason) {
    err().println("Refused: " + reason + ". Nothing was changed.");
    return REFUSED;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
