package io.github.redisleaseha.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Watches a failover from the outside, as an operator would: from the fault, when the Lease changed
 * hands, when a new Redis became primary, when the write endpoint moved, and when the writer got its
 * first acknowledgement from the new primary.
 */
public final class FailoverTimeline implements AutoCloseable {

  private final LocalCluster cluster;
  private final Writer writer;
  private final String oldLeader;
  private final String oldAddress;
  private final long faultNanos;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long leaseNanos = -1;
  private volatile long promotedNanos = -1;
  private volatile long endpointNanos = -1;
  private volatile String newLeader;

  public FailoverTimeline(LocalCluster cluster, Writer writer, LocalCluster.Node oldLeader, long faultNanos) {
    this.cluster = cluster;
    this.writer = writer;
    this.oldLeader = oldLeader.name;
    this.oldAddress = oldLeader.redis.address();
    this.faultNanos = faultNanos;
    this.thread = Thread.ofPlatform().name("timeline").daemon(true).start(this::watch);
  }

  private void watch() {
    while (running && (leaseNanos < 0 || promotedNanos < 0 || endpointNanos < 0)) {
      long now = System.nanoTime();
      if (leaseNanos < 0) {
        String holder = cluster.leaseState().holder();
        if (holder != null && !holder.equals(oldLeader)) {
          leaseNanos = now;
          newLeader = holder;
        }
      }
      if (promotedNanos < 0) {
        for (LocalCluster.Node n : cluster.writablePrimaries()) {
          if (!n.name.equals(oldLeader)) {
            promotedNanos = now;
          }
        }
      }
      if (endpointNanos < 0) {
        String t = cluster.endpointTarget();
        if (t != null && !t.equals(oldAddress)) {
          endpointNanos = now;
        }
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Result of one failover as seen from outside. */
  public record Result(
      String from, String to, long leaseMs, long promotedMs, long endpointMs, long firstWriteMs,
      long unavailableMs, List<String> lines) {}

  /** Waits (bounded) for the new primary to acknowledge a write, then summarises. */
  public Result result(long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    Writer.Ack first = null;
    while (System.nanoTime() < deadline && (first == null || endpointNanos < 0 || leaseNanos < 0 || promotedNanos < 0)) {
      first = writer.firstAckAfter(faultNanos, oldAddress);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        break;
      }
    }
    close();
    Writer.Ack last = writer.lastAckBefore(faultNanos);
    long firstMs = first == null ? -1 : ms(first.nanos());
    long unavailable = first == null || last == null ? -1 : TimeUnit.NANOSECONDS.toMillis(first.nanos() - last.nanos());
    record Event(long ms, String what) {}
    List<Event> events = new ArrayList<>(List.of(
        new Event(0, "fault injected on " + oldLeader),
        new Event(ms(leaseNanos), "Lease taken by " + newLeader),
        new Event(ms(promotedNanos), "a new primary answers (" + newLeader + ")"),
        new Event(ms(endpointNanos), "write endpoint moved"),
        new Event(firstMs, "first acknowledged write on the new primary")));
    events.sort((a, b) -> Long.compare(a.ms() < 0 ? Long.MAX_VALUE : a.ms(), b.ms() < 0 ? Long.MAX_VALUE : b.ms()));
    List<String> lines = new ArrayList<>();
    for (Event e : events) {
      lines.add(e.ms() < 0 ? "     never  " + e.what() : String.format("  %+7d ms  %s", e.ms(), e.what()));
    }
    return new Result(oldLeader, newLeader, ms(leaseNanos), ms(promotedNanos), ms(endpointNanos), firstMs, unavailable, lines);
  }

  private long ms(long nanos) {
    return nanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(nanos - faultNanos);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
