package io.github.redisleaseha.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.Writer.Ack;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chaos checker on made-up acknowledgements: runs, overlaps, the run gap's edge, recovery. No root needed. */
class CheckerTest {

  private static final long MS = 1_000_000L;
  private static final String A = "10.77.0.11:6379";
  private static final String B = "10.77.0.12:6379";

  /** Acknowledgements by {@code node} every {@code stepMs} from {@code fromMs} to {@code toMs} inclusive. */
  private static List<Ack> every(String node, long fromMs, long toMs, long stepMs) {
    List<Ack> acks = new ArrayList<>();
    for (long t = fromMs; t <= toMs; t += stepMs) {
      acks.add(new Ack(t, node, t * MS));
    }
    return acks;
  }

  private static List<Ack> all(List<Ack> first, List<Ack> second) {
    List<Ack> acks = new ArrayList<>(first);
    acks.addAll(second);
    return acks;
  }

  @Test
  void oneNodeAtATimeIsNoSplitBrain() {
    List<Ack> acks = all(every(A, 0, 1000, 10), every(B, 1300, 2000, 10));
    assertThat(Checker.runs(acks)).hasSize(2);
    assertThat(Checker.splitBrainWrites(acks)).isEmpty();
  }

  @Test
  void overlappingRunsOfTwoNodesCountEveryWriteInsideTheOverlap() {
    List<Ack> acks = all(every(A, 0, 100, 10), every(B, 50, 150, 10));
    List<Ack> split = Checker.splitBrainWrites(acks);
    // A's writes at 50..100 lie in B's run [50, 150]; B's at 50..100 in A's run [0, 100]
    assertThat(split).filteredOn(a -> a.node().equals(A)).extracting(Ack::value).containsExactly(50L, 60L, 70L, 80L, 90L, 100L);
    assertThat(split).filteredOn(a -> a.node().equals(B)).extracting(Ack::value).containsExactly(50L, 60L, 70L, 80L, 90L, 100L);
  }

  @Test
  void aSingleLateAcknowledgementInsideAnotherRunCountsOnce() {
    // a frozen primary answering its one command in flight on resume, while B leads
    List<Ack> acks = all(every(B, 0, 1000, 10), List.of(new Ack(7, A, 500 * MS + 3)));
    assertThat(Checker.splitBrainWrites(acks)).containsExactly(new Ack(7, A, 500 * MS + 3));
  }

  @Test
  void aGapOfExactlyTheRunGapKeepsOneRun() {
    List<Ack> a = List.of(new Ack(1, A, 0), new Ack(2, A, Checker.RUN_GAP_NANOS));
    List<Ack> acks = all(a, List.of(new Ack(1, B, Checker.RUN_GAP_NANOS / 2)));
    assertThat(Checker.runs(a)).containsExactly(new Checker.Run(A, 0, Checker.RUN_GAP_NANOS));
    // B's write falls inside A's single run, so both nodes accepted writes at once
    assertThat(Checker.splitBrainWrites(acks)).containsExactly(new Ack(1, B, Checker.RUN_GAP_NANOS / 2));
  }

  @Test
  void aGapJustOverTheRunGapEndsTheRun() {
    List<Ack> a = List.of(new Ack(1, A, 0), new Ack(2, A, Checker.RUN_GAP_NANOS + 1));
    List<Ack> acks = all(a, List.of(new Ack(1, B, Checker.RUN_GAP_NANOS / 2)));
    assertThat(Checker.runs(a)).containsExactly(new Checker.Run(A, 0, 0), new Checker.Run(A, Checker.RUN_GAP_NANOS + 1,
        Checker.RUN_GAP_NANOS + 1));
    assertThat(Checker.splitBrainWrites(acks)).isEmpty();
  }

  @Test
  void runsAreKeptPerNodeWhateverTheOrderOfTheAcknowledgements() {
    List<Ack> acks = all(every(B, 0, 100, 10), every(A, 0, 100, 10)).reversed();
    assertThat(Checker.runs(acks)).containsExactlyInAnyOrder(new Checker.Run(A, 0, 100 * MS), new Checker.Run(B, 0, 100 * MS));
  }

  @Test
  void theLongestPauseIsTheLongestWaitBetweenAcknowledgementsInTheWindow() {
    // a write every 5 ms, then a 350 ms silence from 1500 ms, then writes again
    List<Ack> acks = all(every(A, 0, 1500, 5), every(A, 1850, 3000, 5));
    assertThat(Checker.longestPauseMillis(acks, 1000 * MS, 2500 * MS)).isEqualTo(350);
    assertThat(Checker.longestPauseMillis(every(A, 0, 3000, 5), 1000 * MS, 2500 * MS)).isEqualTo(5);
  }

  @Test
  void aPauseAtTheEdgesOfTheWindowCounts() {
    // nothing acknowledged from the fault on, or nothing after 1200 ms until the window ends
    assertThat(Checker.longestPauseMillis(every(A, 0, 900, 5), 1000 * MS, 2000 * MS)).isEqualTo(1000);
    assertThat(Checker.longestPauseMillis(every(A, 0, 1200, 5), 1000 * MS, 2000 * MS)).isEqualTo(800);
  }

  @Test
  void recoveryIsZeroWithoutAnInterruption() {
    assertThat(Checker.recoveryMillis(every(A, 0, 2000, 5), 1000 * MS)).isZero();
  }

  @Test
  void recoveryIsZeroForAGapOfExactlyTheRunGap() {
    List<Ack> acks = all(every(A, 0, 1000, 5), every(A, 1200, 2000, 5));
    assertThat(Checker.recoveryMillis(acks, 500 * MS)).isZero();
  }

  @Test
  void recoveryRunsFromTheFaultToTheEndOfTheLongestSilence() {
    // writes stop 100 ms after the fault, short stall later; the longest silence ends at 3000 ms
    List<Ack> acks = new ArrayList<>(every(A, 0, 1100, 5));
    acks.addAll(every(B, 3000, 3500, 5));
    acks.addAll(every(B, 3800, 4000, 5));
    assertThat(Checker.recoveryMillis(acks, 1000 * MS)).isEqualTo(2000);
  }

  @Test
  void aSilenceFromTheFaultItselfCounts() {
    List<Ack> acks = all(every(A, 0, 1000, 5), every(B, 1201, 2000, 5));
    assertThat(Checker.recoveryMillis(acks, 1000 * MS)).isEqualTo(201);
  }

  @Test
  void acknowledgementsBeforeTheFaultAreIgnored() {
    List<Ack> acks = all(every(A, 0, 100, 5), every(A, 5000, 6000, 5));
    assertThat(Checker.recoveryMillis(acks, 5000 * MS)).isZero();
  }

  @Test
  void noAcknowledgementAfterTheFaultReadsAsNoInterruption() {
    // Documented quirk: a writer that never recovers reports 0; callers wait for fresh acknowledgements first.
    assertThat(Checker.recoveryMillis(every(A, 0, 1000, 5), 2000 * MS)).isZero();
  }
}
