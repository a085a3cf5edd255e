package io.github.redisleaseha.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** RSS and CPU time of processes, read from /proc. */
final class Footprints {

  /** Idle footprint of one process over a window. */
  record Usage(String process, double rssMiB, double cpuPercent) {}

  private static final double TICKS_PER_SECOND = 100.0;

  private Footprints() {}

  static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** utime + stime in clock ticks. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Samples {@code pids} over {@code seconds} (the waiting is the measurement window). */
  static List<Usage> measure(List<String> names, List<Long> pids, long seconds) throws InterruptedException {
    long[] before = pids.stream().mapToLong(Footprints::cpuTicks).toArray();
    Thread.sleep(seconds * 1000);
    java.util.ArrayList<Usage> result = new java.util.ArrayList<>();
    for (int i = 0; i < pids.size(); i++) {
      long ticks = cpuTicks(pids.get(i)) - before[i];
      result.add(new Usage(names.get(i), rssKib(pids.get(i)) / 1024.0, 100.0 * ticks / (TICKS_PER_SECOND * seconds)));
    }
    return result;
  }
}
