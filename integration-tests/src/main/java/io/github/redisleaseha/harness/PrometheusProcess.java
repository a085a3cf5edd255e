package io.github.redisleaseha.harness;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) as a child process, scraping given
 * targets every second and evaluating given rule files every second, with its HTTP API on a free
 * loopback port. For tests of the alert rules against running sidecars.
 */
public final class PrometheusProcess implements AutoCloseable {

  /** One scrape target: {@code host:port} of a sidecar's HTTP port, and the labels a PodMonitor would give it. */
  public record Target(String address, Map<String, String> labels) {}

  /** An alert as Prometheus reports it: its name, its state (pending or firing) and its labels. */
  public record Alert(String name, String state, Map<String, String> labels) {}

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Proc proc;
  private final String url;
  private final Path log;

  private PrometheusProcess(Proc proc, String url, Path log) {
    this.proc = proc;
    this.url = url;
    this.log = log;
  }

  /** Starts Prometheus in {@code dir} and waits until it is ready. */
  public static PrometheusProcess start(Path dir, List<Target> targets, List<Path> ruleFiles) {
    try {
      Files.createDirectories(dir);
      StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n");
      config.append("rule_files:\n");
      for (Path r : ruleFiles) {
        config.append("  - ").append(r.toAbsolutePath()).append('\n');
      }
      config.append("scrape_configs:\n  - job_name: redis-lease-ha\n    metrics_path: /metrics\n    static_configs:\n");
      for (Target t : targets) {
        config.append("      - targets: ['").append(t.address()).append("']\n        labels:\n");
        t.labels().forEach((k, v) -> config.append("          ").append(k).append(": '").append(v).append("'\n"));
      }
      Path file = dir.resolve("prometheus.yml");
      Files.writeString(file, config.toString());
      int port = FreePorts.find("127.0.0.1");
      Path log = dir.resolve("prometheus.log");
      Proc proc = Proc.start("prometheus", List.of("prometheus", "--config.file=" + file,
          "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
          "--storage.tsdb.retention.time=1h"), log, Map.of());
      PrometheusProcess p = new PrometheusProcess(proc, "http://127.0.0.1:" + port, log);
      Awaitility.await("Prometheus ready").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptions().until(() -> p.get("/-/ready").statusCode() == 200);
      return p;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject api(String path) {
    try {
      HttpResponse<String> r = get(path);
      JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
      if (r.statusCode() != 200 || !"success".equals(body.get("status").getAsString())) {
        throw new IllegalStateException("Prometheus answered " + r.statusCode() + " to " + path + ": " + r.body());
      }
      return body.getAsJsonObject("data");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The values of an instant query's result vector, one per series. */
  public List<Double> query(String promql) {
    JsonArray result = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).getAsJsonArray("result");
    List<Double> values = new ArrayList<>();
    for (JsonElement e : result) {
      values.add(Double.parseDouble(e.getAsJsonObject().getAsJsonArray("value").get(1).getAsString()));
    }
    return values;
  }

  /** Every pending or firing alert. */
  public List<Alert> alerts() {
    List<Alert> alerts = new ArrayList<>();
    for (JsonElement e : api("/api/v1/alerts").getAsJsonArray("alerts")) {
      JsonObject a = e.getAsJsonObject();
      Map<String, String> labels = new java.util.TreeMap<>();
      a.getAsJsonObject("labels").entrySet().forEach(l -> labels.put(l.getKey(), l.getValue().getAsString()));
      alerts.add(new Alert(labels.get("alertname"), a.get("state").getAsString(), labels));
    }
    return alerts;
  }

  /** Whether Prometheus has loaded {@code expectedGroups} rule groups. */
  public boolean rulesLoaded(int expectedGroups) {
    return api("/api/v1/rules").getAsJsonArray("groups").size() == expectedGroups;
  }

  public Path log() {
    return log;
  }

  @Override
  public void close() {
    proc.close();
  }
}
