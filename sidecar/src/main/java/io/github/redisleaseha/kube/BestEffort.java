package io.github.redisleaseha.kube;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * API writes that inform but decide nothing (Events, the role label): sent in order from one daemon
 * thread so they never delay the control loop; dropped once closed.
 */
final class BestEffort implements AutoCloseable {

  private final ExecutorService sender;

  BestEffort(String threadName) {
    this.sender = Executors.newSingleThreadExecutor(Thread.ofPlatform().name(threadName).daemon(true).factory());
  }

  void submit(Runnable write) {
    try {
      sender.execute(write);
    } catch (RejectedExecutionException e) {
      // closing: nothing more to report
    }
  }

  @Override
  public void close() {
    sender.shutdown();
  }
}
