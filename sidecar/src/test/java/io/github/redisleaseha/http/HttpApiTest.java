package io.github.redisleaseha.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.config.ClusterKey;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mutating-endpoint frame of {@link HttpApi} on a real JDK HTTP server: method, then key, then the handler. */
class HttpApiTest {

  static final String KEY = "the-cluster-key-0123456789abcdef";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  HttpApi api;
  final AtomicInteger acted = new AtomicInteger();
  final AtomicInteger looked = new AtomicInteger();

  HttpApi start(ClusterKeyAuth auth) throws Exception {
    api = new HttpApi(0, auth);
    api.mutating("/act", ex -> {
      acted.incrementAndGet();
      byte[] body = "done\n".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    api.open("/look", ex -> {
      looked.incrementAndGet();
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    api.start();
    return api;
  }

  ClusterKeyAuth withKey() throws Exception {
    return ClusterKeyAuth.of(ClusterKey.read(Files.writeString(dir.resolve("key"), KEY)));
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
  }

  HttpResponse<String> send(String method, String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anythingButPostIs405WithAllowPostEvenWithTheKey() throws Exception {
    start(withKey());
    for (String method : new String[] {"GET", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
      for (String authorization : new String[] {null, "Bearer " + KEY}) {
        HttpResponse<String> r = send(method, "/act", authorization);
        assertThat(r.statusCode()).as(method).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).as(method).hasValue("POST");
      }
    }
    assertThat(acted).as("handler runs").hasValue(0);
  }

  @Test
  void postWithoutTheKeyIs401WithAChallengeAndWithAWrongKey403() throws Exception {
    start(withKey());
    HttpResponse<String> none = send("POST", "/act", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(none.body()).contains("missing cluster key");
    HttpResponse<String> wrong = send("POST", "/act", "Bearer not-the-key-0123456789");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(wrong.body()).isEqualTo("wrong cluster key\n");
    assertThat(acted).hasValue(0);

    HttpResponse<String> right = send("POST", "/act?to=x", "Bearer " + KEY);
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(right.body()).isEqualTo("done\n");
    assertThat(acted).hasValue(1);
  }

  @Test
  void withoutAKeyConfiguredMutatingEndpointsAreDisabledAndReadOnlyOnesOpen() throws Exception {
    start(ClusterKeyAuth.of(null));
    HttpResponse<String> r = send("POST", "/act", "Bearer " + KEY);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("no cluster key configured: start the sidecar with --cluster-key-file\n");
    assertThat(send("GET", "/act", null).statusCode()).isEqualTo(405);
    assertThat(acted).hasValue(0);
    assertThat(send("GET", "/look", null).statusCode()).isEqualTo(200);
    assertThat(looked).hasValue(1);
  }
}
