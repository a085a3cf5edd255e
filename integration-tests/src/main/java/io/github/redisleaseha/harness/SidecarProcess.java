package io.github.redisleaseha.harness;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One sidecar JVM, started from the real jar with the JVM settings the image uses. */
public final class SidecarProcess implements AutoCloseable {

  /** JVM flags for a small steady-state footprint; the Dockerfile uses the same. */
  public static final List<String> JVM_FLAGS = List.of(
      "-Xss512k", "-Xms8m", "-Xmx32m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-XX:MaxMetaspaceSize=64m", "-XX:ReservedCodeCacheSize=16m", "-XX:+UseCompactObjectHeaders",
      "-XX:-UsePerfData", "-XX:TrimNativeHeapInterval=5000");

  /** Environment for the same footprint: at most 2 glibc malloc arenas (the image's launcher sets it too). */
  public static final Map<String, String> JVM_ENV = Map.of("MALLOC_ARENA_MAX", "2");

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String name;
  private final List<String> args;
  private final Map<String, String> env;
  private final Path log;
  private final int httpPort;
  private Proc proc;
  private Path aotOutput;
  private long startedAtNanos;

  /** Makes this JVM a training run that writes an AOT cache to {@code file} when it exits. */
  void trainAotCache(Path file) {
    this.aotOutput = file;
  }

  private List<String> prefix = List.of();
  private String httpHost = "127.0.0.1";
  private Path clusterKeyFile;

  /**
   * Has {@link #post} send the key in {@code file} (read at each call, so a rotated key is used at
   * once), as the {@code prestop} and {@code switchover} commands do. The sidecar itself gets the
   * file through its arguments or environment.
   */
  public SidecarProcess clusterKey(Path file) {
    this.clusterKeyFile = file;
    return this;
  }

  /** The key file {@link #post} sends from, or null. */
  public Path clusterKeyFile() {
    return clusterKeyFile;
  }

  /** Runs the JVM through this command prefix, reaching its HTTP API at {@code host}. */
  public SidecarProcess runIn(List<String> commandPrefix, String host) {
    this.prefix = List.copyOf(commandPrefix);
    this.httpHost = host;
    return this;
  }

  public String httpHost() {
    return httpHost;
  }

  public Path logFile() {
    return log;
  }

  public int httpPort() {
    return httpPort;
  }

  public SidecarProcess(String name, List<String> args, Map<String, String> env, Path log, int httpPort) {
    this.name = name;
    this.args = args;
    this.env = env;
    this.log = log;
    this.httpPort = httpPort;
  }

  public static Path jar() {
    String configured = System.getProperty("sidecar.jar");
    Path path = configured != null ? Path.of(configured) : Path.of("sidecar/target/redis-lease-ha-all.jar");
    if (!path.toFile().isFile()) {
      path = Path.of("../sidecar/target/redis-lease-ha-all.jar");
    }
    if (!path.toFile().isFile()) {
      throw new IllegalStateException("sidecar jar not found; build it with 'make build' (looked for " + path + ")");
    }
    return path.toAbsolutePath();
  }

  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  public void start() {
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    cmd.addAll(JVM_FLAGS);
    if (aotOutput != null) {
      cmd.add("-XX:AOTCacheOutput=" + aotOutput);
    } else {
      AotCache.path().ifPresent(cache -> cmd.add("-XX:AOTCache=" + cache));
    }
    String extra = System.getProperty("sidecar.extraJvmFlags", "");
    if (!extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.add("run");
    cmd.addAll(args);
    startedAtNanos = System.nanoTime();
    List<String> full = new ArrayList<>(prefix);
    full.addAll(cmd);
    Map<String, String> fullEnv = new HashMap<>(JVM_ENV);
    fullEnv.putAll(env);
    proc = Proc.start("sidecar-" + name, full, log, fullEnv);
  }

  /** {@link System#nanoTime()} when the JVM was launched. */
  public long startedAtNanos() {
    return startedAtNanos;
  }

  public String get(String path) {
    return get(path, Duration.ofSeconds(2));
  }

  public String get(String path, Duration timeout) {
    try {
      HttpResponse<String> r = HTTP.send(
          HttpRequest.newBuilder(URI.create("http://" + httpHost + ":" + httpPort + path)).timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.body();
    } catch (Exception e) {
      return "000 " + e.getClass().getSimpleName();
    }
  }

  /**
   * POSTs to a mutating endpoint with the cluster key (if {@link #clusterKey} was given), as the
   * operator commands do; returns the status and body ("000 Exception" if it could not be sent).
   */
  public String post(String path, Duration timeout) {
    String authorization = null;
    if (clusterKeyFile != null) {
      try {
        authorization = "Bearer " + Files.readString(clusterKeyFile).strip();
      } catch (java.io.IOException e) {
        throw new IllegalStateException("cannot read the cluster key " + clusterKeyFile, e);
      }
    }
    return request("POST", path, authorization, timeout).toString();
  }

  /** The answer to one request: status, body and headers. {@link #toString} is "status body". */
  public record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    public String header(String name) {
      return headers == null ? null : headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return String.format("%03d", status) + " " + body;
    }
  }

  /**
   * Sends {@code method} to {@code path} with the given {@code Authorization} header value (or none
   * when null), with no body. A failure to send is status 0 with the exception's name as the body.
   */
  public Reply request(String method, String path, String authorization, Duration timeout) {
    return request(method, path, authorization, null, timeout);
  }

  /** {@link #request} with a body (JSON), or none when {@code body} is null. */
  public Reply request(String method, String path, String authorization, String body, Duration timeout) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + httpHost + ":" + httpPort + path))
          .timeout(timeout).method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r.headers());
    } catch (Exception e) {
      return new Reply(0, e.getClass().getSimpleName(), null);
    }
  }

  public boolean ready() {
    return get("/readyz").startsWith("200");
  }

  public long pid() {
    return proc.pid();
  }

  public boolean alive() {
    return proc != null && proc.alive();
  }

  public void kill() {
    proc.kill();
  }

  public void signal(String signal) {
    proc.signal(signal);
  }

  /** SIGTERM (graceful stop) and wait for exit; returns the exit code. */
  public int terminate(long millis) {
    return proc.terminate(millis);
  }

  public String output() {
    return proc == null ? "" : proc.output();
  }

  @Override
  public void close() {
    if (proc != null) {
      proc.close();
    }
  }
}
