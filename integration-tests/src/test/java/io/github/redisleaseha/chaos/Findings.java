package io.github.redisleaseha.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What one fault measured and noticed while it ran. Measurements are suppliers, evaluated when the
 * run is judged: an acknowledgement held on the wire or in a frozen Redis may arrive after the fault
 * has returned.
 */
final class Findings {

  private final List<LongSupplier> splitBrainBound = new ArrayList<>();
  private final List<LongSupplier> lostBound = new ArrayList<>();
  private final List<Supplier<String>> notes = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();

  /** Adds to the measured split-brain bound (a fault that cuts several times adds once per cut). */
  synchronized void splitBrainBound(LongSupplier count) {
    splitBrainBound.add(count);
  }

  synchronized void lostBound(LongSupplier count) {
    lostBound.add(count);
  }

  /** A fact for the report row. */
  synchronized void note(String note) {
    notes.add(() -> note);
  }

  /** A fact for the report row, worked out when the run is judged. */
  synchronized void note(Supplier<String> note) {
    notes.add(note);
  }

  /** Something the fault's own expectation forbids (asserted empty after the row is written). */
  synchronized void violation(String what) {
    violations.add(what);
  }

  synchronized OptionalLong splitBrainBound() {
    return sum(splitBrainBound);
  }

  synchronized OptionalLong lostBound() {
    return sum(lostBound);
  }

  synchronized List<String> notes() {
    return notes.stream().map(Supplier::get).toList();
  }

  synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  private static OptionalLong sum(List<LongSupplier> parts) {
    return parts.isEmpty() ? OptionalLong.empty() : OptionalLong.of(parts.stream().mapToLong(LongSupplier::getAsLong).sum());
  }
}
