package io.github.redisleaseha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code prestop} against a stand-in for the sidecar's HTTP API: what it sends, and its exit codes. */
class PrestopCommandTest {

  static final String KEY = "the-cluster-key-0123456789abcdef";

  @TempDir
  Path dir;

  HttpServer server;
  final AtomicReference<String> method = new AtomicReference<>();
  final AtomicReference<String> authorization = new AtomicReference<>();
  final AtomicInteger status = new AtomicInteger(200);
  final AtomicReference<String> answer = new AtomicReference<>("I am redis-0 and handed over to redis-1\n");

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    server.createContext("/handover", ex -> {
      method.set(ex.getRequestMethod());
      authorization.set(ex.getRequestHeaders().getFirst("Authorization"));
      byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status.get(), body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  record Run(int exit, String out, String err) {}

  Run prestop(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of("prestop", "--host", "127.0.0.1"));
    all.addAll(List.of(args));
    int exit = cl.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  String port() {
    return Integer.toString(server.getAddress().getPort());
  }

  Path keyFile() throws Exception {
    return Files.writeString(dir.resolve("key"), KEY + "\n");
  }

  @Test
  void postsTheHandoverWithTheKeyAndPrintsTheAnswer() throws Exception {
    Run r = prestop("--http-port", port(), "--cluster-key-file", keyFile().toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("handed over to redis-1");
    assertThat(method.get()).isEqualTo("POST");
    assertThat(authorization.get()).isEqualTo("Bearer " + KEY);
    assertThat(r.out() + r.err()).doesNotContain(KEY);
  }

  @Test
  void aRefusalOrAnUnreachableSidecarExits1() throws Exception {
    status.set(403);
    answer.set("wrong cluster key\n");
    Run refused = prestop("--http-port", port(), "--cluster-key-file", keyFile().toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("No handover: the sidecar answered 403: wrong cluster key");

    server.stop(0);
    Run unreachable = prestop("--http-port", port(), "--cluster-key-file", keyFile().toString(), "--timeout", "2s");
    assertThat(unreachable.exit()).isEqualTo(1);
    assertThat(unreachable.err()).contains("No handover: the sidecar at http://127.0.0.1:" + port() + "/handover could not be reached");
  }

  @Test
  void aSidecarThatDoesNotAnswerInTimeExits1() throws Exception {
    server.removeContext("/handover");
    server.createContext("/handover", ex -> {
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    Run slow = prestop("--http-port", port(), "--cluster-key-file", keyFile().toString(), "--timeout", "500ms");
    assertThat(slow.exit()).isEqualTo(1);
    assertThat(slow.err()).contains("did not answer within 500 ms");
  }

  @Test
  void aMissingOrUnusableKeyExits2NamingTheFlagAndContactsNothing() throws Exception {
    Run none = prestop("--http-port", port());
    // The test JVM may have CLUSTER_KEY_FILE in its environment; only check when it does not.
    if (System.getenv("CLUSTER_KEY_FILE") == null) {
      assertThat(none.exit()).isEqualTo(2);
      assertThat(none.err()).contains("--cluster-key-file (CLUSTER_KEY_FILE): required");
    }
    Path shortKey = Files.writeString(dir.resolve("short"), "too-short");
    Run bad = prestop("--http-port", port(), "--cluster-key-file", shortKey.toString());
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--cluster-key-file (CLUSTER_KEY_FILE): " + shortKey + " holds a key of 9 bytes");
    Run badPort = prestop("--http-port", "0", "--cluster-key-file", keyFile().toString());
    assertThat(badPort.exit()).isEqualTo(2);
    assertThat(badPort.err()).contains("--http-port (HTTP_PORT)");
    assertThat(method.get()).as("requests made").isNull();
  }
}
