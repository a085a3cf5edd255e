package io.github.redisleaseha.redis;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisCredentials;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.RedisInputStream;
import redis.clients.jedis.util.RedisOutputStream;

/**
 * The one connection the fence travels on: opened and authenticated while the local Redis is
 * healthy, and kept open, so that a fence is never sent on a connection Redis has not accepted yet.
 *
 * <p>Why a kept connection. A Redis that is stalled (SIGSTOP, a long fork, a slow script) and then
 * resumes first runs the commands already waiting on its <i>existing</i> connections; a connection
 * opened during the stall is only accepted in that pass and read in the next, after the clients'
 * writes (measured, FACTS.md). The same holds for a Redis that refuses new connections
 * ({@code maxclients}) or our credentials (a password changed at runtime): a connection that
 * authenticated before still works.
 *
 * <p>Why not a Jedis {@code Connection}: after a read timeout Jedis marks its connection broken and
 * closes it with a reset, which discards the command still waiting in Redis's socket buffer. Here a
 * reply that does not come within the timeout is left outstanding: the command stays queued, the
 * socket stays open, and the reply is read first on the next call. Requests and replies use Jedis's
 * RESP codec ({@link Protocol}).
 *
 * <p>Not thread-safe on its own: its one user, the fence owner, calls it under its lock.
 */
public final class FenceLine implements AutoCloseable {

  /** How one fence command went. */
  public enum Outcome {
    /** Redis answered OK: the command ran. */
    CONFIRMED,
    /** Sent, no reply within the timeout: it waits in Redis's socket and runs when Redis reads it. */
    QUEUED,
    /** Redis answered with an error (BUSY, NOPERM, ...): the command did not run. */
    REFUSED,
    /** No connection could be had (refused, reset): nothing was sent. */
    DOWN
  }

  /** An outcome and, unless confirmed, a few words on why. */
  public record Result(Outcome outcome, String detail) {
    public boolean confirmed() {
      return outcome == Outcome.CONFIRMED;
    }
  }

  private final HostAndPort address;
  private final JedisClientConfig config;
  private Socket socket;
  private RedisInputStream in;
  private RedisOutputStream out;
  /** Replies still to be read for commands already sent. */
  private int outstanding;

  public FenceLine(HostAndPort address, JedisClientConfig config) {
    this.address = address;
    this.config = config;
  }

  /** Opens and authenticates the line if it is not open; false if that failed (Redis down or refusing). */
  public boolean ensureOpen() {
    if (socket != null) {
      return true;
    }
    try {
      Socket s = new DefaultJedisSocketFactory(address, config).createSocket();
      socket = s;
      in = new RedisInputStream(s.getInputStream());
      out = new RedisOutputStream(s.getOutputStream());
      outstanding = 0;
      RedisCredentials credentials = config.getCredentialsProvider() == null ? null : config.getCredentialsProvider().get();
      if (credentials != null && credentials.getPassword() != null) {
        String password = new String(credentials.getPassword());
        if (credentials.getUser() != null) {
          call(cmd(Protocol.Command.AUTH, credentials.getUser(), password));
        } else {
          call(cmd(Protocol.Command.AUTH, password));
        }
      }
      call(cmd(Protocol.Command.CLIENT, "SETNAME", "redis-lease-ha-fence"));
      return true;
    } catch (IOException | RuntimeException e) {
      close();
      return false;
    }
  }

  public boolean isOpen() {
    return socket != null;
  }

  /** {@code CLIENT PAUSE millis WRITE}. */
  public Result pauseWrites(long millis) {
    return send(cmd(Protocol.Command.CLIENT, "PAUSE", Long.toString(millis), "WRITE"));
  }

  /** {@code CLIENT UNPAUSE}. Only sent when no reply is outstanding, so it cannot overtake a pause. */
  public Result unpause() {
    return send(cmd(Protocol.Command.CLIENT, "UNPAUSE"));
  }

  /**
   * Whether Redis reports itself a replica right now ({@code INFO replication} on this line), or null
   * if it did not answer. Used to re-check the role just before lifting a replica's fence.
   */
  public Boolean isReplica() {
    Result r = send(cmd(Protocol.Command.INFO, "replication"));
    return r.confirmed() ? lastInfo.contains("role:slave") : null;
  }

  /** The text of the last bulk reply (INFO), read by {@link #isReplica()}. */
  private String lastInfo = "";

  private Result send(CommandArguments command) {
    if (!ensureOpen()) {
      return new Result(Outcome.DOWN, "no connection");
    }
    // Replies of earlier commands come first; while one is missing, Redis still has not read it,
    // and a new command would only queue behind it.
    while (outstanding > 0) {
      try {
        Protocol.read(in);
        outstanding--;
      } catch (JedisDataException e) {
        outstanding--;
      } catch (JedisConnectionException e) {
        return failure(e, "an earlier command is still unanswered");
      }
    }
    try {
      Protocol.sendCommand(out, command);
      out.flush();
      outstanding++;
      Object reply = Protocol.read(in);
      outstanding--;
      lastInfo = reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : "";
      return new Result(Outcome.CONFIRMED, null);
    } catch (JedisDataException e) {
      outstanding--;
      return new Result(Outcome.REFUSED, e.getMessage());
    } catch (JedisConnectionException e) {
      return failure(e, "no reply");
    } catch (IOException e) {
      close();
      return new Result(Outcome.DOWN, e.getMessage());
    }
  }

  /** A timeout leaves the command queued on the open socket; anything else closes the line. */
  private Result failure(JedisConnectionException e, String detail) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return new Result(Outcome.QUEUED, detail + " within " + config.getSocketTimeoutMillis() + " ms");
      }
    }
    close();
    return new Result(Outcome.DOWN, e.getMessage());
  }

  private void call(CommandArguments command) throws IOException {
    Protocol.sendCommand(out, command);
    out.flush();
    Protocol.read(in);
  }

  private static CommandArguments cmd(Protocol.Command command, String... args) {
    CommandArguments c = new CommandArguments(command);
    for (String a : List.of(args)) {
      c.add(a);
    }
    return c;
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    socket = null;
    in = null;
    out = null;
    outstanding = 0;
  }
}
