package io.github.redisleaseha.http;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
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
 * The sidecar's HTTP endpoints. Read-only, open to anyone who reaches the port (probes, Prometheus,
 * the operator commands): {@code /healthz} (process alive), {@code /readyz} (leader promoted and
 * published, or replica in sync), {@code /role} (JSON) and {@code /metrics} (Prometheus).
 *
 * <p>Mutating, registered through {@link #mutating}: {@code POST /handover} (hand the leadership over
 * and stop contending, as a graceful stop does; the {@code prestop} command calls it),
 * {@code POST /switchover?to=POD}, and {@code POST /peer/heartbeat} (the leader's heartbeats to its
 * members, which may ask a member to renew the Lease for the leader or to promise not to take over). Each requires, in this order:
 *
 * <ol>
 *   <li>the POST method: anything else is answered 405 with {@code Allow: POST} before the
 *       credentials are looked at, so a GET (a probe, a browser, a link checker, a kubelet
 *       {@code httpGet} hook) never acts, with or without the key, and the answer says nothing about
 *       the key;
 *   <li>the cluster key as {@code Authorization: Bearer}, checked by {@link ClusterKeyAuth}: 401
 *       without it, 403 with a wrong one or when the sidecar has no key configured.
 * </ol>
 *
 * <p>A refused request changes nothing. There is no GET that hands over: the kubelet's preStop hook
 * is an exec of {@code redis-lease-ha prestop}, which reads the key file and POSTs {@code /handover}.
 */
public final class HttpApi implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  private static final Gson GSON = new Gson();

  /** Largest heartbeat body taken: a Lease with its annotations is about 1 KiB. */
  static final int MAX_PEER_BODY = 64 * 1024;

  private final HttpServer server;
  private final ClusterKeyAuth auth;

  /** The server with no endpoint yet; {@link #mutating} and {@link #open} add them. */
  HttpApi(int port, ClusterKeyAuth auth) throws IOException {
    this.auth = auth;
    server = HttpServer.create(new InetSocketAddress(port), 16);
    server.setExecutor(Executors.newFixedThreadPool(4, Thread.ofPlatform().name("http-", 0).daemon(true).factory()));
  }

  public HttpApi(int port, Sidecar sidecar, long handoverTimeoutMillis, ClusterKeyAuth auth) throws IOException {
    this(port, auth);
    open("/healthz", ex -> respond(ex, 200, "text/plain", "ok\n"));
    open("/readyz", ex -> {
      Sidecar.RoleView role = sidecar.role();
      respond(ex, role.ready() ? 200 : 503, "text/plain", (role.ready() ? "ready " : "not ready ") + role.role() + "\n");
    });
    open("/role", ex -> respond(ex, 200, "application/json", GSON.toJson(sidecar.role()) + "\n"));
    open("/metrics", ex -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      sidecar.metrics().write(out);
      respond(ex, 200, sidecar.metrics().contentType(), out.toByteArray());
    });
    // POST /handover: returns once the handover is done (at once on a replica, which then no longer
    // contends either).
    mutating("/handover", ex -> {
      try {
        String result = sidecar.handover().get(handoverTimeoutMillis * 2 + 1000, TimeUnit.MILLISECONDS);
        respond(ex, 200, "text/plain", result + "\n");
      } catch (Exception e) {
        log.warn("Handover request failed", e);
        respond(ex, 500, "text/plain", "handover failed\n");
      }
    });
    // POST /peer/heartbeat: the leader's heartbeat (JSON), answered with this member's reply (JSON):
    // 200 taken, 400 malformed, 409 refused (the reason in "refused"), 413 too large; only a 200
    // changes anything. Several a second, so a taken one is not logged.
    mutating(Sidecar.HEARTBEAT_PATH, ex -> {
      byte[] body = ex.getRequestBody().readNBytes(MAX_PEER_BODY + 1);
      if (body.length > MAX_PEER_BODY) {
        respond(ex, 413, "application/json", "{\"refused\":\"a heartbeat is at most " + MAX_PEER_BODY + " bytes\"}\n");
        return;
      }
      var answer = sidecar.heartbeat(new String(body, StandardCharsets.UTF_8));
      respond(ex, answer.status(), "application/json", answer.json() + "\n");
    });
    // POST /switchover?to=POD (or without "to": the most up-to-date replica): 200 once done, 409 with
    // the reason if refused, in which case nothing was changed.
    mutating("/switchover", ex -> {
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
  }

  /** A read-only endpoint: any method, no credentials. It must change nothing. */
  void open(String path, HttpHandler handler) {
    server.createContext(path, handler);
  }

  /**
   * Registers an endpoint that changes the cluster (moves the leader, or anything a peer may ask of
   * this sidecar later): {@code handler} runs only for a POST that carries the cluster key. Everything
   * else is answered here (405, 401, 403) and changes nothing.
   */
  public void mutating(String path, HttpHandler handler) {
    server.createContext(path, ex -> {
      String request = ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath();
      if (!"POST".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "POST");
        respond(ex, 405, "text/plain", "use POST: " + path + " changes the cluster\n");
        return;
      }
      ClusterKeyAuth.Verdict verdict = auth.check(ex.getRequestHeaders().getFirst("Authorization"));
      if (verdict instanceof ClusterKeyAuth.Refused refused) {
        auth.logRefusal(source(ex), request, refused);
        if (refused.challenge() != null) {
          ex.getResponseHeaders().set("WWW-Authenticate", refused.challenge());
        }
        respond(ex, refused.status(), "text/plain", refused.body());
        return;
      }
      if (!path.startsWith("/peer/")) {
        log.info("{} from {}, with the cluster key", request, source(ex));
      }
      handler.handle(ex);
    });
  }

  private static String source(HttpExchange ex) {
    InetSocketAddress remote = ex.getRemoteAddress();
    return remote == null || remote.getAddress() == null ? "an unknown address" : remote.getAddress().getHostAddress();
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
