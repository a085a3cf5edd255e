package io.github.redisleaseha.harness;

import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * The embedded Kubernetes API server of the local cluster: fabric8's mock server in CRUD mode, run as
 * its own process so that sidecars reach it over HTTP exactly as they would a real API server.
 * Prints {@code LISTENING <port>} once it serves; runs until killed or its standard input closes.
 * Arguments: bind address, port (0: any free one), and optionally a file to which every request is
 * appended as {@code METHOD path user-agent} (to check the chart's RBAC against what the sidecars really call).
 */
public final class MockApiServerMain {

  public static void main(String[] args) throws Exception {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    Path requestLog = args.length > 2 ? Path.of(args[2]) : null;
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMixedDispatcher dispatcher =
        requestLog == null ? new KubernetesMixedDispatcher(responses) : new RecordingDispatcher(responses, requestLog);
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses, dispatcher, false);
    server.init(InetAddress.getByName(host), port);
    System.out.println("LISTENING " + server.getPort());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    // Stay up until the parent goes away (its end of our stdin closes) or we are killed.
    while (System.in.read() >= 0) {
      // ignore input
    }
    server.destroy();
    System.exit(0);
  }

  /** Appends {@code METHOD path user-agent} of each request to a file before serving it. */
  private static final class RecordingDispatcher extends KubernetesMixedDispatcher {
    private final Path log;

    RecordingDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses, Path log) {
      super(responses);
      this.log = log;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      try {
        synchronized (this) {
          Files.writeString(log, request.getMethod() + " " + request.getPath() + " " + request.getHeader("User-Agent") + "\n", StandardCharsets.UTF_8,
              StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return super.dispatch(request);
    }
  }
}
