package io.github.redisleaseha.kube;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.core.RateLimitedLog;
import io.kubernetes.client.extended.leaderelection.LeaderElectionRecord;
import io.kubernetes.client.extended.leaderelection.Lock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Lock} that the official client's {@code LeaderElector} drives, over a
 * {@code coordination.k8s.io/v1} Lease. It plays the part of the client's {@code LeaseLock} and adds
 * what that class lacks for a safe Redis failover:
 *
 * <ul>
 *   <li><b>Gate.</b> An attempt to <i>acquire</i> is refused (without any API write) while this node is
 *       not eligible; renewals of a held Lease are never gated.
 *   <li><b>Renewal clock.</b> It remembers when the last successful write naming this node as holder
 *       was <i>sent</i>. Other candidates consider the Lease expired only a full lease duration after
 *       they observed that write, which happened after it was sent. So while
 *       {@code now - sentAt < renewDeadline < leaseDuration} nobody else can hold the Lease, and
 *       {@link #holdsFreshLease()} is the one test every leader action is gated on.
 *   <li><b>Hygiene.</b> A missing Lease is created with apiVersion and kind (the client's LeaseLock sends
 *       neither); null or empty spec fields, which make the client's elector throw
 *       NullPointerExceptions, are read as an empty or default record; failures are logged rate-limited
 *       without stack traces.
 *   <li><b>Expiry from the holder, on the monotonic clock.</b> Taking a Lease that another node
 *       holds is refused until the <i>holder's</i> own {@code spec.leaseDurationSeconds} has passed
 *       on this node's monotonic clock since this node last saw the Lease change (any write changes
 *       its resourceVersion). The client's elector judges expiry on the wall clock and with this
 *       node's own {@code --lease-duration}; a wall-clock step, or nodes started with different
 *       timings (a rolling change), would otherwise let a candidate take a Lease its holder still
 *       considers fresh. The holder fences at its renew deadline, which its own lease duration
 *       exceeds by the fencing margin, so only that duration measured here is safe.
 *   <li><b>Annotations.</b> The holder records its promotion on the Lease; every write keeps them.
 *   <li><b>Explicit release.</b> {@link #release} frees the Lease itself: the client's
 *       {@code close()} skips the release when its executors do not stop within whole seconds of the
 *       retry period, which is always the case for sub-second retry periods.
 *   <li><b>Few API requests.</b> The elector asks for the Lease ({@link #get}) and writes it
 *       ({@link #update}) on every attempt, every retry period, on every node: about 7 requests a
 *       second for an idle 3-node cluster. Here:
 *       <ul>
 *         <li>a holder is answered from its own last successful write, so a renewal is one update on
 *             the resourceVersion of that write; the API answers 409 if anyone wrote the Lease since,
 *             and only then is the Lease read again (the cache is dropped on every failed write);
 *         <li>a holder renews only once per {@code renewInterval} (since the last renewal was
 *             <i>sent</i>); an attempt in between is answered "held" without a write. That answer is
 *             true: the last renewal was sent less than the renew interval ago, which is below the
 *             renew deadline, so {@link #holdsFreshLease()} holds. A failed renewal is retried every
 *             retry period as before;
 *         <li>a non-holder is answered from the Lease its leader last reported in a heartbeat
 *             ({@link #heard}) while heartbeats arrive in time, and reads the API otherwise.
 *       </ul>
 *       None of this weakens the expiry rule above. A heartbeat carries the Lease exactly as the
 *       holder's write returned it, and is sent after that write was <i>sent</i>; a follower that
 *       takes the heartbeat's resourceVersion as "seen changed" at the moment it receives it counts
 *       expiry from a later point than a read would have given. A stale heartbeat (overtaken by a read)
 *       can only make a version look newly changed again, which postpones expiry, never advances it.
 *   <li><b>Renewal by a member, and failsafe.</b> A member that reaches the API server may renew the
 *       Lease for a leader that cannot ({@link #renewFor}: an update on the version it read, holder
 *       unchanged, refused by the API if anyone wrote since); the leader counts it from the send time
 *       of the heartbeat that asked ({@link #renewedBy}), which precedes the write, so the argument of
 *       the renewal clock above holds unchanged. When nobody reaches the API server, a term whose
 *       renewals go unanswered lasts while {@code core.Failsafe} keeps it (every member promised), even
 *       past the elector's own renew deadline ({@link #endTerm}); a later elector renews on this node's
 *       last write, and any answer showing another writer ends the term at once.
 * </ul>
 */
public final class GatedLeaseLock implements Lock {

  private static final Logger log = LoggerFactory.getLogger(GatedLeaseLock.class);

  private final CoordinationV1Api api;
  private final String namespace;
  private final String name;
  private final String identity;
  private final int leaseDurationSeconds;
  private final long renewDeadlineNanos;
  private final long renewIntervalNanos;
  private final LongSupplier nanoTime;
  private final RateLimitedLog apiErrors = new RateLimitedLog(log, 30_000);
  private final RateLimitedLog refusals = new RateLimitedLog(log, 10_000);

  private volatile Supplier<Optional<String>> eligibility = Optional::empty;
  private volatile Runnable onAcquired = () -> { };
  private volatile java.util.function.Consumer<String> onRefused = reason -> { };
  private volatile String lastRefusal;
  /** The Lease as last read or written by any thread: the base of {@link #annotate}. */
  private volatile V1Lease last;
  /**
   * The Lease as last read or written by the calling thread. The elector runs each attempt on one
   * thread: {@link #get()}, a decision on what it returned, then {@link #create} or {@link #update}.
   * Invariant: {@link #update} replaces only the version its own thread read, so an acquire decided on
   * a free or expired Lease cannot overwrite a holder that came since (the API answers 409). With one
   * shared "last read" instead, a read by the control loop in between (which saw the new holder) made
   * that write succeed: two nodes held the Lease and both promoted (seen under load).
   */
  private final ThreadLocal<V1Lease> readByThisThread = new ThreadLocal<>();
  private volatile LeaseState state = LeaseState.UNKNOWN;
  /** A term is active from the first successful write naming us holder until release or loss. */
  private volatile boolean termActive;
  private volatile long lastRenewSentNanos;
  private volatile long renewals;
  /** This node's last successful write as holder, while no write of ours failed since: what get() answers a holder. */
  private volatile V1Lease ownWrite;
  /** Until when (monotonic) the Lease last reported by the leader's heartbeat stands in for a read. */
  private volatile long heardUntilNanos;
  private volatile boolean heardTrusted;
  private volatile long apiReads;
  /**
   * A follower answered from heartbeats still reads the Lease itself this often: it checks the
   * heartbeats' account against the API server, and keeps its connection to the API server and the
   * code that takes over warm, so that the first requests of a takeover after a long quiet spell are
   * not the slow ones (seen: a Redis crash after a minute's quiet took 548 ms instead of about 150).
   */
  private static final long FOLLOWER_READ_NANOS = TimeUnit.SECONDS.toNanos(15);
  private volatile long lastReadNanos;
  /**
   * Guards the view of the Lease ({@link #remember}) and the renewal clock for the calls that must not
   * wait behind an API request the elector or the control loop has outstanding (this object's
   * monitor is held across those): heartbeats ({@link #heard}) and renewals reported by members
   * ({@link #renewedBy}). A member answering its leader late, because its own elector's read was
   * hanging on an unreachable API server, would cost the leader its promise.
   */
  private final Object view = new Object();
  /** Start (monotonic) of each Lease request this node has outstanding, by thread. */
  private final java.util.Map<Thread, Long> outstanding = new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * A Lease request unanswered for this long counts as no answer, for failsafe and for asking the
   * members for help. A healthy request takes milliseconds; a busy machine may take a hundred or two,
   * and asking for help too early only costs promises that hold members back for a lease duration.
   * The renewal attempt comes at most one retry period after the renew interval (1.75 s by default),
   * so help is asked by 2.15 s and the promises arrive before the renew deadline (2.5 s).
   */
  private static final long UNANSWERED_NANOS = TimeUnit.MILLISECONDS.toNanos(400);
  /** How the last Lease request of this node ended; failsafe starts only on {@link Outcome#UNREACHABLE}. */
  private volatile Outcome lastOutcome = Outcome.ANSWERED;
  /** Keeps a term whose renewals fail alive while its members' promises hold ({@code core.Failsafe}). */
  private volatile java.util.function.BooleanSupplier keptByMembers = () -> false;
  /** The elector stopped leading while failsafe kept the term; the term ends once failsafe no longer keeps it. */
  private volatile boolean electorGone;

  /** How a Lease request ended. */
  public enum Outcome {
    /** The API server answered (success, or a 404 that is itself an answer). */
    ANSWERED,
    /** No answer: a transport error, a timeout, or a 5xx. The only outcome failsafe starts on. */
    UNREACHABLE,
    /** 409: someone wrote the Lease since this node read it. */
    CONFLICT,
    /** Any other 4xx: the request was refused. */
    REFUSED;

    static Outcome of(ApiException e) {
      int code = e.getCode();
      if (code == 0 || code >= 500) {
        return UNREACHABLE;
      }
      return code == 409 ? CONFLICT : code == 404 ? ANSWERED : REFUSED;
    }
  }
  private volatile boolean releasing;
  /** The resourceVersion of the Lease as last read, and when (monotonic) it was first seen. */
  private volatile String observedVersion;
  private volatile long observedAtNanos;

  public GatedLeaseLock(
      ApiClient client,
      String namespace,
      String name,
      String identity,
      int leaseDurationSeconds,
      long renewDeadlineMillis,
      LongSupplier nanoTime) {
    this(client, namespace, name, identity, leaseDurationSeconds, renewDeadlineMillis, 0, nanoTime);
  }

  /**
   * @param renewIntervalMillis how often a holder writes its renewal (0: on every attempt of the
   *     elector); below the renew deadline by at least one API request timeout
   */
  public GatedLeaseLock(
      ApiClient client,
      String namespace,
      String name,
      String identity,
      int leaseDurationSeconds,
      long renewDeadlineMillis,
      long renewIntervalMillis,
      LongSupplier nanoTime) {
    this.api = new CoordinationV1Api(client);
    this.namespace = namespace;
    this.name = name;
    this.identity = identity;
    this.leaseDurationSeconds = leaseDurationSeconds;
    this.renewDeadlineNanos = TimeUnit.MILLISECONDS.toNanos(renewDeadlineMillis);
    this.renewIntervalNanos = TimeUnit.MILLISECONDS.toNanos(renewIntervalMillis);
    this.nanoTime = nanoTime;
  }

  /**
   * Reads the Lease once and serializes a Lease record, so that the classes of the request and JSON
   * paths are loaded before the elector's first attempt, which it abandons after one retry period.
   */
  public void warmUp() {
    api.getApiClient().getJSON().serialize(
        new V1Lease().metadata(new V1ObjectMeta().name(name)).spec(specOf(new LeaderElectionRecord(
            identity, leaseDurationSeconds, new Date(), new Date(), 0, null))));
    try {
      get();
    } catch (ApiException e) {
      log.debug("First read of Lease {} answered {}", describe(), e.getCode());
    }
  }

  /** Sets the test consulted before every attempt to acquire: empty means eligible. */
  public void setEligibility(Supplier<Optional<String>> eligibility) {
    this.eligibility = eligibility;
  }

  /** The Lease as last read or written. */
  public LeaseState state() {
    return state;
  }

  /**
   * True only while this node holds the Lease and its last successful renewal was sent less than the
   * renew deadline ago. Invariant: every write a leader makes (promotion, repointing, publishing the
   * endpoint, lifting a fence) is preceded by this check.
   */
  public boolean holdsFreshLease() {
    return termAlive() && !releasing && (renewedWithinDeadline() || keptByMembers.getAsBoolean());
  }

  /** The last renewal (direct, or by a member on this node's behalf) was sent within the renew deadline. */
  public boolean renewedWithinDeadline() {
    return termActive && nanoTime.getAsLong() - lastRenewSentNanos < renewDeadlineNanos;
  }

  public boolean termActive() {
    return termAlive();
  }

  /**
   * The term, ended here if the elector has stopped and failsafe no longer keeps it: from then on this
   * node contends like anyone else.
   */
  private boolean termAlive() {
    if (termActive && electorGone && !renewedWithinDeadline() && !keptByMembers.getAsBoolean()) {
      termActive = false;
      ownWrite = null;
      log.info("My term is over: my renewals failed and failsafe no longer keeps me");
    }
    return termActive;
  }

  /** Sets the failsafe test (see {@code core.Failsafe}): true while every member's promise holds. */
  public void setKeptByMembers(java.util.function.BooleanSupplier kept) {
    this.keptByMembers = kept;
  }

  /** The last Lease request of this node got no answer (transport error, timeout, 5xx). */
  public boolean apiUnreachable() {
    return lastOutcome == Outcome.UNREACHABLE || unansweredRequest();
  }

  /** A Lease request of this node has been waiting for an answer for longer than a healthy one takes. */
  private boolean unansweredRequest() {
    long now = nanoTime.getAsLong();
    for (long since : outstanding.values()) {
      if (now - since > UNANSWERED_NANOS) {
        return true;
      }
    }
    return false;
  }

  /** Runs one Lease request of this node, recording that it is outstanding meanwhile. */
  private <T> T request(ApiCall<T> call) throws ApiException {
    Thread t = Thread.currentThread();
    outstanding.put(t, nanoTime.getAsLong());
    try {
      return call.execute();
    } finally {
      outstanding.remove(t);
    }
  }

  private interface ApiCall<T> {
    T execute() throws ApiException;
  }

  /**
   * The leader should ask its members for help: its renewal is due and its last Lease request got no
   * answer, or its renewal is {@code slackNanos} overdue (a request still waiting for an answer; the
   * elector attempts once per retry period, so a healthy renewal comes up to one retry period after
   * the renew interval, and the slack must exceed that). Members' renewals on its behalf reset the
   * clock, so they come about once per renew interval.
   */
  public boolean renewalInTrouble(long slackNanos) {
    long overdue = nanoTime.getAsLong() - lastRenewSentNanos - renewIntervalNanos;
    return termActive && overdue > (apiUnreachable() ? 0 : slackNanos);
  }

  /** Milliseconds since the last successful renewal was sent, or -1 outside a term. */
  public long millisSinceRenewal() {
    return termActive ? TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - lastRenewSentNanos) : -1;
  }

  /**
   * Called when the elector stops leading: the term is over whatever the Lease still says, unless a
   * member renewed the Lease on this node's behalf within the renew deadline or failsafe keeps it
   * (every member promised; the API server is unreachable). Then the term lasts while either holds,
   * and continues if a later elector renews on this node's last write.
   */
  public void endTerm() {
    if (termActive && !releasing && (renewedWithinDeadline() || keptByMembers.getAsBoolean())) {
      // Renewed by a member on this node's behalf, or kept by failsafe: the term outlives this elector.
      electorGone = true;
      return;
    }
    termActive = false;
  }

  /** Allows acquiring again after {@link #release}. */
  public void reopen() {
    releasing = false;
  }

  /** An elector being stopped interrupts its own request; that is not an API failure. */
  private void apiFailure(String message, ApiException e) {
    if (e.getCause() instanceof java.io.InterruptedIOException) {
      log.debug("{} (interrupted)", message);
    } else {
      apiErrors.failure(message, e);
    }
  }

  /**
   * The elector's read. A holder is answered from its own last write, a follower from its leader's
   * last heartbeat while heartbeats arrive in time; otherwise the API is read (see the class comment).
   */
  @Override
  public synchronized LeaderElectionRecord get() throws ApiException {
    long now = nanoTime.getAsLong();
    V1Lease cached = termActive ? ownWrite
        : heardTrusted && heardUntilNanos - now > 0 && now - lastReadNanos < FOLLOWER_READ_NANOS ? last : null;
    if (cached != null) {
      readByThisThread.set(cached);
      return recordOf(cached.getSpec());
    }
    return read();
  }

  /** Reads the Lease from the API server, always. */
  public synchronized LeaderElectionRecord read() throws ApiException {
    V1Lease lease;
    try {
      apiReads++;
      lastReadNanos = nanoTime.getAsLong();
      lease = request(() -> api.readNamespacedLease(name, namespace).execute());
    } catch (ApiException e) {
      lastOutcome = Outcome.of(e);
      if (e.getCode() != 404) {
        apiFailure("Could not read Lease " + describe(), e);
      } else {
        lost("the Lease is gone (deleted)");
      }
      throw e;
    }
    lastOutcome = Outcome.ANSWERED;
    apiErrors.recovered("Lease " + describe() + " is readable again");
    remember(lease);
    readByThisThread.set(lease);
    return recordOf(lease.getSpec());
  }

  @Override
  public synchronized boolean create(LeaderElectionRecord record) {
    if (!mayWrite(record)) {
      return false;
    }
    V1Lease lease =
        new V1Lease()
            .apiVersion("coordination.k8s.io/v1")
            .kind("Lease")
            .metadata(new V1ObjectMeta().name(name).namespace(namespace))
            .spec(specOf(record));
    long sent = nanoTime.getAsLong();
    try {
      V1Lease created = request(() -> api.createNamespacedLease(namespace, lease).execute());
      remember(created);
      readByThisThread.set(created);
      wrote(created, record, sent);
      log.info("Created Lease {} held by {}", describe(), record.getHolderIdentity());
      lastOutcome = Outcome.ANSWERED;
      return true;
    } catch (ApiException e) {
      lastOutcome = Outcome.of(e);
      if (e.getCode() != 409) {
        apiFailure("Could not create Lease " + describe(), e);
      }
      return false;
    }
  }

  @Override
  public synchronized boolean update(LeaderElectionRecord record) {
    V1Lease base = readByThisThread.get();
    if (!mayWrite(record) || base == null || !holderExpired(base, record)) {
      return false;
    }
    if (renewedRecently(base, record)) {
      electorGone = false;
      return true;
    }
    boolean renewal = termActive && identity.equals(record.getHolderIdentity()) && base.getSpec() != null
        && identity.equals(base.getSpec().getHolderIdentity());
    try {
      return replace(base, record);
    } catch (ApiException e) {
      if (e.getCode() == 409 && renewal) {
        return renewAfterConflict(record);
      }
      failed(e);
      return false;
    }
  }

  /** Writes {@code record} on {@code base}'s resourceVersion. */
  private boolean replace(V1Lease base, LeaderElectionRecord record) throws ApiException {
    V1Lease lease = copy(base);
    lease.setSpec(specOf(record));
    long sent = nanoTime.getAsLong();
    V1Lease updated = request(() -> api.replaceNamespacedLease(name, namespace, lease).execute());
    apiErrors.recovered("Lease " + describe() + " is writable again");
    remember(updated);
    readByThisThread.set(updated);
    wrote(updated, record, sent);
    lastOutcome = Outcome.ANSWERED;
    return true;
  }

  /**
   * A renewal of this node's own term was refused (409): someone wrote the Lease since this node's
   * last write. Most often that someone is this node (a renewal that timed out but landed) or a member
   * renewing on its behalf; so the Lease is read at once and, if it still names this node, renewed on
   * what was read. If it names another holder, the term ends here ({@link #lost}). Until this answer is
   * known the last outcome is left as it was, so failsafe does not drop for a conflict that was ours.
   */
  private boolean renewAfterConflict(LeaderElectionRecord record) {
    try {
      apiReads++;
      V1Lease current = request(() -> api.readNamespacedLease(name, namespace).execute());
      remember(current);
      if (!termActive || current.getSpec() == null || !identity.equals(current.getSpec().getHolderIdentity())) {
        ownWrite = null;
        lastOutcome = Outcome.ANSWERED;
        return false;
      }
      if (!mayWrite(record)) {
        ownWrite = null;
        lastOutcome = Outcome.ANSWERED;
        return false;
      }
      return replace(current, record);
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        lost("the Lease is gone (deleted)");
      }
      failed(e);
      return false;
    }
  }

  /**
   * Records a failed write. Without an answer the write may or may not have landed: the next renewal
   * still goes on this node's last known version (a 409 then shows it landed, and the Lease is read).
   */
  private void failed(ApiException e) {
    lastOutcome = Outcome.of(e);
    if (lastOutcome != Outcome.UNREACHABLE) {
      ownWrite = null;
    }
    if (e.getCode() != 409) {
      apiFailure("Could not update Lease " + describe(), e);
    }
  }

  /**
   * True if {@code record} renews this node's own term and the last renewal was sent less than the
   * renew interval ago: the Lease is fresh and the write would only move its renewTime.
   */
  private boolean renewedRecently(V1Lease base, LeaderElectionRecord record) {
    return termActive && renewIntervalNanos > 0 && identity.equals(record.getHolderIdentity())
        && base.getSpec() != null && identity.equals(base.getSpec().getHolderIdentity())
        && nanoTime.getAsLong() - lastRenewSentNanos < renewIntervalNanos;
  }

  /**
   * True unless {@code record} takes the Lease from another holder whose own lease duration has not
   * yet passed on this node's monotonic clock since the Lease last changed (see the class comment).
   */
  private boolean holderExpired(V1Lease base, LeaderElectionRecord record) {
    V1LeaseSpec spec = base.getSpec();
    String holder = spec == null ? null : spec.getHolderIdentity();
    if (holder == null || holder.isBlank() || holder.equals(identity) || !identity.equals(record.getHolderIdentity())) {
      return true;
    }
    long seconds = spec.getLeaseDurationSeconds() == null || spec.getLeaseDurationSeconds() <= 0
        ? leaseDurationSeconds : Math.max(spec.getLeaseDurationSeconds(), 1);
    String version = base.getMetadata() == null ? null : base.getMetadata().getResourceVersion();
    long seen = nanoTime.getAsLong() - observedAtNanos;
    if (version == null || !version.equals(observedVersion) || seen < TimeUnit.SECONDS.toNanos(seconds)) {
      refusals.failure("Not taking the Lease from " + holder + " yet: its lease duration of " + seconds
          + " s has not passed on my clock since I saw the Lease change (" + TimeUnit.NANOSECONDS.toMillis(seen) + " ms)", null);
      return false;
    }
    return true;
  }

  private boolean mayWrite(LeaderElectionRecord record) {
    if (record.getHolderIdentity() == null) {
      // Only the elector's close() writes an empty record. We free the Lease ourselves, after
      // fencing, in release(); a late close() of a stale elector must not free a Lease it lost.
      return false;
    }
    boolean mine = identity.equals(record.getHolderIdentity());
    if (!mine) {
      return true;
    }
    if (releasing) {
      return false;
    }
    // An operator forced a failover to another node (failover --to) and freed the Lease: a leader
    // still running must not take it back; it lets its term lapse, and the fence guard fences it.
    LeaseState current = state;
    if (current.forced() && current.handoverActive(System.currentTimeMillis()) && !identity.equals(current.handoverTo())) {
      refusals.failure("Not renewing: an operator forced a failover to " + current.handoverTo(), null);
      return false;
    }
    if (!termActive) {
      Optional<String> reason = eligibility.get();
      if (reason.isPresent()) {
        refusals.failure("Not contending for the Lease: " + reason.get(), null);
        if (!reason.get().equals(lastRefusal)) {
          lastRefusal = reason.get();
          onRefused.accept(reason.get());
        }
        return false;
      }
      lastRefusal = null;
      refusals.recovered("Contending for the Lease again");
    }
    return true;
  }

  /**
   * A read shows that this node no longer holds the Lease (taken over, freed, or deleted by hand):
   * the term ends at once rather than at the renew deadline. Invariant: a node that has seen another
   * holder, or no Lease, never acts as leader on its old renewal again, so it cannot undo the pause
   * the new holder set on its Redis.
   */
  private void lost(String why) {
    ownWrite = null;
    if (termActive) {
      termActive = false;
      log.info("My term is over: {}", why);
    }
  }

  /** How many successful writes naming this node as holder were made; changes on every renewal. */
  public long renewals() {
    return renewals;
  }

  private void wrote(V1Lease written, LeaderElectionRecord record, long sentNanos) {
    synchronized (view) {
      wroteLocked(written, record, sentNanos);
    }
  }

  private void wroteLocked(V1Lease written, LeaderElectionRecord record, long sentNanos) {
    if (identity.equals(record.getHolderIdentity())) {
      ownWrite = written;
      electorGone = false;
      renewals++;
      lastRenewSentNanos = sentNanos;
      boolean acquired = !termActive;
      termActive = true;
      if (acquired) {
        onAcquired.run();
      }
    }
  }

  /** Called (on the elector's thread) right after this node acquired the Lease. */
  /** Called with the reason when this node could take the Lease but is not eligible (once per reason). */
  public void onRefused(java.util.function.Consumer<String> callback) {
    this.onRefused = callback;
  }

  public void onAcquired(Runnable callback) {
    this.onAcquired = callback;
  }

  /**
   * Merges annotations into the Lease, only while this node holds a fresh Lease. Returns false if the
   * write did not happen (not holder, conflict, API error); the caller retries on its next tick.
   */
  public synchronized boolean annotate(Map<String, String> annotations) {
    V1Lease base = last;
    if (!holdsFreshLease() || base == null || base.getSpec() == null || !identity.equals(base.getSpec().getHolderIdentity())) {
      return false;
    }
    V1Lease lease = copy(base);
    lease.getMetadata().setAnnotations(LeaseState.merge(lease.getMetadata().getAnnotations(), annotations));
    try {
      V1Lease written = request(() -> api.replaceNamespacedLease(name, namespace, lease).execute());
      remember(written);
      if (termActive) {
        ownWrite = written;
      }
      lastOutcome = Outcome.ANSWERED;
      return true;
    } catch (ApiException e) {
      lastOutcome = Outcome.of(e);
      if (lastOutcome != Outcome.UNREACHABLE) {
        ownWrite = null;
      }
      apiFailure("Could not annotate Lease " + describe(), e);
      refreshQuietly();
      return false;
    }
  }

  /**
   * Frees the Lease if this node holds it, adding {@code annotations} in the same write. The caller
   * must have fenced or handed over its Redis first: once this returns, another node may lead.
   * Acquiring stays refused until {@link #reopen()}.
   */
  public synchronized boolean release(Map<String, String> annotations) {
    releasing = true;
    termActive = false;
    electorGone = false;
    ownWrite = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        apiReads++;
        V1Lease lease = api.readNamespacedLease(name, namespace).execute();
        remember(lease);
        V1LeaseSpec spec = lease.getSpec();
        if (spec == null || !identity.equals(spec.getHolderIdentity())) {
          return true;
        }
        V1Lease freed = copy(lease);
        freed.setSpec(
            new V1LeaseSpec()
                .leaseDurationSeconds(leaseDurationSeconds)
                .leaseTransitions(spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions()));
        if (!annotations.isEmpty()) {
          freed.getMetadata().setAnnotations(LeaseState.merge(freed.getMetadata().getAnnotations(), annotations));
        }
        remember(api.replaceNamespacedLease(name, namespace, freed).execute());
        log.info("Released Lease {}", describe());
        return true;
      } catch (ApiException e) {
        if (e.getCode() == 404) {
          return true;
        }
        apiFailure("Could not release Lease " + describe(), e);
      }
    }
    return false;
  }

  private void refreshQuietly() {
    try {
      apiReads++;
      remember(api.readNamespacedLease(name, namespace).execute());
    } catch (ApiException e) {
      log.debug("Could not re-read Lease {}", describe(), e);
    }
  }

  private void remember(V1Lease lease) {
    synchronized (view) {
      rememberLocked(lease);
    }
  }

  private void rememberLocked(V1Lease lease) {
    last = lease;
    String holder = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    if (!identity.equals(holder)) {
      lost(holder == null || holder.isBlank() ? "the Lease has no holder" : "the Lease names " + holder);
    }
    String version = lease.getMetadata() == null ? null : lease.getMetadata().getResourceVersion();
    if (version == null || !version.equals(observedVersion)) {
      observedVersion = version;
      observedAtNanos = nanoTime.getAsLong();
    }
    V1LeaseSpec spec = lease.getSpec();
    V1ObjectMeta meta = lease.getMetadata();
    state =
        LeaseState.parse(
            spec == null ? null : spec.getHolderIdentity(),
            spec == null ? null : spec.getLeaseTransitions(),
            meta == null ? null : meta.getAnnotations());
  }

  /** What a member's renewal on its leader's behalf came to. */
  public record ProxyRenewal(Outcome outcome, V1Lease renewed, String holderSeen, String problem) {}

  /**
   * A member renews the Lease on behalf of its leader {@code holder}, whose heartbeat it holds: reads
   * the Lease and, if it still names {@code holder} and no operator forced a failover elsewhere,
   * writes it back with a new renewTime on the resourceVersion it read, holder unchanged. A 409 or
   * another holder changes nothing. The leader counts the renewal from the send time of the heartbeat
   * that asked for it, which precedes this write, so others' expiry (counted from when they see the
   * write) stays later than the leader's renew deadline.
   */
  public ProxyRenewal renewFor(String holder) {
    V1Lease lease;
    try {
      apiReads++;
      lease = api.readNamespacedLease(name, namespace).execute();
    } catch (ApiException e) {
      return new ProxyRenewal(Outcome.of(e), null, null, "reading the Lease: " + describe(e));
    }
    remember(lease);
    V1LeaseSpec spec = lease.getSpec();
    String seen = spec == null || spec.getHolderIdentity() == null ? "" : spec.getHolderIdentity();
    if (!holder.equals(seen)) {
      return new ProxyRenewal(Outcome.ANSWERED, null, seen, "the Lease names " + (seen.isEmpty() ? "no holder" : seen));
    }
    LeaseState current = state;
    if (current.forced() && current.handoverActive(System.currentTimeMillis()) && !holder.equals(current.handoverTo())) {
      return new ProxyRenewal(Outcome.ANSWERED, null, seen, "an operator forced a failover to " + current.handoverTo());
    }
    V1Lease renewed = copy(lease);
    renewed.setSpec(new V1LeaseSpec()
        .holderIdentity(spec.getHolderIdentity())
        .leaseDurationSeconds(spec.getLeaseDurationSeconds())
        .leaseTransitions(spec.getLeaseTransitions())
        .acquireTime(spec.getAcquireTime())
        .renewTime(OffsetDateTime.now(ZoneOffset.UTC)));
    try {
      V1Lease written = api.replaceNamespacedLease(name, namespace, renewed).execute();
      remember(written);
      return new ProxyRenewal(Outcome.ANSWERED, written, seen, null);
    } catch (ApiException e) {
      return new ProxyRenewal(Outcome.of(e), null, seen, "renewing the Lease: " + describe(e));
    }
  }

  private static String describe(ApiException e) {
    return e.getCode() == 0 ? "no answer (" + (e.getCause() == null ? "transport error" : e.getCause().getClass().getSimpleName()) + ")"
        : "HTTP " + e.getCode();
  }

  /**
   * A member renewed this node's Lease on its behalf ({@link #renewFor}) when asked by the heartbeat
   * sent at {@code askedAtNanos}: the renewal counts from that send time. Taken only within a live
   * term, for a Lease that names this node, and if newer than the last renewal.
   */
  public boolean renewedBy(String member, V1Lease lease, long askedAtNanos) {
    V1LeaseSpec spec = lease.getSpec();
    synchronized (view) {
      if (!termAlive() || releasing || spec == null || !identity.equals(spec.getHolderIdentity())
          || askedAtNanos - lastRenewSentNanos <= 0) {
        return false;
      }
      rememberLocked(lease);
      ownWrite = lease;
      lastRenewSentNanos = askedAtNanos;
      renewals++;
    }
    log.debug("{} renewed my Lease on my behalf", member);
    return true;
  }

  /**
   * The Lease as the holder {@code from} reported it in a heartbeat received now, standing in for
   * reads until {@code freshForNanos} from now; or, once, the Lease {@code from} has just freed (its
   * last heartbeat, after its release), which ends the heartbeats' standing in. Ignored while this
   * node is in a term of its own, or when the reported Lease is neither held by its sender nor freed
   * by the holder this node knows. Returns whether it was taken. A freed Lease only makes this node
   * try to acquire sooner, on the resourceVersion it carries (the API refuses it if the Lease has
   * changed since), and expiry still counts from receipt.
   */
  public boolean heard(String from, V1Lease lease, long freshForNanos) {
    V1LeaseSpec spec = lease.getSpec();
    if (spec == null || from == null || lease.getMetadata() == null || !name.equals(lease.getMetadata().getName())) {
      return false;
    }
    String holder = spec.getHolderIdentity();
    boolean released = (holder == null || holder.isBlank()) && from.equals(state.holder());
    if (!from.equals(holder) && !released) {
      return false;
    }
    synchronized (view) {
      if (termActive) {
        return false;
      }
      rememberLocked(lease);
      if (released) {
        // The holder freed the Lease and says so once: no more heartbeats stand in for reads.
        heardTrusted = false;
      } else {
        heardUntilNanos = nanoTime.getAsLong() + freshForNanos;
        heardTrusted = true;
      }
    }
    return true;
  }

  /**
   * Another node holds the Lease and it changed (a renewal this node read or heard) less than the
   * holder's own lease duration ago on this node's monotonic clock: the window in which this node
   * would refuse to take it (see the class comment), so nobody else can have acquired it since.
   */
  public boolean holderUnexpired() {
    V1Lease lease = last;
    V1LeaseSpec spec = lease == null ? null : lease.getSpec();
    String holder = spec == null ? null : spec.getHolderIdentity();
    if (holder == null || holder.isBlank() || holder.equals(identity)) {
      return false;
    }
    long seconds = spec.getLeaseDurationSeconds() == null || spec.getLeaseDurationSeconds() <= 0
        ? leaseDurationSeconds : spec.getLeaseDurationSeconds();
    return nanoTime.getAsLong() - observedAtNanos < TimeUnit.SECONDS.toNanos(seconds);
  }

  /** Heartbeats no longer stand in for reads (the leader reported trouble, or one came late). */
  public void stopTrustingHeartbeats() {
    heardTrusted = false;
  }

  /** The Lease as last read or written, as the API returned it (what a heartbeat reports), or null. */
  public V1Lease lastLease() {
    return last;
  }

  /** How many times this node read the Lease from the API server. */
  public long apiReads() {
    return apiReads;
  }

  private static V1Lease copy(V1Lease lease) {
    V1ObjectMeta meta = lease.getMetadata() == null ? new V1ObjectMeta() : lease.getMetadata();
    return new V1Lease()
        .apiVersion("coordination.k8s.io/v1")
        .kind("Lease")
        .metadata(
            new V1ObjectMeta()
                .name(meta.getName())
                .namespace(meta.getNamespace())
                .resourceVersion(meta.getResourceVersion())
                .uid(meta.getUid())
                .labels(meta.getLabels())
                .annotations(meta.getAnnotations())
                .ownerReferences(meta.getOwnerReferences()))
        .spec(lease.getSpec());
  }

  /** Reads a spec defensively: what the elector cannot handle becomes an empty or default field. */
  LeaderElectionRecord recordOf(V1LeaseSpec spec) {
    LeaderElectionRecord record = new LeaderElectionRecord();
    record.setLeaderTransitions(0);
    record.setLeaseDurationSeconds(leaseDurationSeconds);
    if (spec == null) {
      return record;
    }
    String holder = spec.getHolderIdentity();
    record.setHolderIdentity(holder == null || holder.isBlank() ? null : holder);
    if (spec.getLeaseTransitions() != null && spec.getLeaseTransitions() >= 0) {
      record.setLeaderTransitions(spec.getLeaseTransitions());
    }
    if (spec.getLeaseDurationSeconds() != null && spec.getLeaseDurationSeconds() > 0) {
      record.setLeaseDurationSeconds(spec.getLeaseDurationSeconds());
    }
    if (spec.getAcquireTime() != null) {
      record.setAcquireTime(Date.from(spec.getAcquireTime().toInstant()));
    }
    if (spec.getRenewTime() != null) {
      record.setRenewTime(Date.from(spec.getRenewTime().toInstant()));
    }
    return record;
  }

  private static V1LeaseSpec specOf(LeaderElectionRecord record) {
    return new V1LeaseSpec()
        .holderIdentity(record.getHolderIdentity())
        .leaseDurationSeconds(record.getLeaseDurationSeconds())
        .leaseTransitions(record.getLeaderTransitions())
        .acquireTime(time(record.getAcquireTime()))
        .renewTime(time(record.getRenewTime()));
  }

  private static OffsetDateTime time(Date date) {
    return date == null ? null : OffsetDateTime.ofInstant(Instant.ofEpochMilli(date.getTime()), ZoneOffset.UTC);
  }

  @Override
  public String identity() {
    return identity;
  }

  @Override
  public String describe() {
    return namespace + "/" + name;
  }
}
