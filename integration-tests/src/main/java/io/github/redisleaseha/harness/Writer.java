package io.github.redisleaseha.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A client that appends a strictly increasing value to one list every {@code periodMillis} and
 * records every acknowledgement with its time and the node that answered, so lost writes,
 * split-brain writes and unavailability can be counted exactly. How it finds the primary:
 *
 * <ul>
 *   <li>{@link Mode#FOLLOW}: resolves the write Service's endpoints every {@value #RESOLVE_MILLIS} ms
 *       the way kube-proxy would, and moves when they move;
 *   <li>{@link Mode#ON_ERROR}: a Sentinel-aware client, which asks for the primary at start and after
 *       every error only;
 *   <li>{@link Mode#PINNED}: the "stale" client, which stays with the address it resolved first.
 * </ul>
 *
 * <p>How it treats its connection. By default (the benchmark and the demo) it connects with a 300 ms
 * timeout and reconnects after any error, so a stalled Redis costs it 300 ms per try. A writer made
 * with {@link #builder} and {@link Builder#keepConnection} is the client a fault hurts most: a read
 * timeout longer than any fault, and a connection kept across error replies (READONLY, BUSY, ...),
 * dropped only on a connection error or when its target moves. A command in flight when Redis stops
 * is then acknowledged when Redis resumes, as a real application's would be.
 */
public final class Writer implements Acks, AutoCloseable {

  static final long RESOLVE_MILLIS = 50;
  public static final String KEY = "writer:log";

  /** How the writer finds the primary. */
  public enum Mode { FOLLOW, ON_ERROR, PINNED }

  /** Connect timeout, and the read timeout of a writer that does not keep its connection. */
  static final int SHORT_TIMEOUT_MILLIS = 300;

  /**
   * One acknowledged write: its value, the node ({@code host:port}) that answered, when the command
   * was sent and when its acknowledgement arrived.
   */
  public record Ack(long value, String node, long sentNanos, long nanos) {
    /** An acknowledgement that arrived as it was sent (tests of the checker). */
    public Ack(long value, String node, long nanos) {
      this(value, node, nanos, nanos);
    }
  }

  /** Settings of a writer; see {@link Writer#builder}. */
  public static final class Builder {
    private final Supplier<String> resolver;
    private Supplier<String> password = () -> null;
    private long periodMillis = 10;
    private Mode mode = Mode.FOLLOW;
    private String key = KEY;
    private int readTimeoutMillis = SHORT_TIMEOUT_MILLIS;
    private boolean keepConnection;

    private Builder(Supplier<String> resolver) {
      this.resolver = resolver;
    }

    /** Asked at every (re)connect, so a changed password reaches the next connection. */
    public Builder password(Supplier<String> p) {
      this.password = p;
      return this;
    }

    public Builder period(long millis) {
      this.periodMillis = millis;
      return this;
    }

    public Builder mode(Mode m) {
      this.mode = m;
      return this;
    }

    public Builder key(String k) {
      this.key = k;
      return this;
    }

    /**
     * Keeps one connection with this read timeout (make it longer than any fault): error replies
     * leave it open; only a connection error or a new target replaces it.
     */
    public Builder keepConnection(java.time.Duration readTimeout) {
      this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
      this.keepConnection = true;
      return this;
    }

    public Writer build() {
      return new Writer(this);
    }
  }

  private final Supplier<String> resolver;
  private final Supplier<String> password;
  private final long periodMillis;
  private final Mode mode;
  private final String key;
  private final int readTimeoutMillis;
  private final boolean keepConnection;
  private volatile Jedis current;
  private final List<Ack> acks = new ArrayList<>();
  private volatile String target;
  private volatile boolean running;
  private Thread resolverThread;
  private Thread writerThread;

  public Writer(Supplier<String> resolver, String password, long periodMillis) {
    this(resolver, password, periodMillis, Mode.FOLLOW, KEY);
  }

  public Writer(Supplier<String> resolver, String password, long periodMillis, Mode mode, String key) {
    this(new Builder(resolver).password(() -> password).period(periodMillis).mode(mode).key(key));
  }

  private Writer(Builder b) {
    this.resolver = b.resolver;
    this.password = b.password;
    this.periodMillis = b.periodMillis;
    this.mode = b.mode;
    this.key = b.key;
    this.readTimeoutMillis = b.readTimeoutMillis;
    this.keepConnection = b.keepConnection;
  }

  /** A writer resolving its target with {@code resolver}; by default as the benchmark's (FOLLOW, 10 ms, 300 ms). */
  public static Builder builder(Supplier<String> resolver) {
    return new Builder(resolver);
  }

  @Override
  public String key() {
    return key;
  }

  public void start() {
    running = true;
    if (mode != Mode.FOLLOW) {
      target = resolveQuietly();
      writerThread = Thread.ofPlatform().name("writer-" + key).daemon(true).start(this::loop);
      return;
    }
    resolverThread = Thread.ofPlatform().name("writer-resolve").daemon(true).start(() -> {
      while (running) {
        try {
          String t = resolver.get();
          if (t != null) {
            target = t;
          }
        } catch (RuntimeException e) {
          // keep the last known target, as kube-proxy keeps its rules when the API is away
        }
        pause(RESOLVE_MILLIS);
      }
    });
    writerThread = Thread.ofPlatform().name("writer").daemon(true).start(this::loop);
  }

  private void loop() {
    long value = 0;
    Jedis jedis = null;
    String connected = null;
    while (running) {
      long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(periodMillis);
      String t = target;
      value++;
      try {
        if (t != null && !t.equals(connected)) {
          close(jedis);
          jedis = null;
          connected = null;
          jedis = connect(t, SHORT_TIMEOUT_MILLIS, readTimeoutMillis);
          current = jedis;
          String p = password.get();
          if (p != null) {
            jedis.auth(p);
          }
          connected = t;
        }
        if (jedis != null) {
          long sent = System.nanoTime();
          jedis.rpush(key, Long.toString(value));
          synchronized (acks) {
            acks.add(new Ack(value, connected, sent, System.nanoTime()));
          }
        }
      } catch (JedisDataException e) {
        // An error reply (READONLY, BUSY, NOAUTH, ...): the connection itself is fine.
        if (!keepConnection || connected == null) {
          close(jedis);
          jedis = null;
          connected = null;
        }
        reresolve();
      } catch (RuntimeException e) {
        close(jedis);
        jedis = null;
        connected = null;
        reresolve();
      }
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        pause(TimeUnit.NANOSECONDS.toMillis(sleep));
      }
    }
    close(jedis);
  }

  private void reresolve() {
    if (mode == Mode.ON_ERROR) {
      String t2 = resolveQuietly();
      if (t2 != null) {
        target = t2;
      }
    }
  }

  /** A Jedis connection to {@code host:port}. */
  public static Jedis connect(String address, int timeoutMillis) {
    return connect(address, timeoutMillis, timeoutMillis);
  }

  /** A Jedis connection to {@code host:port} with separate connect and read timeouts. */
  public static Jedis connect(String address, int connectMillis, int readMillis) {
    int colon = address.lastIndexOf(':');
    return new Jedis(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)), connectMillis, readMillis);
  }

  private String resolveQuietly() {
    try {
      return resolver.get();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void close(Jedis j) {
    if (j != null) {
      try {
        j.close();
      } catch (RuntimeException ignored) {
        // broken already
      }
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public List<Ack> acks() {
    synchronized (acks) {
      return List.copyOf(acks);
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      if (writerThread != null) {
        writerThread.join(2000);
        if (writerThread.isAlive()) {
          // blocked on a long read timeout: closing the socket ends the wait
          close(current);
          writerThread.join(2000);
        }
      }
      if (resolverThread != null) {
        resolverThread.join(2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
