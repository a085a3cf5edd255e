package io.github.redisleaseha.bench;

import io.github.redisleaseha.harness.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import redis.clients.jedis.Jedis;

/**
 * One fault, measured: a main writer (the application's client) and a stale writer (pinned to the
 * original primary) write every 5 ms; the fault is injected; the trial ends a settle time after the
 * main writer is acknowledged by another node (or after the fault ends, when no failover happens).
 */
final class Trial {

  /** What one trial measured. */
  record Result(
      String system, Scenario scenario, int trial, long unavailableMs, int lost, int splitBrain,
      String from, String to, boolean recovered) {}

  private static final long SETTLE_MILLIS = 1_000;
  private static final Duration FAILOVER_BOUND = Duration.ofSeconds(60);

  private Trial() {}

  static Result run(System system, Scenario scenario, int trial) {
    system.awaitHealthy();
    String from = system.primary();
    Writer main = system.mainWriter();
    Writer stale = system.staleWriter(from);
    main.start();
    stale.start();
    Awaitility.await("writes acknowledged before the fault").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10)).until(() -> main.ackCount() >= 60 && stale.ackCount() >= 30);

    long fault = java.lang.System.nanoTime();
    system.inject(scenario, from);
    boolean ends = scenario == Scenario.FREEZE || scenario.apiOutage();
    if (ends) {
      // The fault itself lasts this long (this sleep is the fault being injected, not a wait).
      sleep(scenario == Scenario.FREEZE ? system.freezeMillis() : scenario.apiOutageMillis);
      system.endFault(scenario, from);
    }
    // A failover is over when another node acknowledges; an API outage when anyone acknowledges again.
    long since = scenario.apiOutage() ? java.lang.System.nanoTime() : fault;
    String notFrom = scenario.apiOutage() ? null : from;
    boolean recovered = true;
    try {
      Awaitility.await("writes acknowledged again").atMost(FAILOVER_BOUND).pollInterval(Duration.ofMillis(5))
          .until(() -> main.firstAckAfter(since, notFrom) != null);
    } catch (ConditionTimeoutException e) {
      recovered = false;
    }
    sleep(SETTLE_MILLIS);
    main.close();
    stale.close();

    String to = system.primary();
    Set<Long> mainStored = stored(to, main.key());
    Set<Long> staleStored = stored(to, stale.key());
    int lost = count(main.acks(), mainStored) + count(stale.acks(), staleStored);
    int splitBrain = splitBrain(from, main.acks(), stale.acks());
    if (splitBrain > 0 && java.lang.Boolean.getBoolean("bench.debug")) {
      long firstOther = java.util.stream.Stream.concat(main.acks().stream(), stale.acks().stream())
          .filter(a -> !a.node().equals(from)).mapToLong(Writer.Ack::nanos).min().orElse(0);
      for (Writer.Ack a : stale.acks()) {
        if (a.nanos() > firstOther) {
          java.lang.System.out.printf("  split-brain ack: value %d at +%d ms after the fault%n", a.value(),
              TimeUnit.NANOSECONDS.toMillis(a.nanos() - fault));
        }
      }
    }
    long unavailable = unavailability(main.acks(), mainStored, fault);
    return new Result(system.label(), scenario, trial, unavailable, lost, splitBrain, from, to, recovered);
  }

  /** Acknowledged values of a writer missing on the final primary. */
  private static int count(List<Writer.Ack> acks, Set<Long> stored) {
    int missing = 0;
    for (Writer.Ack a : acks) {
      if (!stored.contains(a.value())) {
        missing++;
      }
    }
    return missing;
  }

  /**
   * Writes acknowledged by the original primary after another node had acknowledged a write: for
   * that time two nodes acted as primary.
   */
  static int splitBrain(String from, List<Writer.Ack> main, List<Writer.Ack> stale) {
    List<Writer.Ack> all = new ArrayList<>(main);
    all.addAll(stale);
    long firstOther = all.stream().filter(a -> !a.node().equals(from)).mapToLong(Writer.Ack::nanos).min().orElse(Long.MAX_VALUE);
    return (int) all.stream().filter(a -> a.node().equals(from) && a.nanos() > firstOther).count();
  }

  /**
   * The longest gap between consecutive acknowledgements that survived on the final primary, from the
   * last one before the fault to the end of the trial. Acknowledged-then-lost writes do not count as
   * availability.
   */
  static long unavailability(List<Writer.Ack> acks, Set<Long> stored, long faultNanos) {
    long previous = -1;
    long longest = 0;
    for (Writer.Ack a : acks) {
      if (!stored.contains(a.value())) {
        continue;
      }
      if (a.nanos() <= faultNanos) {
        previous = a.nanos();
        continue;
      }
      if (previous >= 0) {
        longest = Math.max(longest, a.nanos() - previous);
      }
      previous = a.nanos();
    }
    return TimeUnit.NANOSECONDS.toMillis(longest);
  }

  private static Set<Long> stored(String address, String key) {
    Set<Long> values = new HashSet<>();
    if (address == null) {
      return values;
    }
    try (Jedis j = Writer.connect(address, 5000)) {
      for (String s : j.lrange(key, 0, -1)) {
        values.add(Long.parseLong(s));
      }
      j.del(key);
    }
    return values;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
