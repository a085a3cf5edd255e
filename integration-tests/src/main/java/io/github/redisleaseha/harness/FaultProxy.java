package io.github.redisleaseha.harness;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@link FaultProxyMain} as a child process, and the switch that injects its faults. */
public final class FaultProxy implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Proc proc;
  private final String url;

  private FaultProxy(Proc proc, String url) {
    this.proc = proc;
    this.url = url;
  }

  /** Starts the proxy through {@code commandPrefix}, forwarding to {@code upstream}, reached at {@code host}. */
  static FaultProxy start(Path log, List<String> commandPrefix, String host, String upstream) {
    String[] line = new String[1];
    List<String> cmd = new ArrayList<>(commandPrefix);
    cmd.addAll(List.of(SidecarProcess.java(), "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        ApiServerProcess.classpath(), FaultProxyMain.class.getName(), "0.0.0.0", upstream));
    Proc proc = Proc.startAndAwaitLine("api-proxy", cmd, log, l -> l.startsWith("LISTENING "), line);
    return new FaultProxy(proc, "http://" + host + ":" + line[0].substring("LISTENING ".length()).trim());
  }

  public String url() {
    return url;
  }

  /** Forward every request again. */
  public void pass() {
    set("mode=pass&delay=0");
  }

  /** Answer every request with 500. */
  public void error() {
    set("mode=error");
  }

  /** Forward every request after {@code delay}. */
  public void slow(Duration delay) {
    set("mode=slow&delay=" + delay.toMillis());
  }

  private void set(String query) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/__fault?" + query))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("fault proxy answered " + r.statusCode());
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("fault proxy unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    proc.close();
  }
}
