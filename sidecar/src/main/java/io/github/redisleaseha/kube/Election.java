package io.github.redisleaseha.kube;

import io.github.redisleaseha.core.RateLimitedLog;
import io.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.kubernetes.client.extended.leaderelection.LeaderElector;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the official client's {@link LeaderElector} over a {@link GatedLeaseLock} on one thread, for
 * as long as the sidecar runs: a new elector per attempt, because an elector cannot be reused after
 * {@code close()}. Leadership itself is read from the lock ({@link GatedLeaseLock#holdsFreshLease()}),
 * not from the elector's hooks, which may run late (see FACTS: the stop hook runs after the release).
 */
public final class Election implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Election.class);

  private final GatedLeaseLock lock;
  private final LeaderElectionConfig electionConfig;
  private final RateLimitedLog errors = new RateLimitedLog(log, 30_000);
  private final Thread thread;
  private volatile LeaderElector current;
  private volatile boolean running = true;

  public Election(GatedLeaseLock lock, Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    this.lock = lock;
    this.electionConfig = new LeaderElectionConfig(lock, leaseDuration, renewDeadline, retryPeriod);
    this.thread = Thread.ofPlatform().name("election").daemon(true).unstarted(this::loop);
  }

  public void start() {
    thread.start();
  }

  private void loop() {
    while (running) {
      lock.reopen();
      LeaderElector elector = new LeaderElector(electionConfig, t -> errors.failure("Leader election attempt failed", t));
      current = elector;
      try {
        elector.run(() -> log.debug("Elector reports leading"), lock::endTerm);
      } catch (RuntimeException e) {
        errors.failure("Leader elector stopped", e);
      } finally {
        lock.endTerm();
        elector.close();
      }
      Thread.interrupted();
    }
  }

  /**
   * Ends the current elector and starts a fresh one, which tries to acquire at once. Used after a
   * release, and to react to a freed Lease faster than the elector's jittered retry period.
   */
  public void restart() {
    LeaderElector elector = current;
    if (elector != null) {
      thread.interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    LeaderElector elector = current;
    if (elector != null) {
      elector.close();
    }
  }
}
