package io.github.redisleaseha.http;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.redisleaseha.node.Sidecar;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's HTTP endpoints, called by probes and the preStop hook:
 * {@code /healthz} (process alive), {@code /readyz} (leader promoted and published, or replica in
 * sync), {@code /role} (JSON) and {@code POST /handover}.
 */
public final class HttpApi implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  private static final Gson GSON = new Gson();

  private final HttpServer server;

  public HttpApi(int port, Sidecar sidecar, long handoverTimeoutMillis) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 16);
    server.setExecutor(Executors.newFixedThreadPool(2, Thread.ofPlatform().name("http-", 0).daemon(true).factory()));
    server.createContext("/healthz", ex -> respond(ex, 200, "text/plain", "ok\n"));
    server.createContext("/readyz", ex -> {
      Sidecar.RoleView role = sidecar.role();
      respond(ex, role.ready() ? 200 : 503, "text/plain", (role.ready() ? "ready " : "not ready ") + role.role() + "\n");
    });
    server.createContext("/role", ex -> respond(ex, 200, "application/json", GSON.toJson(sidecar.role()) + "\n"));
    // POST /handover for people and tools; GET /prestop for the kubelet's preStop hook, which can
    // only send GET. Both return once the handover is done (at once on a replica).
    server.createContext("/handover", ex -> handover(ex, "POST", sidecar, handoverTimeoutMillis));
    server.createContext("/prestop", ex -> handover(ex, "GET", sidecar, handoverTimeoutMillis));
  }

  private static void handover(HttpExchange ex, String method, Sidecar sidecar, long timeoutMillis) throws IOException {
    if (!method.equals(ex.getRequestMethod())) {
      respond(ex, 405, "text/plain", "use " + method + "\n");
      return;
    }
    try {
      String result = sidecar.handover().get(timeoutMillis * 2 + 1000, TimeUnit.MILLISECONDS);
      respond(ex, 200, "text/plain", result + "\n");
    } catch (Exception e) {
      log.warn("Handover request failed", e);
      respond(ex, 500, "text/plain", "handover failed\n");
    }
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
