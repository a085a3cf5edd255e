package io.github.redisleaseha.core;

/**
 * What one {@code INFO} round trip tells about a Redis server. Every field but {@link #health} and
 * {@link #problem} is only meaningful when {@link #reachable()} is true.
 *
 * <p><b>Dead is not unresponsive.</b> A Redis that refuses connections, or whose process is gone,
 * cannot acknowledge anything: it is {@link Health#DEAD}. A Redis that times out, answers
 * {@code -BUSY} or {@code -LOADING}, has no connection left for us ({@code maxclients}) or refuses our
 * credentials may still run commands already waiting on its client connections: it is
 * {@link Health#UNRESPONSIVE}, and a leader must not give its Lease up on the hope that it is dead.
 *
 * @param health how the server answered
 * @param runId changes on every restart of the process
 * @param primary true for {@code role:master}
 * @param masterHost the primary a replica follows (null on a primary)
 * @param linkUp a replica's {@code master_link_status:up}
 * @param replId the current replication id ({@code master_replid})
 * @param replId2 the replication id this server had before its last promotion
 * @param offset {@code master_repl_offset}: how much of the replication stream this server holds
 * @param keys number of keys in all databases (0 means an empty dataset)
 * @param failoverInProgress {@code master_failover_state} is not {@code no-failover}
 * @param processId {@code process_id}: the PID in Redis's own PID namespace (0 if unknown)
 * @param executable {@code executable}: the path Redis was started from (null if unknown)
 * @param problem unless healthy, what went wrong in a few words (an error reply, "timed out")
 * @param refused unless healthy: Redis answered but refused our credentials or commands
 */
public record RedisStatus(
    Health health,
    String runId,
    boolean primary,
    String masterHost,
    int masterPort,
    boolean linkUp,
    String replId,
    String replId2,
    long offset,
    long keys,
    boolean failoverInProgress,
    long processId,
    String executable,
    String problem,
    boolean refused) {

  /** How a server answered one round trip. */
  public enum Health {
    /** It answered INFO. */
    OK,
    /** It refused the connection, or its process is gone: nothing can be acknowledged by it. */
    DEAD,
    /** It did not answer in time, or answered with an error (BUSY, LOADING, credentials, maxclients). */
    UNRESPONSIVE
  }

  /** A server that refuses connections. */
  public static final RedisStatus UNREACHABLE = dead("connection refused");

  public static RedisStatus dead(String problem) {
    return new RedisStatus(Health.DEAD, null, false, null, 0, false, null, null, -1, -1, false, 0, null, problem, false);
  }

  public static RedisStatus unresponsive(String problem) {
    return new RedisStatus(Health.UNRESPONSIVE, null, false, null, 0, false, null, null, -1, -1, false, 0, null, problem, false);
  }

  /** Redis answered with an error that keeps us out (authentication, ACL): unresponsive to us. */
  public static RedisStatus refused(String errorReply) {
    return new RedisStatus(Health.UNRESPONSIVE, null, false, null, 0, false, null, null, -1, -1, false, 0, null, errorReply, true);
  }

  public static RedisStatus primary(String runId, String replId, long offset, long keys) {
    return new RedisStatus(Health.OK, runId, true, null, 0, false, replId, null, offset, keys, false, 0, null, null, false);
  }

  public static RedisStatus replica(
      String runId, String masterHost, int masterPort, boolean linkUp, String replId, long offset, long keys) {
    return new RedisStatus(Health.OK, runId, false, masterHost, masterPort, linkUp, replId, null, offset, keys, false, 0, null,
        null, false);
  }

  public boolean reachable() {
    return health == Health.OK;
  }

  /** The error reply that refused us, if Redis refused our credentials or commands; null otherwise. */
  public String refusal() {
    return refused ? problem : null;
  }

  public boolean follows(Member member) {
    return reachable() && !primary && member.isAt(masterHost, masterPort);
  }

  /** An empty dataset that never received a replication stream: a fresh or wiped Redis. */
  public boolean empty() {
    return keys == 0 && offset <= 0;
  }

  /** Whether this server's history contains the replication id {@code id}. */
  public boolean hasHistory(String id) {
    return id != null && (id.equals(replId) || id.equals(replId2));
  }

  public String role() {
    return switch (health) {
      case OK -> primary ? "primary" : "replica";
      case DEAD -> "unreachable";
      case UNRESPONSIVE -> "unresponsive";
    };
  }
}
