package io.github.redisleaseha.harness;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A test writer in another language: a real non-Java Sentinel client library, configured the way an
 * application would configure it, run as a child process. It is {@link SentinelClientWriter}'s
 * counterpart for the libraries that have no JVM binding; the scripts live in
 * {@code integration-tests/clients} and document how each library finds a new master:
 *
 * <ul>
 *   <li>{@link Kind#PYTHON}: {@code writer.py} on redis-py's {@code redis.sentinel.Sentinel} (Debian's
 *       python3-redis, run by {@code /usr/bin/python3});
 *   <li>{@link Kind#NODE}: {@code writer.js} on ioredis 5 with {@code failoverDetector} (installed by
 *       {@code npm ci} from the lock file; {@code make deps} does it).
 * </ul>
 *
 * <p>Each writer keeps one connection with a read timeout longer than any fault, has at most one write
 * outstanding, appends 1, 2, 3... with a script that returns the run id of the Redis that ran it, and
 * tries the same value again after an error. It prints {@code ack <n> <run_id> <sent_ms> <acked_ms>}
 * and {@code err <n> <message>}; this class turns those lines into {@link Writer.Ack}s (the run id
 * mapped to {@code host:port} by {@link Builder#runIdResolver}) and {@link Failure}s, and keeps every
 * line of the process (its stderr too) in {@link Builder#log}. The password reaches the process only
 * as a file name.
 *
 * <p>Times. The client stamps its events with the wall clock in milliseconds; they are moved onto
 * {@link System#nanoTime()}'s scale with one offset taken at start. An ack's time is the end of the
 * millisecond the client read, but never later than the moment its line reached this class: so it is
 * never earlier than the real acknowledgement, which is the safe side for {@link Acks#lost(List, long)}.
 *
 * <p>Not on {@link Proc}: that one sends the output to a file or drains it after a ready line, and
 * this class must read every line as it comes.
 */
public final class ClientProcess implements Acks, AutoCloseable {

  /** The Sentinel client libraries this class can run. */
  public enum Kind {
    PYTHON("writer.py"),
    NODE("writer.js");

    final String script;

    Kind(String script) {
      this.script = script;
    }
  }

  /**
   * One error the library returned while it tried to write {@code value}; value -1: trouble with the
   * process itself (it exited by itself, printed a malformed or out-of-order ack, would not stop).
   */
  public record Failure(long value, String message, long nanos) {
    @Override
    public String toString() {
      return (value < 0 ? "" : value + ": ") + message;
    }
  }

  /** The read timeout of a writer that is not told otherwise: longer than any fault the tests inject. */
  public static final Duration READ_TIMEOUT = SentinelClientWriter.READ_TIMEOUT;

  /** Failures kept (the last ones), for a failing test's message; older ones are only counted. */
  static final int MAX_FAILURES = 1000;

  /** How long a writer has to exit after SIGTERM before it is killed. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** Settings of a client writer; see {@link ClientProcess#builder}. */
  public static final class Builder {
    private final Kind kind;
    private List<String> sentinels = List.of();
    private String master = SentinelCluster.MASTER;
    private Path passwordFile;
    private String key = Writer.KEY;
    private Duration period = Duration.ofMillis(10);
    private Duration readTimeout = READ_TIMEOUT;
    private boolean reconnectOnReadonly;
    private Path log;
    private Path clientsDir;
    private Function<String, String> runIdResolver = runId -> null;

    private Builder(Kind kind) {
      this.kind = kind;
    }

    /** {@code host:port} of each Sentinel (or Sentinel-compatible endpoint). */
    public Builder sentinels(List<String> s) {
      this.sentinels = List.copyOf(s);
      return this;
    }

    /** The master name the Sentinels monitor; default {@value SentinelCluster#MASTER}. */
    public Builder master(String name) {
      this.master = name;
      return this;
    }

    /** A file holding the password of Redis and of the Sentinels; none by default. */
    public Builder passwordFile(Path f) {
      this.passwordFile = f;
      return this;
    }

    /** The list the values go to; default {@value Writer#KEY}. */
    public Builder key(String k) {
      this.key = k;
      return this;
    }

    /** Time from the start of one write to the start of the next; default 10 ms. */
    public Builder period(Duration p) {
      this.period = p;
      return this;
    }

    /** How long a connection may wait for an answer before the library drops it; default 10 s. */
    public Builder readTimeout(Duration t) {
      this.readTimeout = t;
      return this;
    }

    /** Asks the library to reconnect on a READONLY reply (ioredis's reconnectOnError; redis-py always does). */
    public Builder reconnectOnReadonly(boolean r) {
      this.reconnectOnReadonly = r;
      return this;
    }

    /** Where every line of the process goes (required). */
    public Builder log(Path l) {
      this.log = l;
      return this;
    }

    /** The address ({@code host:port}) of the Redis with a run id, or null when not known. */
    public Builder runIdResolver(Function<String, String> r) {
      this.runIdResolver = r;
      return this;
    }

    /**
     * Where {@code writer.py} and {@code writer.js} are; by default the system property
     * {@code clients.dir}, else {@code clients} or {@code integration-tests/clients} under the working
     * directory.
     */
    public Builder clientsDir(Path d) {
      this.clientsDir = d;
      return this;
    }

    /** Checks the settings, starts the process and returns at once; the writer connects on its own. */
    public ClientProcess start() {
      List<String> problems = new ArrayList<>();
      if (sentinels.isEmpty()) {
        problems.add("sentinels: give at least one host:port");
      }
      sentinels.stream().filter(s -> !s.matches(".+:\\d+")).forEach(s -> problems.add("sentinels: '" + s + "' is not host:port"));
      if (master == null || master.isBlank()) {
        problems.add("master: give the master name the Sentinels monitor");
      }
      if (period == null || period.isNegative()) {
        problems.add("period: must be zero or more");
      }
      if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
        problems.add("readTimeout: must be positive");
      }
      if (log == null) {
        problems.add("log: give the file the process's output goes to");
      }
      if (passwordFile != null && !Files.isReadable(passwordFile)) {
        problems.add("passwordFile: " + passwordFile + " cannot be read");
      }
      Path dir = clientsDir != null ? clientsDir : defaultClientsDir();
      Path script = dir.resolve(kind.script);
      if (!Files.isRegularFile(script)) {
        problems.add(kind + ": " + script.toAbsolutePath() + " not found (set clientsDir or -Dclients.dir)");
      } else if (kind == Kind.NODE && !Files.isDirectory(dir.resolve("node_modules").resolve("ioredis"))) {
        problems.add(kind + ": ioredis is not installed in " + dir.toAbsolutePath()
            + "; run make deps (npm ci --prefix integration-tests/clients)");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(kind + " client writer: " + String.join("; ", problems));
      }
      ClientProcess p = new ClientProcess(this, script);
      p.launch();
      return p;
    }

    private static Path defaultClientsDir() {
      String property = System.getProperty("clients.dir");
      if (property != null && !property.isBlank()) {
        return Path.of(property);
      }
      Path here = Path.of("clients");
      return Files.isDirectory(here) ? here : Path.of("integration-tests", "clients");
    }
  }

  private final Kind kind;
  private final List<String> sentinels;
  private final String master;
  private final String key;
  private final Path log;
  private final Function<String, String> runIdResolver;
  private final List<String> command;
  private final List<Writer.Ack> acks = new ArrayList<>();
  private final ArrayDeque<Failure> failures = new ArrayDeque<>();
  private int failureCount;
  private final long baseNanos;
  private final long baseEpochNanos;
  private volatile boolean stopping;
  private Process process;
  private Thread reader;

  private ClientProcess(Builder b, Path script) {
    this.kind = b.kind;
    this.sentinels = b.sentinels;
    this.master = b.master;
    this.key = b.key;
    this.log = b.log;
    this.runIdResolver = b.runIdResolver;
    List<String> cmd = new ArrayList<>(switch (kind) {
      case PYTHON -> List.of("/usr/bin/python3", "-u", script.toAbsolutePath().toString());
      case NODE -> List.of("node", script.toAbsolutePath().toString());
    });
    cmd.addAll(List.of("--sentinels", String.join(",", sentinels), "--master", master, "--key", key,
        "--period-ms", Long.toString(b.period.toMillis()), "--read-timeout-ms", Long.toString(b.readTimeout.toMillis())));
    if (b.passwordFile != null) {
      cmd.addAll(List.of("--password-file", b.passwordFile.toAbsolutePath().toString()));
    }
    if (b.reconnectOnReadonly) {
      cmd.add("--reconnect-on-readonly");
    }
    this.command = List.copyOf(cmd);
    this.baseNanos = System.nanoTime();
    Instant now = Instant.now();
    this.baseEpochNanos = TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
  }

  /** A client writer of this kind; set at least {@link Builder#sentinels} and {@link Builder#log}. */
  public static Builder builder(Kind kind) {
    return new Builder(kind);
  }

  private void launch() {
    BufferedWriter out;
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      out.write("# " + String.join(" ", command) + "\n");
      out.flush();
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start the " + kind + " client writer: " + e.getMessage(), e);
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    reader = Thread.ofPlatform().name("client-writer-" + kind).daemon(true).start(() -> read(in, out));
  }

  private void read(BufferedReader in, BufferedWriter out) {
    try (in; out) {
      String line;
      while ((line = in.readLine()) != null) {
        long readNanos = System.nanoTime();
        out.write(line);
        out.write('\n');
        out.flush();
        parse(line, readNanos);
      }
      try {
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.write("# " + (process.isAlive() ? "output closed, still running" : "exit code " + process.exitValue()) + "\n");
    } catch (IOException e) {
      fail(-1, "reading the output: " + e.getMessage());
    }
    if (!stopping) {
      fail(-1, "exited by itself" + (process.isAlive() ? "" : " with code " + process.exitValue()) + "; see " + log);
    }
  }

  /** One line of the writer's output; anything but an ack or an error is a diagnostic, kept in the log only. */
  private void parse(String line, long readNanos) {
    String[] f = line.split(" ", 3);
    try {
      if (f[0].equals("ack")) {
        String[] a = line.split(" ");
        if (a.length != 5) {
          fail(-1, "malformed line: " + line);
          return;
        }
        long value = Long.parseLong(a[1]);
        long nanos = Math.min(nanosOfEpochMillis(Long.parseLong(a[4]) + 1), readNanos);
        long sent = Math.min(nanosOfEpochMillis(Long.parseLong(a[3])), nanos);
        String node = runIdResolver.apply(a[2]);
        synchronized (acks) {
          long expected = acks.isEmpty() ? 1 : acks.getLast().value() + 1;
          if (value != expected) {
            fail(-1, "ack of " + value + " out of order: expected " + expected);
          }
          acks.add(new Writer.Ack(value, node == null ? "run-id:" + a[2] : node, sent, nanos));
        }
      } else if (f[0].equals("err") && f.length == 3) {
        fail(Long.parseLong(f[1]), f[2], readNanos);
      }
    } catch (NumberFormatException e) {
      fail(-1, "malformed line: " + line);
    }
  }

  private long nanosOfEpochMillis(long epochMillis) {
    return baseNanos + TimeUnit.MILLISECONDS.toNanos(epochMillis) - baseEpochNanos;
  }

  private void fail(long value, String message) {
    fail(value, message, System.nanoTime());
  }

  private void fail(long value, String message, long nanos) {
    synchronized (failures) {
      failureCount++;
      if (failures.size() == MAX_FAILURES) {
        failures.removeFirst();
      }
      failures.add(new Failure(value, message, nanos));
    }
  }

  public Kind kind() {
    return kind;
  }

  public String key() {
    return key;
  }

  public Path log() {
    return log;
  }

  public boolean alive() {
    return process.isAlive();
  }

  @Override
  public List<Writer.Ack> acks() {
    synchronized (acks) {
      return List.copyOf(acks);
    }
  }

  /** The last {@value #MAX_FAILURES} errors the library returned and troubles with the process, in order. */
  public List<Failure> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  /** How many failures there were, also those no longer kept. */
  public int failureCount() {
    synchronized (failures) {
      return failureCount;
    }
  }

  /**
   * SIGTERM, then waits for the writer to exit (SIGKILL after {@link #STOP_TIMEOUT}) and for its last
   * line to be read; returns its exit code (0: it stopped cleanly). Acks are final after this.
   */
  public int stop() {
    stopping = true;
    if (process.isAlive()) {
      // Through the ProcessHandle: Process.destroy() would also close the pipe, so the writer's last
      // lines would be lost and its next write would fail (redis-py then exits 1 on EPIPE).
      process.toHandle().destroy();
      try {
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          fail(-1, "still running " + STOP_TIMEOUT.toMillis() + " ms after SIGTERM: killed");
          process.toHandle().destroyForcibly();
          process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      reader.join(STOP_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return process.isAlive() ? -1 : process.exitValue();
  }

  @Override
  public void close() {
    stop();
  }

  @Override
  public String errorSummary() {
    List<Failure> f = failures();
    return failureCount() + " errors" + (f.isEmpty() ? "" : ", the last: " + f.get(f.size() - 1));
  }

  @Override
  public String toString() {
    return kind + " writer on '" + master + "' via " + sentinels + " (pid " + process.pid() + ")";
  }
}
