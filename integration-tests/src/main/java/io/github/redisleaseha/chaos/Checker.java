package io.github.redisleaseha.chaos;

import io.github.redisleaseha.harness.Writer.Ack;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Judges one chaos run from the writers' acknowledgements.
 *
 * <p><b>Split brain</b>: every node has a writer pinned to it, writing every few milliseconds, so a
 * node that accepts writes shows a run of acknowledgements. A node's run is its acknowledgements with
 * gaps shorter than {@link #RUN_GAP_NANOS}. Two runs of different nodes that overlap in time mean two
 * writable primaries; the acknowledgements inside the overlap are counted as split-brain writes.
 */
public final class Checker {

  /** A pinned writer writes every 10 ms; a longer silence ends a node's run of acceptance. */
  static final long RUN_GAP_NANOS = 200_000_000L;

  private Checker() {}

  /** One node's uninterrupted acceptance of writes, [startNanos, endNanos]. */
  record Run(String node, long startNanos, long endNanos) {}

  static List<Run> runs(List<Ack> acks) {
    List<Ack> sorted = new ArrayList<>(acks);
    sorted.sort(Comparator.comparing(Ack::node).thenComparingLong(Ack::nanos));
    List<Run> runs = new ArrayList<>();
    Run current = null;
    for (Ack a : sorted) {
      if (current != null && current.node().equals(a.node()) && a.nanos() - current.endNanos() <= RUN_GAP_NANOS) {
        current = new Run(current.node(), current.startNanos(), a.nanos());
      } else {
        if (current != null) {
          runs.add(current);
        }
        current = new Run(a.node(), a.nanos(), a.nanos());
      }
    }
    if (current != null) {
      runs.add(current);
    }
    return runs;
  }

  /** Acknowledgements that fall where runs of two different nodes overlap. */
  public static List<Ack> splitBrainWrites(List<Ack> acks) {
    List<Run> runs = runs(acks);
    List<Ack> result = new ArrayList<>();
    for (Ack a : acks) {
      for (Run r : runs) {
        if (!r.node().equals(a.node()) && a.nanos() >= r.startNanos() && a.nanos() <= r.endNanos()) {
          result.add(a);
          break;
        }
      }
    }
    return result;
  }

  /**
   * Time from {@code faultNanos} to the first acknowledgement after the longest silence that began
   * after the fault (0 if writes never stopped for longer than a run gap).
   */
  public static long recoveryMillis(List<Ack> followAcks, long faultNanos) {
    List<Ack> after = followAcks.stream().filter(a -> a.nanos() >= faultNanos)
        .sorted(Comparator.comparingLong(Ack::nanos)).toList();
    long previous = faultNanos;
    long worstEnd = -1;
    long worstGap = 0;
    for (Ack a : after) {
      long gap = a.nanos() - previous;
      if (gap > worstGap) {
        worstGap = gap;
        worstEnd = a.nanos();
      }
      previous = a.nanos();
    }
    if (worstGap <= RUN_GAP_NANOS || worstEnd < 0) {
      return 0;
    }
    return (worstEnd - faultNanos) / 1_000_000;
  }

  /**
   * The longest time (ms) a writer waited between two acknowledged writes in {@code [fromNanos,
   * untilNanos]}, counting from {@code fromNanos} to the first acknowledgement and from the last one to
   * {@code untilNanos}: what an application that keeps its connection sees as a write pause.
   */
  public static long longestPauseMillis(List<Ack> acks, long fromNanos, long untilNanos) {
    long previous = fromNanos;
    long worst = 0;
    for (Ack a : acks.stream().filter(a -> a.nanos() >= fromNanos && a.nanos() <= untilNanos)
        .sorted(Comparator.comparingLong(Ack::nanos)).toList()) {
      worst = Math.max(worst, a.nanos() - previous);
      previous = a.nanos();
    }
    worst = Math.max(worst, untilNanos - previous);
    return worst / 1_000_000;
  }
}
