package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.SidecarProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad configuration: the real jar exits with code 2, names the flag, and contacts neither Redis nor
 * the API server (both addresses point at a listener that counts connections).
 */
class BadFlagsIT {

  static ServerSocket listener;
  static final AtomicInteger connections = new AtomicInteger();

  @BeforeAll
  static void listen() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon(true).start(() -> {
      while (!listener.isClosed()) {
        try (var s = listener.accept()) {
          connections.incrementAndGet();
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  @AfterAll
  static void close() throws IOException {
    listener.close();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "--pod-name=                                  | --pod-name",
      "--namespace=                                 | --namespace",
      "--renew-deadline=5s                          | --renew-deadline",
      "--retry-period=3s                            | --retry-period",
      "--lease-duration=2500ms                      | --lease-duration",
      "--redis-port=70000                           | --redis-port",
      "--http-port=0                                | --http-port",
      "--announce-host=bad_host!                    | --announce-host",
      "--redis-password-file=/nonexistent/password  | --redis-password-file",
      "--health-failures=abc                        | --health-failures",
      "--peers=redis-0                              | --peers",
      "--endpoints-mode=both                        | --endpoints-mode",
      "--kube-api-url=ftp://x                       | --kube-api-url",
      "--role-label=-bad-                           | --role-label",
      "--log-format=xml                             | --log-format",
      "--redis-tls-ca-file=/nonexistent/ca.crt      | --redis-tls-ca-file",
      "--redis-tls-cert-file=/nonexistent/tls.crt   | --redis-tls-cert-file",
      "--min-replicas-max-lag=0                     | --min-replicas-max-lag",
      "--max-lag-bytes=-1                           | --max-lag-bytes",
      "--catchup-timeout=soon                       | --catchup-timeout",
      "--cluster-key-file=/nonexistent/cluster-key  | --cluster-key-file (CLUSTER_KEY_FILE): cannot read /nonexistent/cluster-key",
      "--cluster-key-file=/                         | --cluster-key-file (CLUSTER_KEY_FILE): cannot read /",
      "--renew-interval=2s                          | --renew-interval (RENEW_INTERVAL): plus --api-timeout must not exceed --renew-deadline",
      "--renew-interval=100ms                       | --renew-interval (RENEW_INTERVAL): must not be shorter than --retry-period",
      "--heartbeat-interval=10ms                    | --heartbeat-interval (HEARTBEAT_INTERVAL): must be at least 50ms",
      "--peer-timeout=5s                            | --peer-timeout (PEER_TIMEOUT): must be at least 10ms and shorter than --renew-deadline",
      "--peer-http-ports=redis-9=8081               | --peer-http-ports (PEER_HTTP_PORTS): 'redis-9' is not one of --peers (PEERS)",
      "--peer-http-ports=redis-1                    | --peer-http-ports (PEER_HTTP_PORTS): 'redis-1' is not name=port",
  })
  void rejectedWithExitCode2AndTheFlagNamed(String badFlag, String named) throws Exception {
    assertRejected(List.of(badFlag.trim()), Map.of(), named.trim());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "LEASE_DURATION=2500ms       | --lease-duration (LEASE_DURATION)",
      "RENEW_DEADLINE=9s           | --renew-deadline (RENEW_DEADLINE)",
      "ANNOUNCE_HOST=bad_host!     | --announce-host (ANNOUNCE_HOST)",
      "REDIS_PASSWORD_FILE=/none/x | --redis-password-file (REDIS_PASSWORD_FILE)",
      "ROLE_LABEL=a/b/c            | --role-label (ROLE_LABEL)",
      "HTTP_PORT=99999             | --http-port (HTTP_PORT)",
      "REDIS_TLS_KEY_FILE=/none/k  | --redis-tls-cert-file (REDIS_TLS_CERT_FILE) and --redis-tls-key-file",
      "CLUSTER_KEY_FILE=/none/key  | --cluster-key-file (CLUSTER_KEY_FILE): cannot read /none/key",
      "HEARTBEAT_INTERVAL=3s       | --heartbeat-interval (HEARTBEAT_INTERVAL)",
      "RENEW_INTERVAL=soon         | --renew-interval",
  })
  void badEnvironmentVariablesAreRejectedTheSameWay(String assignment, String named) throws Exception {
    String[] kv = assignment.trim().split("=", 2);
    assertRejected(List.of(), Map.of(kv[0], kv[1]), named.trim());
  }

  /** Key files that exist but hold no usable key: the problem is named, never the content. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "empty       | ''                          | is empty",
      "blank       | '     '                     | is empty",
      "short       | 'fifteen-bytes-k'           | holds a key of 15 bytes; at least 16 are needed",
      "spaces      | 'a cluster key with spaces' | holds characters other than visible ASCII",
  })
  void unusableClusterKeyFilesAreRejectedWithoutShowingTheKey(String name, String content, String problem,
      @TempDir Path dir) throws Exception {
    Path file = dir.resolve(name.trim());
    Files.writeString(file, content + "\n");
    String out = assertRejected(List.of("--cluster-key-file=" + file), Map.of(),
        "--cluster-key-file (CLUSTER_KEY_FILE): " + file + " " + problem.trim());
    if (content.strip().length() > 3) {
      assertThat(out).doesNotContain(content.strip());
    }
    // The same file through the environment variable.
    assertRejected(List.of(), Map.of("CLUSTER_KEY_FILE", file.toString()), "--cluster-key-file (CLUSTER_KEY_FILE): " + file);
  }

  private static String assertRejected(List<String> extraArgs, Map<String, String> extraEnv, String named) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(SidecarProcess.java(), "-jar", SidecarProcess.jar().toString(), "run",
        "--pod-name=redis-0", "--namespace=default",
        "--redis-port=" + listener.getLocalPort(), "--peers=redis-1=127.0.0.1:" + listener.getLocalPort(),
        "--kube-api-url=http://127.0.0.1:" + listener.getLocalPort()));
    if (!extraEnv.containsKey("ANNOUNCE_HOST")) {
      cmd.add("--announce-host=127.0.0.1");
    }
    cmd.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> List.of("POD_NAME", "POD_NAMESPACE", "REDIS_PASSWORD", "CLUSTER_KEY_FILE").contains(k));
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as(out).isEqualTo(2);
    assertThat(out).contains(named);
    assertThat(connections.get()).as("connections to Redis or the API server").isZero();
    return out;
  }
}
