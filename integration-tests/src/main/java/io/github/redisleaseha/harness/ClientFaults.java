package io.github.redisleaseha.harness;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The three leader moves a Sentinel client must follow, on a running {@link LocalCluster}, timed from
 * the fault to the client's first write acknowledged by the new primary. Shared by the client tests
 * and {@code make bench}, so both time the same thing.
 */
public final class ClientFaults {

  private ClientFaults() {}

  public enum Fault {
    /** The leader's Redis is killed and started again at once (it comes back a replica). */
    CRASH("Redis crash"),
    /** {@code POST /switchover} on the leader's sidecar: a handover to the most up-to-date replica. */
    SWITCHOVER("switchover"),
    /** The leader's sidecar gets SIGTERM (a pod deletion): it hands over, then exits. */
    HANDOVER("graceful handover");

    public final String description;

    Fault(String description) {
      this.description = description;
    }

    /** A planned move: no acknowledged write may be lost. */
    public boolean planned() {
      return this != CRASH;
    }
  }

  /**
   * One fault and what the client saw.
   *
   * @param atNanos when the fault was injected
   * @param firstAckMillis from then to the client's first write acknowledged by {@code to}
   */
  public record Outcome(Fault fault, LocalCluster.Node from, LocalCluster.Node to, long atNanos, long firstAckMillis) {}

  /**
   * Injects {@code fault} on the current leader and waits (up to {@code timeout}) for the new leader
   * and for {@code writer}'s first acknowledgement from it; {@code diagnostics} is added to the
   * message if that does not come.
   */
  public static Outcome inject(LocalCluster cluster, Fault fault, Acks writer, Duration timeout, Supplier<String> diagnostics) {
    LocalCluster.Node from = cluster.awaitLeader(timeout);
    long at = System.nanoTime();
    switch (fault) {
      case CRASH -> {
        from.redis.kill();
        from.redis.start();
      }
      case SWITCHOVER -> {
        String reply = from.sidecar.post("/switchover", Duration.ofSeconds(60));
        if (!reply.startsWith("200")) {
          throw new IllegalStateException("POST /switchover on " + from.name + " answered " + reply);
        }
      }
      case HANDOVER -> {
        int exit = from.sidecar.terminate(30_000);
        if (exit != 0) {
          throw new IllegalStateException(from.name + "'s sidecar exited with " + exit + " after the graceful handover");
        }
      }
    }
    LocalCluster.Node to = cluster.awaitLeaderOtherThan(from, timeout);
    String address = to.redis.address();
    try {
      Awaitility.await(writer + " writes on " + to.name + " after the " + fault.description).atMost(timeout)
          .pollInterval(Duration.ofMillis(10))
          .until(() -> writer.acks().stream().anyMatch(a -> a.nanos() > at && a.node().equals(address)));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "; " + diagnostics.get(), e);
    }
    Writer.Ack first = writer.acks().stream().filter(a -> a.nanos() > at && a.node().equals(address)).findFirst().orElseThrow();
    return new Outcome(fault, from, to, at, TimeUnit.NANOSECONDS.toMillis(first.nanos() - at));
  }

  /** Puts the cluster back to every member running and in sync after {@code o}: a handed-over sidecar starts again. */
  public static void recover(LocalCluster cluster, Outcome o, Duration timeout) {
    if (o.fault() == Fault.HANDOVER) {
      o.from().sidecar.start();
      Awaitility.await(o.from().name + "'s sidecar ready").atMost(timeout).pollInterval(Duration.ofMillis(20))
          .until(o.from().sidecar::ready);
    }
    cluster.awaitReplicasInSync(o.to(), timeout);
  }
}
