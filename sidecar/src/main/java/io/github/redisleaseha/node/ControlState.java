package io.github.redisleaseha.node;

import io.github.redisleaseha.core.Handover;
import io.github.redisleaseha.core.Term;
import java.util.concurrent.CompletableFuture;

/**
 * What the control loop remembers between ticks besides what it observes. Written only on the
 * control thread (by the loop and by the {@link Executor} it calls); volatile where the HTTP and
 * guard threads read it.
 */
final class ControlState {

  /** This node's leadership term, or null outside one. */
  volatile Term term;
  /** The address the write endpoint points at, as last read or written; null if unknown. */
  volatile String endpointTarget;
  /** Monotonic time (ms) the endpoint was last read or written. */
  volatile long endpointCheckedAt;
  /** Monotonic time (ms) until which this node stays out of the election after stepping back. */
  volatile long steppedBackUntil;
  /** The graceful handover under way, or null; and who waits for its result. */
  volatile Handover handover;
  CompletableFuture<String> handoverResult;
  /** The sidecar is stopping (graceful stop): it no longer contends. */
  volatile boolean stopping;
  /**
   * The last node other than this one seen holding the Lease: at a handover the Lease already
   * records this node as leader when it takes over, and this names the primary it took over from.
   */
  String lastOtherHolder;
  /** Set by an action that could not be carried out yet, so the next tick comes at the usual interval. */
  boolean retryNextTick;
}
