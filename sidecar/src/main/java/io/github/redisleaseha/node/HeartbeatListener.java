package io.github.redisleaseha.node;

import io.github.redisleaseha.core.Failsafe;
import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.kube.GatedLeaseLock;
import io.github.redisleaseha.node.Heartbeats.Message;
import io.github.redisleaseha.node.Heartbeats.Reply;
import io.kubernetes.client.openapi.JSON;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's side of the leader's heartbeats ({@link Heartbeats}): takes the reported Lease in place
 * of its own reads, and answers a {@code trouble} heartbeat with a renewal on the leader's behalf
 * where it can reach the API server, and with a promise ({@link Failsafe#refusal} decides whether it
 * may). Called on the HTTP threads; the promise and the last renewal attempt are its only state, each
 * one value replaced whole.
 */
public final class HeartbeatListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HeartbeatListener.class);
  /** How long an answer waits for a renewal on the leader's behalf: a reachable API server answers in milliseconds. */
  static final long PROXY_WAIT_MILLIS = 100;

  /** What {@link #receive} answers: the HTTP status and the reply. */
  public record Answer(int status, Reply reply) {
    /** The reply as the body of the answer. */
    public String json() {
      return JSON_CODEC.serialize(reply);
    }
  }

  private static final JSON JSON_CODEC = new JSON();

  /** The last renewal this member attempted on a leader's behalf. */
  private record Attempt(String leader, String boot, long seq, GatedLeaseLock.ProxyRenewal result) {}

  private final GatedLeaseLock lock;
  private final BooleanSupplier localPrimary;
  private final Runnable onFreed;
  private final long trustNanos;
  private final long proxyWaitMillis;
  private final int defaultLeaseSeconds;
  private final LongSupplier nanoTime;
  private final JSON json = JSON_CODEC;
  private final ExecutorService proxy =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("proxy-renewal").daemon(true).factory());
  private final Map<String, Message> lastTaken = new ConcurrentHashMap<>();
  private volatile Failsafe.Promise promise;
  private volatile Attempt lastAttempt;
  private volatile CompletableFuture<Attempt> inFlight = CompletableFuture.completedFuture(null);

  /**
   * @param onFreed called when the holder's last heartbeat says it freed the Lease (the control loop
   *     then tries to take it at once)
   * @param heartbeatInterval the leader's; a heartbeat stands in for reads for three intervals
   * @param peerTimeout the leader's bound on one call: a renewal on its behalf is waited for at most a
   *     quarter of it (and {@value #PROXY_WAIT_MILLIS} ms), so the promise still arrives in time
   */
  HeartbeatListener(GatedLeaseLock lock, BooleanSupplier localPrimary, Runnable onFreed, Duration heartbeatInterval,
      Duration peerTimeout, int defaultLeaseSeconds, LongSupplier nanoTime) {
    this.lock = lock;
    this.localPrimary = localPrimary;
    this.onFreed = onFreed;
    this.trustNanos = 3 * heartbeatInterval.toNanos();
    this.proxyWaitMillis = Math.max(1, Math.min(PROXY_WAIT_MILLIS, peerTimeout.toMillis() / 4));
    this.defaultLeaseSeconds = defaultLeaseSeconds;
    this.nanoTime = nanoTime;
  }

  /** A heartbeat's body, already authenticated: 200 if taken, 400 if malformed, 409 if refused; nothing changes unless 200. */
  Answer receive(String body, List<Member> known) {
    Message m;
    try {
      m = json.deserialize(body, Message.class);
    } catch (RuntimeException e) {
      return new Answer(400, Reply.refusal("not a heartbeat: the body is not the expected JSON"));
    }
    if (m == null || m.from() == null || m.boot() == null || m.lease() == null || m.lease().getMetadata() == null) {
      return new Answer(400, Reply.refusal("not a heartbeat: from, boot, seq and lease are required"));
    }
    if (known.stream().noneMatch(p -> p.name().equals(m.from()))) {
      return new Answer(409, Reply.refusal(m.from() + " is not a member I know"));
    }
    Message previous = lastTaken.get(m.from());
    boolean stale = previous != null && previous.boot().equals(m.boot()) && m.seq() <= previous.seq();
    if (!stale && !lock.heard(m.from(), m.lease(), trustNanos)) {
      return new Answer(409, Reply.refusal("the Lease in the heartbeat is not held by its sender " + m.from() + ", or I lead"));
    }
    if (!stale) {
      lastTaken.put(m.from(), m);
      if (lock.state().free()) {
        onFreed.run();
      }
    }
    if (!m.trouble()) {
      return new Answer(200, new Reply(null, false, -1, null, null));
    }
    return new Answer(200, help(m));
  }

  /**
   * A leader in trouble: renew its Lease on its behalf, waiting a moment for the renewal so it comes
   * back in this answer; and unless that renewal succeeded, promise it (if {@link Failsafe#refusal}
   * allows, judged on what the renewal attempt read) before answering.
   */
  private Reply help(Message m) {
    CompletableFuture<Attempt> current = inFlight;
    if (current.isDone()) {
      current = CompletableFuture.supplyAsync(() -> {
        Attempt a = new Attempt(m.from(), m.boot(), m.seq(), lock.renewFor(m.from()));
        lastAttempt = a;
        return a;
      }, proxy);
      inFlight = current;
    }
    try {
      current.get(proxyWaitMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // The renewal is reported with a later heartbeat's answer.
    } catch (Exception e) {
      log.debug("Renewal on {}'s behalf failed", m.from(), e);
    }
    Attempt done = lastAttempt;
    boolean forThisLeader = done != null && done.leader().equals(m.from()) && done.boot().equals(m.boot());
    // What the attempt made for this very heartbeat found decides; an older one (a renewal from a
    // trouble that has passed, a holder seen then) says nothing about now.
    boolean forThisHeartbeat = forThisLeader && done.seq() == m.seq();
    String holderSeen = forThisHeartbeat ? done.result().holderSeen() : null;
    Optional<String> refusal = Failsafe.refusal(m.from(), lock.termActive(), localPrimary.getAsBoolean(), holderSeen);
    if (refusal.isPresent()) {
      log.info("Not promising {} to leave it the lead: {}", m.from(), refusal.get());
      return Reply.refusal(refusal.get());
    }
    if (forThisHeartbeat && done.result().renewed() != null) {
      // The Lease is renewed: nobody may take it before a lease duration from now, promise or not,
      // and a promise would only hold this member back after a release.
      return new Reply(null, false, done.seq(), done.result().renewed(), null);
    }
    Integer seconds = m.lease().getSpec() == null ? null : m.lease().getSpec().getLeaseDurationSeconds();
    long leaseMillis = TimeUnit.SECONDS.toMillis(seconds == null || seconds <= 0 ? defaultLeaseSeconds : seconds);
    long nowMillis = TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong());
    Failsafe.Promise before = promise;
    promise = new Failsafe.Promise(m.from(), nowMillis + leaseMillis);
    if (before == null || !before.binds(nowMillis)) {
      log.info("I promised {} not to take over for {} ms: it cannot renew its Lease on its own", m.from(), leaseMillis);
    }
    if (!forThisLeader) {
      return new Reply(null, true, -1, null, null);
    }
    return new Reply(null, true, done.seq(), done.result().renewed(), done.result().problem());
  }

  /** This member's promise to a leader, or null. */
  Failsafe.Promise promise() {
    return promise;
  }

  @Override
  public void close() {
    proxy.shutdownNow();
  }
}
