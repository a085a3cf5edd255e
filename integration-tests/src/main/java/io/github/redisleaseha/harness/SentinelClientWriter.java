package io.github.redisleaseha.harness;

import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.masterreplica.StatefulRedisMasterReplicaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisSentinelPool;

/**
 * A writer that finds the primary only through a Sentinel client library, configured the way an
 * application would configure it: a list of Sentinel addresses, a master name, the Redis password for
 * both Redis and the Sentinels, and a read timeout (10 s) longer than any fault, so it sees what an
 * application sees. The library alone decides where each write goes:
 *
 * <ul>
 *   <li>{@link Library#JEDIS}: a {@link JedisSentinelPool}, which asks the Sentinels at start and then
 *       follows their {@code +switch-master} messages;
 *   <li>{@link Library#LETTUCE}: Lettuce's Master/Replica connection through Sentinel, which
 *       subscribes to the Sentinels' events and refreshes its topology on {@code +switch-master}.
 * </ul>
 *
 * <p>Every write appends the next value to one list with a script that also returns the run id of
 * the Redis that ran it; {@code nodeOfRunId} turns that into the node's address, so an
 * acknowledgement names the primary that took it even though the library hides its connections.
 * After an error the same value is tried again, so a value is acknowledged at most once.
 */
public final class SentinelClientWriter implements Acks, AutoCloseable {

  /** The Sentinel client libraries this writer can drive. */
  public enum Library { JEDIS, LETTUCE }

  /** The read timeout of the library's connections: longer than any fault the tests inject. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  static final String APPEND = "redis.call('rpush', KEYS[1], ARGV[1]) "
      + "return string.match(redis.call('info', 'server'), 'run_id:(%w+)')";

  /** One write: the run id of the Redis that acknowledged it. */
  private interface Client extends AutoCloseable {
    String append(String key, String value);

    @Override
    void close();
  }

  private final Library library;
  private final List<String> sentinels;
  private final String master;
  private final String password;
  private final String key;
  private final long periodMillis;
  private final Function<String, String> nodeOfRunId;
  private final List<Writer.Ack> acks = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private volatile boolean running;
  private volatile Client client;
  private Thread thread;

  /**
   * @param sentinels {@code host:port} of each Sentinel (or Sentinel-compatible endpoint)
   * @param password the Redis password, also sent to the Sentinels; null for none
   * @param nodeOfRunId the address of the Redis with this run id (null when not known)
   */
  public SentinelClientWriter(Library library, List<String> sentinels, String master, String password, String key,
      long periodMillis, Function<String, String> nodeOfRunId) {
    this.library = library;
    this.sentinels = List.copyOf(sentinels);
    this.master = master;
    this.password = password;
    this.key = key;
    this.periodMillis = periodMillis;
    this.nodeOfRunId = nodeOfRunId;
  }

  public Library library() {
    return library;
  }

  @Override
  public String key() {
    return key;
  }

  /** Connects through the Sentinels (throws if the library cannot find a master now) and starts writing. */
  public SentinelClientWriter start() {
    client = connect();
    running = true;
    thread = Thread.ofPlatform().name("sentinel-writer-" + library).daemon(true).start(this::loop);
    return this;
  }

  private Client connect() {
    return switch (library) {
      case JEDIS -> jedis();
      case LETTUCE -> lettuce();
    };
  }

  private Client jedis() {
    Set<HostAndPort> addresses = new LinkedHashSet<>();
    sentinels.forEach(s -> addresses.add(HostAndPort.from(s)));
    DefaultJedisClientConfig.Builder redis = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(2000).socketTimeoutMillis(Math.toIntExact(READ_TIMEOUT.toMillis()));
    DefaultJedisClientConfig.Builder sentinel = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(2000).socketTimeoutMillis(2000);
    if (password != null) {
      redis.password(password);
      sentinel.password(password);
    }
    JedisSentinelPool pool = new JedisSentinelPool(master, addresses, redis.build(), sentinel.build());
    return new Client() {
      @Override
      public String append(String k, String value) {
        try (Jedis j = pool.getResource()) {
          return (String) j.eval(APPEND, 1, k, value);
        }
      }

      @Override
      public void close() {
        pool.close();
      }
    };
  }

  private Client lettuce() {
    RedisURI.Builder uri = RedisURI.builder().withSentinelMasterId(master).withTimeout(READ_TIMEOUT);
    for (String s : sentinels) {
      HostAndPort h = HostAndPort.from(s);
      RedisURI.Builder one = RedisURI.builder().withHost(h.getHost()).withPort(h.getPort()).withTimeout(Duration.ofSeconds(2));
      if (password != null) {
        one.withPassword(password.toCharArray());
      }
      uri.withSentinel(one.build());
    }
    if (password != null) {
      uri.withPassword(password.toCharArray());
    }
    RedisClient redis = RedisClient.create();
    StatefulRedisMasterReplicaConnection<String, String> connection;
    try {
      connection = MasterReplica.connect(redis, StringCodec.UTF8, uri.build());
    } catch (RuntimeException e) {
      redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
    connection.setReadFrom(ReadFrom.UPSTREAM);
    return new Client() {
      @Override
      public String append(String k, String value) {
        return connection.sync().eval(APPEND, ScriptOutputType.VALUE, new String[] {k}, value);
      }

      @Override
      public void close() {
        connection.close();
        redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    };
  }

  private void loop() {
    long value = 1;
    while (running) {
      long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(periodMillis);
      long sent = System.nanoTime();
      try {
        String runId = client.append(key, Long.toString(value));
        long acked = System.nanoTime();
        String node = nodeOfRunId.apply(runId);
        synchronized (acks) {
          acks.add(new Writer.Ack(value, node == null ? "run-id:" + runId : node, sent, acked));
        }
        value++;
      } catch (RuntimeException e) {
        synchronized (errors) {
          if (errors.size() == 1000) {
            errors.remove(0);
          }
          errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        try {
          Thread.sleep(TimeUnit.NANOSECONDS.toMillis(sleep) + 1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  @Override
  public List<Writer.Ack> acks() {
    synchronized (acks) {
      return List.copyOf(acks);
    }
  }

  /** The last 1000 errors the library returned, for a failing test's message. */
  public List<String> errors() {
    synchronized (errors) {
      return List.copyOf(errors);
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      if (thread != null) {
        thread.join(READ_TIMEOUT.toMillis() + 2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (client != null) {
      client.close();
    }
  }

  @Override
  public String errorSummary() {
    List<String> e = errors();
    return e.size() + " errors" + (e.isEmpty() ? "" : ", the last: " + e.get(e.size() - 1));
  }

  @Override
  public String toString() {
    return library + " writer on '" + master + "' via " + sentinels;
  }
}
