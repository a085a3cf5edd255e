package io.github.redisleaseha.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * A fault-injecting HTTP proxy in front of the embedded API server, run as its own process (in the
 * API server's network namespace). {@code GET /__fault?mode=pass|error|slow&delay=MS} switches what
 * it does with every other request: forward it, answer 500, or forward it after a delay. Prints
 * {@code LISTENING <port>}; arguments: bind address, upstream base URL.
 */
public final class FaultProxyMain {

  private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

  private static volatile String mode = "pass";
  private static volatile long delayMillis = 0;

  public static void main(String[] args) throws Exception {
    String upstream = args[1];
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpServer server = HttpServer.create(new InetSocketAddress(args[0], 0), 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/__fault", ex -> {
      String q = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
      for (String pair : q.split("&")) {
        String[] kv = pair.split("=", 2);
        if (kv.length == 2 && kv[0].equals("mode")) {
          mode = kv[1];
        } else if (kv.length == 2 && kv[0].equals("delay")) {
          delayMillis = Long.parseLong(kv[1]);
        }
      }
      respond(ex, 200, ("mode " + mode + " delay " + delayMillis + "\n").getBytes(StandardCharsets.UTF_8));
    });
    server.createContext("/", ex -> {
      try {
        if (mode.equals("error")) {
          ex.getRequestBody().readAllBytes();
          respond(ex, 500, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"injected fault\",\"code\":500}"
              .getBytes(StandardCharsets.UTF_8));
          return;
        }
        if (mode.equals("slow")) {
          Thread.sleep(delayMillis);
        }
        byte[] body = ex.getRequestBody().readAllBytes();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + ex.getRequestURI()))
            .timeout(Duration.ofSeconds(30))
            .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        ex.getRequestHeaders().forEach((k, values) -> {
          if (!RESTRICTED.contains(k.toLowerCase())) {
            values.forEach(v -> b.header(k, v));
          }
        });
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        r.headers().map().forEach((k, values) -> {
          if (!RESTRICTED.contains(k.toLowerCase()) && !k.equals(":status") && !k.equalsIgnoreCase("transfer-encoding")) {
            ex.getResponseHeaders().put(k, values);
          }
        });
        respond(ex, r.statusCode(), r.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        respond(ex, 502, new byte[0]);
      } catch (IOException e) {
        respond(ex, 502, new byte[0]);
      }
    });
    server.start();
    System.out.println("LISTENING " + server.getAddress().getPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // until the parent goes away
    }
    server.stop(0);
    System.exit(0);
  }

  private static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
