package io.github.redisleaseha.chaos;

import java.util.OptionalLong;

/**
 * The most writes of one kind (acknowledged writes lost, or split-brain writes) that a fault may
 * cost, as a value the suite checks instead of prose it parses. Three kinds:
 *
 * <ul>
 *   <li>{@link #zero}: none, ever; asserted.
 *   <li>{@link #measured}: a number the fault counts while it runs (e.g. commands already in flight on
 *       a frozen Redis's connections), put in {@link Findings}; asserted against that count.
 *   <li>{@link #described}: non-zero and not counted by the harness (the asynchronous replication
 *       window at a crash); reported, not asserted.
 * </ul>
 *
 * @param kind which of the three
 * @param why the reason, as the report's prose column shows it
 */
record Bound(Kind kind, String why) {

  enum Kind { ZERO, MEASURED, DESCRIBED }

  static Bound zero(String why) {
    return new Bound(Kind.ZERO, why);
  }

  static Bound measured(String why) {
    return new Bound(Kind.MEASURED, why);
  }

  static Bound described(String why) {
    return new Bound(Kind.DESCRIBED, why);
  }

  /**
   * The largest admissible count, given what the fault measured ({@code measured} is empty if it
   * measured nothing); empty when the bound is not checkable.
   *
   * @throws IllegalStateException for a measured bound the fault did not measure
   */
  OptionalLong limit(OptionalLong measured) {
    return switch (kind) {
      case ZERO -> OptionalLong.of(0);
      case DESCRIBED -> OptionalLong.empty();
      case MEASURED -> {
        if (measured.isEmpty()) {
          throw new IllegalStateException("the fault did not measure its bound: " + why);
        }
        yield measured;
      }
    };
  }

  /** The report's prose, with the measured figure where there is one. */
  String prose(OptionalLong measured) {
    return switch (kind) {
      case ZERO -> "0: " + why;
      case DESCRIBED -> why;
      case MEASURED -> (measured.isPresent() ? measured.getAsLong() : "?") + ": " + why;
    };
  }
}
