package io.github.redisleaseha.bench;

import io.github.redisleaseha.harness.Writer;

/** A system under test: ours, or Redis Sentinel with given timings. */
interface System extends AutoCloseable {

  String label();

  boolean supports(Scenario scenario);

  /** Waits until there is one primary and every other node replicates from it. */
  void awaitHealthy();

  /** The primary as the system's clients are told (write endpoint, or Sentinel's answer). */
  String primary();

  /** The client an application would use. */
  Writer mainWriter();

  /** A client that stays with {@code address} whatever happens, to expose split-brain writes. */
  Writer staleWriter(String address);

  /** How long the FREEZE scenario keeps the leader's Redis stopped. */
  long freezeMillis();

  /** Injects the fault on the node whose Redis is at {@code primary}. */
  void inject(Scenario scenario, String primary);

  /** Ends a fault that has an end (SIGCONT, API back); called after the fault's duration. */
  void endFault(Scenario scenario, String primary);

  /** Brings the faulted node back (restart what was killed), so the next trial starts healthy. */
  void recover(Scenario scenario, String primary);

  @Override
  void close();
}
