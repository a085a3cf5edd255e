package io.github.redisleaseha.cli;

import io.github.redisleaseha.config.ClusterKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prestop}: the sidecar container's preStop hook ({@code exec}), so that no endpoint that hands
 * the leadership over has to answer a GET. It reads the cluster key from the file the sidecar reads,
 * POSTs {@code /handover} to this pod's own sidecar and waits for the answer, which comes once the
 * handover is done (at once on a replica, which then stops contending). The pod's environment
 * ({@code HTTP_PORT}, {@code CLUSTER_KEY_FILE}, {@code HANDOVER_TIMEOUT}) already names everything.
 *
 * <p>Exit codes: 0 handed over, or nothing to hand over; 1 the sidecar did not hand over (it refused,
 * failed, could not be reached, or did not answer in time; printed); 2 bad arguments (the flag named;
 * nothing contacted). The kubelet shows a failing hook's output in the pod's events and goes on
 * stopping the pod; the sidecar's SIGTERM handler then tries the handover once more.
 */
@Command(name = "prestop", mixinStandardHelpOptions = true,
    description = "preStop hook of the sidecar container: ask this pod's sidecar to hand the leadership over"
        + " (POST /handover with the cluster key) and wait until it has.")
public final class PrestopCommand implements Callable<Integer> {

  static final int NOT_DONE = 1;
  static final int USAGE = 2;

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?|[0-9a-fA-F:.]+");

  @Option(names = "--http-port", defaultValue = "${env:HTTP_PORT:-8080}", description = "The sidecar's HTTP port. Env HTTP_PORT. Default: ${DEFAULT-VALUE}.")
  int httpPort;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Where the sidecar listens: its own pod. Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(names = "--cluster-key-file", defaultValue = "${env:CLUSTER_KEY_FILE}", description = "File holding the cluster key. Env CLUSTER_KEY_FILE.")
  Path clusterKeyFile;

  @Option(names = "--handover-timeout", defaultValue = "${env:HANDOVER_TIMEOUT:-10s}", converter = RunCommand.DurationConverter.class,
      description = "The sidecar's --handover-timeout. Env HANDOVER_TIMEOUT. Default: ${DEFAULT-VALUE}.")
  Duration handoverTimeout;

  @Option(names = "--timeout", converter = RunCommand.DurationConverter.class,
      description = "How long to wait for the sidecar's answer. Default: twice --handover-timeout plus 2 s (the sidecar"
          + " itself answers within twice the handover timeout plus 1 s).")
  Duration timeout;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      return run(out, err);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private int run(PrintWriter out, PrintWriter err) {
    if (httpPort < 1 || httpPort > 65535) {
      err.println("invalid arguments: --http-port (HTTP_PORT): " + httpPort + " is not a port (1-65535)");
      return USAGE;
    }
    if (host == null || !HOST.matcher(host).matches()) {
      err.println("invalid arguments: --host: '" + host + "' is not a host name or IP address");
      return USAGE;
    }
    if (handoverTimeout.isZero() || handoverTimeout.isNegative() || (timeout != null && (timeout.isZero() || timeout.isNegative()))) {
      err.println("invalid arguments: --handover-timeout (HANDOVER_TIMEOUT) and --timeout: must be positive");
      return USAGE;
    }
    if (clusterKeyFile == null) {
      err.println("invalid arguments: " + ClusterKey.FLAG + ": required; the sidecar hands over only for a request"
          + " that carries the cluster key");
      return USAGE;
    }
    ClusterKey key;
    try {
      key = ClusterKey.read(clusterKeyFile);
    } catch (ClusterKey.UnusableKeyException e) {
      err.println("invalid arguments: " + ClusterKey.FLAG + ": " + e.getMessage());
      return USAGE;
    }
    Duration wait = timeout != null ? timeout : handoverTimeout.multipliedBy(2).plusSeconds(2);
    URI uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + httpPort + "/handover");
    HttpClient http = HttpClient.newBuilder().connectTimeout(min(wait, Duration.ofSeconds(2))).build();
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(wait)
        .header("Authorization", key.bearer())
        .POST(HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> reply;
    try {
      reply = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.net.http.HttpConnectTimeoutException | java.net.ConnectException e) {
      err.println("No handover: the sidecar at " + uri + " could not be reached (" + e.getClass().getSimpleName() + ")");
      return NOT_DONE;
    } catch (java.net.http.HttpTimeoutException e) {
      err.println("No handover: the sidecar at " + uri + " did not answer within " + wait.toMillis() + " ms");
      return NOT_DONE;
    } catch (IOException e) {
      err.println("No handover: the request to the sidecar at " + uri + " failed (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
      return NOT_DONE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("No handover: interrupted while waiting for the sidecar");
      return NOT_DONE;
    }
    String text = reply.body().strip();
    if (reply.statusCode() == 200) {
      out.println(text);
      return 0;
    }
    err.println("No handover: the sidecar answered " + reply.statusCode() + ": " + text);
    return NOT_DONE;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }
}
