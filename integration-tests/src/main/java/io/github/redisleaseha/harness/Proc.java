package io.github.redisleaseha.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A child process of the harness, with its output in a log file and signals sent by pid. */
public final class Proc implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private Proc(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static Proc start(String name, List<String> command, Path log, java.util.Map<String, String> env) {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      return new Proc(name, pb.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + name + ": " + e.getMessage(), e);
    }
  }

  /** Starts with stdout piped, waits for a line matching {@code ready}, then logs the rest to a file. */
  public static Proc startAndAwaitLine(String name, List<String> command, Path log, Predicate<String> ready, String[] matched) {
    try {
      Files.createDirectories(log.getParent());
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = reader.readLine()) != null) {
        Files.writeString(log, line + "\n", StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        if (ready.test(line)) {
          matched[0] = line;
          Thread drain = new Thread(() -> {
            try {
              String l;
              while ((l = reader.readLine()) != null) {
                Files.writeString(log, l + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
              }
            } catch (IOException ignored) {
              // process ended
            }
          }, name + "-output");
          drain.setDaemon(true);
          drain.start();
          return new Proc(name, p, log);
        }
      }
      throw new IllegalStateException(name + " exited before it was ready; see " + log);
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + name + ": " + e.getMessage(), e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public void signal(String signal) {
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException("could not signal " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends {@code signal} to several processes with one {@code kill}, so they get it at (almost) the same instant. */
  public static void signalAll(String signal, long... pids) {
    List<String> cmd = new java.util.ArrayList<>(List.of("kill", "-" + signal));
    for (long pid : pids) {
      cmd.add(Long.toString(pid));
    }
    try {
      new ProcessBuilder(cmd).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException("could not signal " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILL and wait for the process to be gone. */
  public void kill() {
    process.destroyForcibly();
    waitFor(5_000);
  }

  /** SIGTERM and wait up to {@code millis} for a clean exit; SIGKILL after that. */
  public int terminate(long millis) {
    signal("CONT");
    process.destroy();
    if (!waitFor(millis)) {
      process.destroyForcibly();
      waitFor(5_000);
    }
    return process.exitValue();
  }

  public boolean waitFor(long millis) {
    try {
      return process.waitFor(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      signal("CONT");
      process.destroyForcibly();
      waitFor(5_000);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
