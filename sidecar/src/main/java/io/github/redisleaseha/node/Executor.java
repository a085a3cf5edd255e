package io.github.redisleaseha.node;

import io.github.redisleaseha.config.SidecarConfig;
import io.github.redisleaseha.core.Action;
import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.Observation;
import io.github.redisleaseha.core.PeerStatus;
import io.github.redisleaseha.core.RateLimitedLog;
import io.github.redisleaseha.core.RedisStatus;
import io.github.redisleaseha.kube.Election;
import io.github.redisleaseha.kube.EventRecorder;
import io.github.redisleaseha.kube.EventRecorder.Kind;
import io.github.redisleaseha.kube.GatedLeaseLock;
import io.github.redisleaseha.kube.WriteEndpoint;
import io.github.redisleaseha.redis.RedisNode;
import io.kubernetes.client.openapi.ApiException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the one action the decision core chose, on the control thread. It adds no decisions
 * of its own: each leader write re-checks {@link GatedLeaseLock#holdsFreshLease()} just before it is
 * made (the Lease may have gone stale since the observation), and each result that matters is
 * checked (an annotation that did not land is retried on the next tick).
 */
final class Executor {

  private static final Logger log = LoggerFactory.getLogger(Executor.class);

  private final SidecarConfig config;
  private final ControlState state;
  private final GatedLeaseLock lock;
  private final Election election;
  private final WriteEndpoint endpoint;
  private final RedisNode local;
  private final Peers peers;
  private final FenceOwner fence;
  private final EventRecorder events;
  private final FailoverTiming timing;
  private final SidecarMetrics metrics;
  private final RateLimitedLog actionErrors = new RateLimitedLog(log, 10_000);

  Executor(SidecarConfig config, ControlState state, GatedLeaseLock lock, Election election, WriteEndpoint endpoint,
      RedisNode local, Peers peers, FenceOwner fence, EventRecorder events, FailoverTiming timing, SidecarMetrics metrics) {
    this.config = config;
    this.state = state;
    this.lock = lock;
    this.election = election;
    this.endpoint = endpoint;
    this.local = local;
    this.peers = peers;
    this.fence = fence;
    this.events = events;
    this.timing = timing;
    this.metrics = metrics;
  }

  /** Carries out {@code action}, decided on {@code o}; failures are logged (rate-limited) and the next tick decides again. */
  void execute(Action action, Observation o) {
    try {
      switch (action) {
        case Action.None none -> { }
        case Action.Release release -> release(release.stepBack(), Map.of());
        case Action.PauseOldPrimary pause -> {
          if (lock.holdsFreshLease()) {
            peers.node(pause.peer()).pauseWrites(FenceOwner.PAUSE_MILLIS);
            state.term = state.term.withPausedOldPrimary(pause.peer().name());
          }
        }
        case Action.Promote promote -> promote(o);
        case Action.Annotate annotate -> lock.annotate(
            LeaseState.promotionAnnotations(config.self(), o.local().replId(), state.term.promotionOffset(), state.term.epoch()));
        case Action.RecordMembers record -> lock.annotate(LeaseState.membersAnnotation(record.members()));
        case Action.Publish publish -> {
          if (lock.holdsFreshLease()) {
            endpoint.publish(config.self());
            state.endpointTarget = config.self().address();
            state.endpointCheckedAt = nowMillis();
            log.info("I am {}; the write endpoint now points at me ({})", config.podName(), state.endpointTarget);

          }
        }
        case Action.Repoint repoint -> {
          if (lock.holdsFreshLease()) {
            RedisNode peer = peers.node(repoint.peer());
            peer.replicaOf(config.self().host(), config.self().port());
            if (repoint.demote()) {
              peer.disconnectClients();
              peer.unpause();
              state.term = state.term.withClientsDisconnected(repoint.peer().name());
            }
          }
        }
        case Action.DisconnectClients disconnect -> {
          if (lock.holdsFreshLease()) {
            peers.node(disconnect.peer()).disconnectClients();
            state.term = state.term.withClientsDisconnected(disconnect.peer().name());
          }
        }
        case Action.ChooseTarget a -> executeHandover(a, o);
        case Action.MarkHandover a -> executeHandover(a, o);
        case Action.FenceForHandover a -> executeHandover(a, o);
        case Action.SendFailover a -> executeHandover(a, o);
        case Action.PublishHandover a -> executeHandover(a, o);
        case Action.ReleaseForHandover a -> executeHandover(a, o);
        case Action.AbortHandover a -> executeHandover(a, o);
        case Action.Follow follow -> {
          local.replicaOf(follow.leader().host(), follow.leader().port());
          if (follow.demote()) {
            local.disconnectClients();
            events.record(Kind.DEMOTED, "I am " + config.podName() + "; my Redis was a primary and now replicates from "
                + follow.leader().name());
          }
        }
      }
    } catch (ApiException | RuntimeException e) {
      actionErrors.failure("Could not carry out " + action.getClass().getSimpleName(), e);
    }
  }

  private void promote(Observation o) {
    if (!lock.holdsFreshLease()) {
      return;
    }
    long start = nowMillis();
    if (!o.local().primary()) {
      local.replicaOfNoOne();
    }
    if (config.minReplicasToWrite() > 0) {
      local.configSet("min-replicas-to-write", Integer.toString(config.minReplicasToWrite()));
      local.configSet("min-replicas-max-lag", Integer.toString(config.minReplicasMaxLag()));
    }
    RedisStatus after = local.status();
    if (after.reachable() && after.primary()) {
      state.term = state.term.promotedAt(after.offset());
      fence.promotedInThisTerm(true);
      timing.promoted(state.term.startedAtMillis(), start, nowMillis());
      String sentence = "I am " + config.podName() + "; my Redis is promoted (replication id " + after.replId()
          + ", offset " + after.offset() + ", epoch " + state.term.epoch() + ")";
      log.info(sentence);
      events.record(Kind.PROMOTED, sentence);
    }
  }

  /**
   * Gives the Lease up. Order is the invariant: first the fence owner confirms that the local Redis
   * takes no more writes (paused with an OK reply, dead, killed or a replica), then the Lease is freed;
   * after the release someone else may promote at once. Without that confirmation the Lease is kept
   * and the next tick decides again. Returns whether the Lease was released.
   */
  private boolean release(boolean stepBack, Map<String, String> annotations) {
    String refusal = fence.fenceForRelease();
    if (refusal != null) {
      actionErrors.failure("I am " + config.podName() + " and keep the Lease for now: " + refusal, null);
      return false;
    }
    if (stepBack) {
      state.steppedBackUntil = nowMillis() + config.policy().stepBackMillis();
    }
    state.term = null;
    fence.promotedInThisTerm(false);
    lock.release(annotations);
    fence.released();
    election.restart();
    return true;
  }

  /**
   * Ends the handover under way with {@code sentence}, which is also its Event and its answer, and
   * counts its outcome (completed or aborted) by its kind: a handover if the sidecar stops, else a switchover.
   */
  void finishHandover(SidecarMetrics.HandoverOutcome outcome, String sentence) {
    log.info(sentence);
    events.record(Kind.HANDOVER, sentence);
    if (state.handover != null) {
      metrics.handover(state.handover.stopping() ? SidecarMetrics.HandoverKind.HANDOVER : SidecarMetrics.HandoverKind.SWITCHOVER,
          outcome);
    }
    // Stay out of the next election for a while, then behave as any replica again. The fence rule
    // judges by the Lease and the role again: a replica is unfenced, a leader that kept the Lease too.
    state.steppedBackUntil = nowMillis() + config.policy().stepBackMillis();
    fence.handoverFence(false);
    state.handover = null;
    CompletableFuture<String> result = state.handoverResult;
    state.handoverResult = null;
    if (result != null) {
      result.complete(sentence);
    }
  }

  /** The handover steps of {@link io.github.redisleaseha.core.Handover}, executed for the control loop. */
  private void executeHandover(Action action, Observation o) throws ApiException {
    Map<String, String> clearMark = LeaseState.noHandover();
    switch (action) {
      case Action.ChooseTarget c -> state.handover = state.handover.to(c.target());
      case Action.MarkHandover m -> {
        if (!lock.annotate(mark(m.target()))) {
          actionErrors.failure("Could not mark the Lease for the handover to " + m.target().name() + "; trying again", null);
        }
      }
      case Action.FenceForHandover f -> fence.fenceForHandover();
      case Action.SendFailover f -> {
        if (lock.holdsFreshLease()) {
          try {
            local.failoverTo(f.target(), 1);
            state.handover = state.handover.failoverSentAt(nowMillis());
          } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            // Right after a full sync Redis does not yet count the target as an online replica (it
            // waits for its first ACK, up to a second); writes are paused, so the next tick asks again.
            if (e.getMessage() == null || !e.getMessage().contains("not online")) {
              throw e;
            }
            state.retryNextTick = true;
          }
        }
      }
      case Action.PublishHandover p -> {
        // FAILOVER made the target the only primary. While this node still holds a fresh Lease it
        // moves the write endpoint there and records the target as the primary, so writes resume
        // before the Lease itself changes hands, and a later leader catches up with the target.
        if (lock.holdsFreshLease()) {
          try {
            local.disconnectClients();
          } catch (RuntimeException e) {
            log.debug("Could not disconnect clients after the handover", e);
          }
          endpoint.publish(p.target());
          state.endpointTarget = p.target().address();
          PeerStatus target = o.peer(p.target().name()).orElseThrow();
          Map<String, String> annotations = new HashMap<>(
              LeaseState.promotionAnnotations(p.target(), target.redis().replId(), target.redis().offset(), state.term.epoch()));
          annotations.putAll(mark(p.target()));
          if (!lock.annotate(annotations)) {
            actionErrors.failure("Could not record " + p.target().name() + " as the primary on the Lease", null);
          }
        }
      }
      case Action.ReleaseForHandover r -> {
        // This Redis is a replica of the target now, so the release needs no pause.
        if (!release(false, mark(r.target()))) {
          return;
        }
        finishHandover(SidecarMetrics.HandoverOutcome.COMPLETED, "I am " + config.podName() + " and handed over to " + r.target().name()
            + "; the write endpoint points at " + r.target().address());
      }
      case Action.AbortHandover a -> {
        if (o.local().failoverInProgress()) {
          try {
            local.failoverAbort();
          } catch (RuntimeException e) {
            log.debug("FAILOVER ABORT failed", e);
          }
        }
        Member target = state.handover.target();
        if (target != null && lock.holdsFreshLease() && local.status().follows(target)) {
          // Redis finished its side of FAILOVER (it replicates from the target) but the target never
          // answered as a primary. This Redis was paused until the target had every write, so it
          // holds them all: it becomes the primary again and this node keeps leading. A target that
          // resumes as a primary is then demoted like any stray primary.
          local.replicaOfNoOne();
        }
        if (lock.holdsFreshLease() && !lock.annotate(clearMark)) {
          actionErrors.failure("Could not clear the handover mark on the Lease", null);
        }
        fence.handoverFence(false);
        boolean stop = state.handover.stopping();
        String sentence = "I am " + config.podName() + " and aborted the handover: " + a.why();
        if (stop) {
          sentence += release(false, clearMark)
              ? "; released the Lease (after fencing) for an ordinary failover"
              : "; could not confirm the fence, so I keep the Lease for now";
        } else {
          sentence += "; I keep leading";
        }
        finishHandover(SidecarMetrics.HandoverOutcome.ABORTED, sentence);
      }
      default -> throw new IllegalArgumentException("not a handover step: " + action);
    }
  }

  private Map<String, String> mark(Member target) {
    long until = System.currentTimeMillis() + Math.max(0, state.handover == null ? 0 : state.handover.deadlineMillis() - nowMillis());
    return LeaseState.handoverMark(target.name(), until, false);
  }

  private static long nowMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
  }
}
