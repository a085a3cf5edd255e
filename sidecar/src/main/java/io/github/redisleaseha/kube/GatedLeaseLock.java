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
    this.api = new CoordinationV1Api(client);
    this.namespace = namespace;
    this.name = name;
    this.identity = identity;
    this.leaseDurationSeconds = leaseDurationSeconds;
    this.renewDeadlineNanos = TimeUnit.MILLISECONDS.toNanos(renewDeadlineMillis);
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
    return termActive && !releasing && nanoTime.getAsLong() - lastRenewSentNanos < renewDeadlineNanos;
  }

  public boolean termActive() {
    return termActive;
  }

  /** Milliseconds since the last successful renewal was sent, or -1 outside a term. */
  public long millisSinceRenewal() {
    return termActive ? TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - lastRenewSentNanos) : -1;
  }

  /** Called when the elector stops leading: the term is over whatever the Lease still says. */
  public void endTerm() {
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

  @Override
  public synchronized LeaderElectionRecord get() throws ApiException {
    V1Lease lease;
    try {
      lease = api.readNamespacedLease(name, namespace).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        apiFailure("Could not read Lease " + describe(), e);
      } else {
        lost("the Lease is gone (deleted)");
      }
      throw e;
    }
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
      V1Lease created = api.createNamespacedLease(namespace, lease).execute();
      remember(created);
      readByThisThread.set(created);
      wrote(record, sent);
      log.info("Created Lease {} held by {}", describe(), record.getHolderIdentity());
      return true;
    } catch (ApiException e) {
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
    V1Lease lease = copy(base);
    lease.setSpec(specOf(record));
    long sent = nanoTime.getAsLong();
    try {
      V1Lease updated = api.replaceNamespacedLease(name, namespace, lease).execute();
      apiErrors.recovered("Lease " + describe() + " is writable again");
      remember(updated);
      readByThisThread.set(updated);
      wrote(record, sent);
      return true;
    } catch (ApiException e) {
      if (e.getCode() != 409) {
        apiFailure("Could not update Lease " + describe(), e);
      }
      return false;
    }
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
    if (termActive) {
      termActive = false;
      log.info("My term is over: {}", why);
    }
  }

  /** How many successful writes naming this node as holder were made; changes on every renewal. */
  public long renewals() {
    return renewals;
  }

  private void wrote(LeaderElectionRecord record, long sentNanos) {
    if (identity.equals(record.getHolderIdentity())) {
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
      remember(api.replaceNamespacedLease(name, namespace, lease).execute());
      return true;
    } catch (ApiException e) {
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
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
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
      remember(api.readNamespacedLease(name, namespace).execute());
    } catch (ApiException e) {
      log.debug("Could not re-read Lease {}", describe(), e);
    }
  }

  private void remember(V1Lease lease) {
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
