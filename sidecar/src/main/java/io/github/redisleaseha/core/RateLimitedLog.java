package io.github.redisleaseha.core;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs a recurring failure once, then at most once per interval with the number of repeats in
 * between, so an API outage yields a few summary lines instead of a stack trace per retry. Stack
 * traces go to DEBUG only.
 */
public final class RateLimitedLog {

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private long lastLoggedNanos;
  private boolean active;
  private int suppressed;

  public RateLimitedLog(Logger log, long intervalMillis) {
    this(log, intervalMillis, System::nanoTime);
  }

  RateLimitedLog(Logger log, long intervalMillis, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    this.nanoTime = nanoTime;
  }

  /** Reports one failure; returns true when it was written to the log. */
  public synchronized boolean failure(String message, Throwable cause) {
    long now = nanoTime.getAsLong();
    log.debug(message, cause);
    if (active && now - lastLoggedNanos < intervalNanos) {
      suppressed++;
      return false;
    }
    String detail = cause == null ? "" : ": " + describe(cause);
    if (suppressed > 0) {
      log.warn("{}{} ({} more like this since the last report)", message, detail, suppressed);
    } else {
      log.warn("{}{}", message, detail);
    }
    active = true;
    suppressed = 0;
    lastLoggedNanos = now;
    return true;
  }

  /** Reports that the failing operation works again; logs one line if failures were reported. */
  public synchronized void recovered(String message) {
    if (active) {
      log.info("{} ({} failures not shown)", message, suppressed);
    }
    active = false;
    suppressed = 0;
  }

  /** A short, secret-free description of an exception: its type and first message line. */
  public static String describe(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    String first = nl < 0 ? m : m.substring(0, nl);
    if (first.length() > 200) {
      first = first.substring(0, 200) + "...";
    }
    return t.getClass().getSimpleName() + " " + first;
  }
}
