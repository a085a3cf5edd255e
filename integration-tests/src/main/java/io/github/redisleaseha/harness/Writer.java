package io.github.redisleaseha.harness;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import redis.clients.jedis.Jedis;

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
 */
public final class Writer implements AutoCloseable {

  static final long RESOLVE_MILLIS = 50;
  public static final String KEY = "writer:log";

  /** How the writer finds the primary. */
  public enum Mode { FOLLOW, ON_ERROR, PINNED }

  /** One acknowledged write. */
  public record Ack(long value, String node, long nanos) {}

  private final Supplier<String> resolver;
  private final String password;
  private final long periodMillis;
  private final Mode mode;
  private final String key;
  private final List<Ack> acks = new ArrayList<>();
  private volatile String target;
  private volatile boolean running;
  private Thread resolverThread;
  private Thread writerThread;

  public Writer(Supplier<String> resolver, String password, long periodMillis) {
    this(resolver, password, periodMillis, Mode.FOLLOW, KEY);
  }

  public Writer(Supplier<String> resolver, String password, long periodMillis, Mode mode, String key) {
    this.resolver = resolver;
    this.password = password;
    this.periodMillis = periodMillis;
    this.mode = mode;
    this.key = key;
  }

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
          jedis = connect(t, 300);
          if (password != null) {
            jedis.auth(password);
          }
          connected = t;
        }
        if (jedis != null) {
          jedis.rpush(key, Long.toString(value));
          synchronized (acks) {
            acks.add(new Ack(value, connected, System.nanoTime()));
          }
        }
      } catch (RuntimeException e) {
        close(jedis);
        jedis = null;
        connected = null;
        if (mode == Mode.ON_ERROR) {
          String t2 = resolveQuietly();
          if (t2 != null) {
            target = t2;
          }
        }
      }
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        pause(TimeUnit.NANOSECONDS.toMillis(sleep));
      }
    }
    close(jedis);
  }

  /** A Jedis connection to {@code host:port}. */
  public static Jedis connect(String address, int timeoutMillis) {
    int colon = address.lastIndexOf(':');
    return new Jedis(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)), timeoutMillis, timeoutMillis);
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

  public List<Ack> acks() {
    synchronized (acks) {
      return List.copyOf(acks);
    }
  }

  public int ackCount() {
    synchronized (acks) {
      return acks.size();
    }
  }

  /** The last acknowledgement at or before {@code nanos}, or null. */
  public Ack lastAckBefore(long nanos) {
    Ack found = null;
    for (Ack a : acks()) {
      if (a.nanos() <= nanos) {
        found = a;
      }
    }
    return found;
  }

  /** The first acknowledgement after {@code nanos} by a node other than {@code excludedNode} (null: any), or null. */
  public Ack firstAckAfter(long nanos, String excludedNode) {
    for (Ack a : acks()) {
      if (a.nanos() > nanos && !a.node().equals(excludedNode)) {
        return a;
      }
    }
    return null;
  }

  /** Acknowledged values missing from {@code stored} (the final primary's list, read after the writer stopped). */
  public List<Long> lost(List<String> stored) {
    return lost(stored, Long.MAX_VALUE);
  }

  /**
   * Values acknowledged by {@code readNanos} that are missing from {@code stored}, a primary's list read
   * from {@code readNanos} on while the writer may still run. A write acknowledged later may or may not be
   * in that list, so it is not counted.
   */
  public List<Long> lost(List<String> stored, long readNanos) {
    Set<Long> present = new HashSet<>();
    for (String s : stored) {
      present.add(Long.parseLong(s));
    }
    List<Long> lost = new ArrayList<>();
    for (Ack a : acks()) {
      if (a.nanos() <= readNanos && !present.contains(a.value())) {
        lost.add(a.value());
      }
    }
    return lost;
  }

  @Override
  public void close() {
    running = false;
    try {
      if (writerThread != null) {
        writerThread.join(2000);
      }
      if (resolverThread != null) {
        resolverThread.join(2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
