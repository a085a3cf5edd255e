package io.github.redisleaseha.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The embedded API server ({@link MockApiServerMain}) as a child process. */
public final class ApiServerProcess implements AutoCloseable {

  private final Proc proc;
  private final String host;
  private final int port;

  private ApiServerProcess(Proc proc, String host, int port) {
    this.proc = proc;
    this.host = host;
    this.port = port;
  }

  public static ApiServerProcess start(Path log) {
    return start(log, "127.0.0.1", null, List.of(), "127.0.0.1");
  }

  /**
   * Starts the API server bound to {@code bindHost} (0.0.0.0 to serve containers), appending each
   * request as {@code METHOD path user-agent} to {@code requestLog} when it is not null.
   */
  public static ApiServerProcess start(Path log, String bindHost, Path requestLog) {
    return start(log, bindHost, requestLog, List.of(), "127.0.0.1");
  }

  /** As above, run through {@code commandPrefix} (e.g. inside a network namespace) and reached at {@code host}. */
  public static ApiServerProcess start(Path log, String bindHost, Path requestLog, List<String> commandPrefix, String host) {
    String[] line = new String[1];
    List<String> cmd = new java.util.ArrayList<>(commandPrefix);
    cmd.addAll(List.of(
        SidecarProcess.java(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath(),
        MockApiServerMain.class.getName(), bindHost, "0"));
    if (requestLog != null) {
      cmd.add(requestLog.toString());
    }
    Proc proc = Proc.startAndAwaitLine("api-server", cmd, log, l -> l.startsWith("LISTENING "), line);
    return new ApiServerProcess(proc, host, Integer.parseInt(line[0].substring("LISTENING ".length()).trim()));
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The harness's own classpath: from the build's classpath file, or this JVM's. */
  static String classpath() {
    for (Path p : List.of(Path.of("target/classpath.txt"), Path.of("integration-tests/target/classpath.txt"))) {
      if (Files.isRegularFile(p)) {
        try {
          Path classes = p.getParent().resolve("classes").toAbsolutePath();
          return classes + java.io.File.pathSeparator + Files.readString(p, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return System.getProperty("java.class.path");
  }

  public String url() {
    return "http://" + host + ":" + port;
  }

  /** SIGSTOP: the API server stops answering (connections hang), its state survives. */
  public void freeze() {
    proc.signal("STOP");
  }

  public void thaw() {
    proc.signal("CONT");
  }

  @Override
  public void close() {
    proc.close();
  }
}
