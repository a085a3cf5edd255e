package io.github.redisleaseha.harness;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What every test writer records, whatever client it drives (the harness's own {@link Writer}, a
 * Sentinel client library, a writer in another language): the acknowledged writes in the order they
 * were acknowledged, each with the node that answered, and the list it appends to. The questions tests
 * ask of them live here once.
 */
public interface Acks extends AutoCloseable {

  /** The acknowledgements so far, in order. */
  List<Writer.Ack> acks();

  /** The list the writer appends its values to. */
  String key();

  /** How many errors the client returned and the last one, for a failing test's message. */
  default String errorSummary() {
    return "";
  }

  /** Stops writing; the acknowledgements stay readable. */
  @Override
  void close();

  default int ackCount() {
    return acks().size();
  }

  /** The last acknowledgement at or before {@code nanos}, or null. */
  default Writer.Ack lastAckBefore(long nanos) {
    Writer.Ack found = null;
    for (Writer.Ack a : acks()) {
      if (a.nanos() <= nanos) {
        found = a;
      }
    }
    return found;
  }

  /** The first acknowledgement after {@code nanos} by a node other than {@code excludedNode} (null: any), or null. */
  default Writer.Ack firstAckAfter(long nanos, String excludedNode) {
    for (Writer.Ack a : acks()) {
      if (a.nanos() > nanos && !a.node().equals(excludedNode)) {
        return a;
      }
    }
    return null;
  }

  /** Acknowledged values missing from {@code stored} (the final primary's list, read after the writer stopped). */
  default List<Long> lost(List<String> stored) {
    return lost(stored, Long.MAX_VALUE);
  }

  /**
   * Values acknowledged by {@code readNanos} that are missing from {@code stored}, a primary's list read
   * from {@code readNanos} on while the writer may still run. A write acknowledged later may or may not be
   * in that list, so it is not counted.
   */
  default List<Long> lost(List<String> stored, long readNanos) {
    Set<Long> present = new HashSet<>();
    for (String s : stored) {
      present.add(Long.parseLong(s));
    }
    List<Long> lost = new ArrayList<>();
    for (Writer.Ack a : acks()) {
      if (a.nanos() <= readNanos && !present.contains(a.value())) {
        lost.add(a.value());
      }
    }
    return lost;
  }
}
