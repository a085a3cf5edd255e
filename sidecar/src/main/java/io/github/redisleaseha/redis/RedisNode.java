package io.github.redisleaseha.redis;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.RedisStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.params.FailoverParams;

/**
 * A thin Jedis adapter for one Redis server: one lazily opened connection, dropped on any error so
 * the next call reconnects. Methods throw Jedis exceptions; callers decide what a failure means.
 */
public final class RedisNode implements AutoCloseable {

  private final HostAndPort address;
  private final JedisClientConfig clientConfig;
  private final List<Connection> pendingFences = new ArrayList<>();
  private Jedis jedis;

  public RedisNode(String host, int port, JedisClientConfig clientConfig) {
    this.address = new HostAndPort(host, port);
    this.clientConfig = clientConfig;
  }

  public RedisNode(Member member, JedisClientConfig clientConfig) {
    this(member.host(), member.port(), clientConfig);
  }

  public String address() {
    return address.toString();
  }

  /**
   * One INFO round trip; never throws. A broken connection that was already open (reset, closed) is
   * tried once more on a fresh one, so a Redis that died and refuses connections reads as dead at once
   * rather than as a broken socket; a timeout is not retried. See {@link RedisStatus} for dead versus unresponsive.
   */
  public synchronized RedisStatus status() {
    boolean reused = jedis != null;
    RedisStatus status = statusOnce();
    if (reused && status.health() == RedisStatus.Health.UNRESPONSIVE && !status.refused() && !TIMED_OUT.equals(status.problem())) {
      status = statusOnce();
    }
    return status;
  }

  private RedisStatus statusOnce() {
    try {
      Object reply = connection().sendCommand(Protocol.Command.INFO, "server", "replication", "keyspace");
      // Redis answers again, so any fence queued while it was unresponsive has been served.
      closePendingFences();
      return parseInfo(new String((byte[]) reply, StandardCharsets.UTF_8));
    } catch (JedisAccessControlException e) {
      // Wrong password or user: Redis answered, so say what it said (it never echoes the secret).
      drop();
      return RedisStatus.refused(e.getMessage());
    } catch (JedisDataException e) {
      drop();
      String reply = e.getMessage() == null ? "" : e.getMessage();
      return reply.startsWith("NOAUTH") || reply.startsWith("NOPERM") || reply.startsWith("WRONGPASS")
          ? RedisStatus.refused(reply) : RedisStatus.unresponsive(reply);
    } catch (RuntimeException e) {
      drop();
      return classify(e);
    }
  }

  private static final String TIMED_OUT = "timed out";

  /** A connection failure as dead (refused) or unresponsive (anything else, e.g. a timeout). */
  static RedisStatus classify(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return RedisStatus.dead("connection refused");
      }
      if (t instanceof java.net.SocketTimeoutException) {
        return RedisStatus.unresponsive(TIMED_OUT);
      }
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return RedisStatus.unresponsive(message.length() > 120 ? message.substring(0, 120) : message);
  }

  /**
   * The commands the sidecar sends to Redis, with sample arguments as {@code ACL DRYRUN} wants them.
   * A least-privilege user needs exactly these (plus {@code acl|dryrun} for this check):
   * {@code -@all +info +replicaof +client|pause +client|unpause +client|kill +client|setname
   * +failover +config|set +acl|dryrun}.
   */
  public static final List<List<String>> NEEDED_COMMANDS = List.of(
      List.of("info", "replication"),
      List.of("replicaof", "no", "one"),
      List.of("client", "pause", "1", "write"),
      List.of("client", "unpause"),
      List.of("client", "kill", "type", "normal"),
      List.of("client", "setname", "redis-lease-ha"),
      List.of("failover", "abort"),
      List.of("config", "set", "min-replicas-to-write", "0"));

  /**
   * Which of {@link #NEEDED_COMMANDS} {@code user} may not run, checked with {@code ACL DRYRUN}
   * (nothing is executed). Throws if Redis cannot be asked.
   */
  public synchronized List<String> missingPermissions(String user) {
    List<String> missing = new ArrayList<>();
    for (List<String> command : NEEDED_COMMANDS) {
      List<String> args = new ArrayList<>(List.of("DRYRUN", user));
      args.addAll(command);
      String name = command.get(0) + (command.get(0).equals("client") || command.get(0).equals("config") ? "|" + command.get(1) : "");
      try {
        Object reply = connection().sendCommand(Protocol.Command.ACL, args.toArray(String[]::new));
        String text = reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(reply);
        if (!"OK".equals(text)) {
          missing.add(name);
        }
      } catch (JedisDataException e) {
        String reply = e.getMessage() == null ? "" : e.getMessage();
        if (reply.startsWith("NOPERM")) {
          return List.of("acl|dryrun (needed to check the others)");
        }
        throw e;
      } catch (RuntimeException e) {
        drop();
        throw e;
      }
    }
    return missing;
  }

  public synchronized void replicaOf(String host, int port) {
    run(j -> j.replicaof(host, port));
  }

  public synchronized void replicaOfNoOne() {
    run(Jedis::replicaofNoOne);
  }

  /**
   * Pauses writes (and only writes) for {@code millis}; reads and replication carry on. This is the
   * fence, so it does not use the shared connection: it opens a fresh one with no handshake and
   * pipelines AUTH (if any) and {@code CLIENT PAUSE} without waiting for replies. Against a frozen
   * Redis (SIGSTOP, a stall) both commands wait in its socket, and since Redis serves connections in
   * the order they arrived, they run when it resumes ahead of client writes sent later. For that the
   * connection must stay open when no reply comes: Jedis closes sockets with a reset, which would
   * discard the queued commands. Such a connection is kept until Redis answers again
   * ({@link #status()}). Throws if no reply came within the socket timeout.
   */
  public void pauseWrites(long millis) {
    JedisClientConfig bare =
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(clientConfig.getConnectionTimeoutMillis())
            .socketTimeoutMillis(clientConfig.getSocketTimeoutMillis())
            .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
            .ssl(clientConfig.isSsl())
            .sslSocketFactory(clientConfig.getSslSocketFactory())
            .build();
    Connection c = new Connection(address, bare);
    try {
      String password = clientConfig.getPassword();
      boolean auth = password != null;
      if (auth) {
        String user = clientConfig.getUser();
        if (user != null) {
          c.sendCommand(Protocol.Command.AUTH, user, password);
        } else {
          c.sendCommand(Protocol.Command.AUTH, password);
        }
      }
      c.sendCommand(Protocol.Command.CLIENT, "PAUSE", Long.toString(millis), "WRITE");
      if (auth) {
        c.getStatusCodeReply();
      }
      c.getStatusCodeReply();
      c.close();
    } catch (JedisConnectionException e) {
      synchronized (pendingFences) {
        pendingFences.add(c);
      }
      throw e;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private void closePendingFences() {
    synchronized (pendingFences) {
      pendingFences.forEach(Connection::close);
      pendingFences.clear();
    }
  }

  public synchronized void unpause() {
    run(Jedis::clientUnpause);
  }

  /**
   * Disconnects the normal and Pub/Sub clients (as Sentinel does when it reconfigures a Redis), so
   * they reconnect through the write Service or ask their Sentinels again. This connection is spared.
   */
  public synchronized void disconnectClients() {
    run(j -> {
      j.clientKill(new ClientKillParams().type(ClientType.NORMAL));
      return j.clientKill(new ClientKillParams().type(ClientType.PUBSUB));
    });
  }

  /**
   * Starts Redis's own failover to {@code target} with FORCE: after {@code timeoutMillis} it swaps
   * roles even if the target has not acknowledged the last offset yet. Only call it once the target
   * is known to have caught up. Progress shows in INFO.
   */
  public synchronized void failoverTo(Member target, long timeoutMillis) {
    run(j -> j.failover(FailoverParams.failoverParams().to(target.host(), target.port()).force().timeout(timeoutMillis)));
  }

  /** {@code FAILOVER ABORT}: ends a failover under way; a primary in it stays (or becomes again) a primary. */
  public synchronized void failoverAbort() {
    run(Jedis::failoverAbort);
  }

  public synchronized void configSet(String parameter, String value) {
    run(j -> j.configSet(parameter, value));
  }

  private interface Call {
    Object apply(Jedis jedis);
  }

  private void run(Call call) {
    try {
      call.apply(connection());
    } catch (RuntimeException e) {
      drop();
      throw e;
    }
  }

  private Jedis connection() {
    if (jedis == null) {
      jedis = new Jedis(address, clientConfig);
    }
    return jedis;
  }

  private void drop() {
    if (jedis != null) {
      try {
        jedis.close();
      } catch (RuntimeException ignored) {
        // the connection is already broken
      }
      jedis = null;
    }
  }

  @Override
  public synchronized void close() {
    drop();
    closePendingFences();
  }

  /** Parses the server, replication and keyspace sections of INFO. */
  public static RedisStatus parseInfo(String info) {
    Map<String, String> f = new HashMap<>();
    long keys = 0;
    for (String line : info.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0 || line.startsWith("#")) {
        continue;
      }
      String key = line.substring(0, colon);
      String value = line.substring(colon + 1).trim();
      if (key.startsWith("db") && value.startsWith("keys=")) {
        int comma = value.indexOf(',');
        keys += Long.parseLong(value.substring(5, comma < 0 ? value.length() : comma));
      } else {
        f.put(key, value);
      }
    }
    boolean primary = "master".equals(f.get("role"));
    return new RedisStatus(
        RedisStatus.Health.OK,
        f.get("run_id"),
        primary,
        primary ? null : f.get("master_host"),
        primary ? 0 : Integer.parseInt(f.getOrDefault("master_port", "0")),
        "up".equals(f.get("master_link_status")),
        f.get("master_replid"),
        f.get("master_replid2"),
        Long.parseLong(f.getOrDefault("master_repl_offset", "0")),
        keys,
        !"no-failover".equals(f.getOrDefault("master_failover_state", "no-failover")),
        Long.parseLong(f.getOrDefault("process_id", "0")),
        f.get("executable"),
        null,
        false);
  }
}
