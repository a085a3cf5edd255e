package io.github.redisleaseha.redis;

import io.github.redisleaseha.core.RedisStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The local Redis as a process, for the hard fence: a Redis that stopped answering is killed with
 * SIGKILL, and once its process is gone nothing it had queued can be acknowledged any more.
 *
 * <p><b>Kill only that Redis.</b> The PID comes from Redis itself ({@code INFO server}'s
 * {@code process_id}) while it is healthy, and is trusted only when this sidecar sees a process with
 * that PID whose command line names the Redis executable ({@code executable}'s file name, e.g.
 * {@code redis-server}, whose process title is {@code redis-server *:6379}) and which is not this
 * JVM. Its start time is recorded then. Before a kill both are checked again: a PID that was reused
 * by another process has another start time and is never signalled. Without a shared process
 * namespace the PID Redis reports means nothing here (in a pod it would be the sidecar's own PID 1),
 * which the command-line check rejects, and the node runs with {@link Kind#PAUSE_ONLY}.
 *
 * <p>Seeing and signalling Redis from the sidecar needs {@code shareProcessNamespace: true} and one
 * UID for both containers (or root); the chart sets both.
 *
 * <p>Thread-safety: called by the fence owner under its lock, and by the control loop to observe.
 */
public final class LocalProcess {

  /** What the sidecar can do to a Redis that stopped answering. */
  public enum Kind {
    /** It sees and may signal the Redis process: the hard fence (SIGKILL) is available. */
    KILL,
    /** It cannot: the fence is {@code CLIENT PAUSE WRITE} only. */
    PAUSE_ONLY;

    public String label() {
      return this == KILL ? "kill" : "pause only";
    }
  }

  /** A verified Redis process: its PID and start time. */
  record Identity(long pid, Instant start) {}

  private final Path proc;
  private volatile Identity identity;
  private volatile String unavailableReason = "the Redis process has not been seen yet";

  public LocalProcess() {
    this(Path.of("/proc"));
  }

  LocalProcess(Path proc) {
    this.proc = proc;
  }

  /**
   * Learns or re-checks the process behind a healthy {@code status}. Cheap when nothing changed: one
   * start-time read per new PID.
   */
  public synchronized void observe(RedisStatus status) {
    if (!status.reachable() || status.processId() <= 0) {
      return;
    }
    Identity known = identity;
    if (known != null && known.pid() == status.processId()) {
      return;
    }
    identity = null;
    long pid = status.processId();
    String executable = status.executable() == null ? "redis-server" : Path.of(status.executable()).getFileName().toString();
    if (pid == ProcessHandle.current().pid()) {
      unavailableReason = "Redis reports PID " + pid + ", which is this sidecar here (no shared process namespace)";
      return;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) {
      unavailableReason = "no process " + pid + " is visible (the pod does not share its process namespace)";
      return;
    }
    String commandLine = commandLine(pid);
    if (commandLine == null || !commandLine.contains(executable)) {
      unavailableReason = "process " + pid + " is not " + executable + " (the pod does not share its process namespace)";
      return;
    }
    Optional<String> owner = handle.get().info().user();
    Optional<String> me = ProcessHandle.current().info().user();
    if (!"root".equals(me.orElse(null)) && (owner.isEmpty() || !owner.equals(me))) {
      unavailableReason = "Redis runs as " + owner.orElse("another user") + " and this sidecar as " + me.orElse("unknown")
          + " (both containers need one UID)";
      return;
    }
    Optional<Instant> start = handle.get().info().startInstant();
    if (start.isEmpty()) {
      unavailableReason = "the start time of process " + pid + " is not readable";
      return;
    }
    identity = new Identity(pid, start.get());
  }

  public Kind kind() {
    return identity == null ? Kind.PAUSE_ONLY : Kind.KILL;
  }

  /** Why only the pause is available, or null when the kill is. */
  public String unavailableReason() {
    return identity == null ? unavailableReason : null;
  }

  /** The verified process is no longer running (killed, crashed); false when none was verified. */
  public boolean gone() {
    Identity known = identity;
    return known != null && !matches(known);
  }

  /**
   * SIGKILLs the verified Redis process after checking again that the PID still is that process, and
   * waits up to {@code waitMillis} for it to be gone. Returns a sentence on what happened; the
   * caller re-reads {@link #gone()}.
   */
  public synchronized String kill(long waitMillis) {
    Identity known = identity;
    if (known == null) {
      return "no verified Redis process to kill (" + unavailableReason + ")";
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(known.pid());
    if (handle.isEmpty() || !matches(known)) {
      return "the Redis process " + known.pid() + " is already gone";
    }
    handle.get().destroyForcibly();
    try {
      handle.get().onExit().get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // onExit of a process that is not our child polls; gone() re-checks below
    }
    return gone()
        ? "killed the Redis process " + known.pid() + " (SIGKILL)"
        : "sent SIGKILL to the Redis process " + known.pid() + ", which has not exited yet";
  }

  /** The same process is still running: same PID, same start time, and not a zombie awaiting its parent. */
  private boolean matches(Identity known) {
    Optional<ProcessHandle> handle = ProcessHandle.of(known.pid());
    return handle.isPresent() && handle.get().isAlive()
        && handle.get().info().startInstant().map(known.start()::equals).orElse(false)
        && !zombie(known.pid());
  }

  private boolean zombie(long pid) {
    try {
      String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"));
      int close = stat.lastIndexOf(')');
      return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private String commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve("cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
