package io.github.redisleaseha.http;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.redisleaseha.node.Sidecar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's HTTP endpoints, called by probes and the preStop hook:
 * {@code /healthz} (process alive), {@code /readyz} (leader promoted and published, or replica in
 * sync), {@code /role} (JSON), {@code /metrics} (Prometheus), {@code POST /handover} and
 * {@code GET /prestop} (the same handover, for the kubelet), and {@code POST /switchover?to=POD}.
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
    // POST /switchover?to=POD (or without "to": the most up-to-date replica): 200 once done, 409 with
    // the reason if refused, in which case nothing was changed.
    server.createContext("/switchover", ex -> {
      if (!"POST".equals(ex.getRequestMethod())) {
        respond(ex, 405, "text/plain", "use POST\n");
        return;
      }
      String to = query(ex, "to");
      try {
        String result = sidecar.switchover(to).get(handoverTimeoutMillis * 2 + 1000, TimeUnit.MILLISECONDS);
        respond(ex, 200, "text/plain", result + "\n");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Sidecar.Refused refused) {
          respond(ex, 409, "text/plain", refused.getMessage() + "\n");
        } else {
          log.warn("Switchover request failed", e.getCause());
          respond(ex, 500, "text/plain", "switchover failed\n");
        }
      } catch (Exception e) {
        log.warn("Switchover request failed", e);
        respond(ex, 500, "text/plain", "switchover failed\n");
      }
    });
    server.createContext("/metrics", ex -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      sidecar.metrics().write(out);
      respond(ex, 200, sidecar.metrics().contentType(), out.toByteArray());
    });
  }

  /** A query parameter's value (URL-decoded), or null. */
  static String query(HttpExchange ex, String name) {
    String q = ex.getRequestURI().getRawQuery();
    if (q == null) {
      return null;
    }
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        return value.isBlank() ? null : value;
      }
    }
    return null;
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
    respond(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
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
