package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.ApiServerProcess;
import io.github.redisleaseha.kube.GatedLeaseLock;
import io.kubernetes.client.extended.leaderelection.LeaderElectionRecord;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.util.ClientBuilder;
import java.nio.file.Path;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The Lease lock against the embedded API server, with the elector's calls and the control loop's
 * reads interleaved on their own threads as they are in a sidecar.
 */
class LeaseLockIT {

  private static final String NS = "default";
  private static final String NAME = "redis-leader";

  /**
   * Found under load (FailoverIT, 2 busy cores): redis-2's elector read the Lease free, its control
   * loop then read it held by redis-0, and the elector's write went out with the newer
   * resourceVersion, so both held the Lease for a term and both promoted.
   */
  @Test
  void anAcquireDecidedOnAFreeLeaseCannotOverwriteAHolderThatCameSince() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "lease-lock-" + System.currentTimeMillis(), "api.log"));
        ExecutorService elector = Executors.newSingleThreadExecutor();
        ExecutorService control = Executors.newSingleThreadExecutor()) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      GatedLeaseLock a = lock(client, "redis-0");
      GatedLeaseLock b = lock(client, "redis-2");
      assertThat(a.create(record("redis-0"))).isTrue();
      assertThat(a.release(Map.of())).isTrue();

      // b's elector reads the Lease: free, so it decides to acquire.
      LeaderElectionRecord seenByElector = on(elector, () -> b.get());
      assertThat(seenByElector.getHolderIdentity()).isNull();
      // Meanwhile a acquires it, and b's control loop reads it on its own thread.
      a.reopen();
      a.get();
      assertThat(a.update(record("redis-0"))).isTrue();
      assertThat(on(control, () -> b.get()).getHolderIdentity()).isEqualTo("redis-0");

      // b's elector now writes what it decided on the free Lease: the API must refuse it.
      assertThat(on(elector, () -> b.update(record("redis-2")))).as("b's stale acquire").isFalse();
      assertThat(holder(client)).isEqualTo("redis-0");
      assertThat(b.termActive()).isFalse();
      assertThat(a.holdsFreshLease()).isTrue();

      // b's next attempt reads again and sees a holder: the elector leaves it alone.
      assertThat(on(elector, () -> b.get()).getHolderIdentity()).isEqualTo("redis-0");
    }
  }

  /** A node whose Lease was taken over (here: edited by hand) must not write its annotations on it. */
  @Test
  void annotationsGoOnlyOnALeaseThatStillNamesThisNode() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "lease-lock-" + System.currentTimeMillis(), "api.log"))) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      GatedLeaseLock a = lock(client, "redis-0");
      assertThat(a.create(record("redis-0"))).isTrue();
      CoordinationV1Api leases = new CoordinationV1Api(client);
      var lease = leases.readNamespacedLease(NAME, NS).execute();
      lease.getSpec().setHolderIdentity("operator");
      leases.replaceNamespacedLease(NAME, NS, lease).execute();
      a.get();

      assertThat(a.annotate(Map.of("redis-lease-ha/leader", "redis-0"))).isFalse();
      assertThat(leases.readNamespacedLease(NAME, NS).execute().getMetadata().getAnnotations()).isNullOrEmpty();
    }
  }

  /**
   * A candidate takes a held Lease only after the holder's own lease duration has passed on its own
   * monotonic clock since it saw the Lease change, whatever its own --lease-duration or the wall clock
   * says (a rolling change of timings; a wall-clock step, here a renewTime an hour old).
   */
  @Test
  void aHeldLeaseExpiresAfterTheHoldersDurationOnTheCandidatesMonotonicClock() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "lease-lock-" + System.currentTimeMillis(), "api.log"))) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      GatedLeaseLock holder = new GatedLeaseLock(client, NS, NAME, "redis-0", 30, 20_000, () -> 1L);
      Date anHourAgo = new Date(System.currentTimeMillis() - 3_600_000);
      assertThat(holder.create(new LeaderElectionRecord("redis-0", 30, anHourAgo, anHourAgo, 0, null))).isTrue();

      java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
      GatedLeaseLock candidate = new GatedLeaseLock(client, NS, NAME, "redis-2", 4, 2500, clock::get);
      assertThat(candidate.get().getHolderIdentity()).isEqualTo("redis-0");
      clock.addAndGet(java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
      assertThat(candidate.update(record("redis-2"))).as("5 s after the change, of the holder's 30 s").isFalse();
      clock.addAndGet(java.util.concurrent.TimeUnit.SECONDS.toNanos(24));
      candidate.get();
      assertThat(candidate.update(record("redis-2"))).as("29 s after the change").isFalse();
      assertThat(holder(client)).isEqualTo("redis-0");
      clock.addAndGet(java.util.concurrent.TimeUnit.SECONDS.toNanos(2));
      candidate.get();
      assertThat(candidate.update(record("redis-2"))).as("31 s after the change").isTrue();
      assertThat(holder(client)).isEqualTo("redis-2");
    }
  }

  /**
   * The idle API load: a holder renews with one update on the resourceVersion of its own last write,
   * never reading first, and at most once per renew interval; it reads again only after a write of
   * its was refused because someone else wrote the Lease since.
   */
  @Test
  void aHolderRenewsWithOneUpdateAndReadsOnlyAfterAConflict() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "lease-lock-" + System.currentTimeMillis(), "api.log"))) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
      GatedLeaseLock holder = new GatedLeaseLock(client, NS, NAME, "redis-0", 4, 2500, 1000, clock::get);
      assertThat(holder.create(record("redis-0"))).isTrue();
      String created = version(client);

      clock.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(400));
      assertThat(holder.get().getHolderIdentity()).isEqualTo("redis-0");
      assertThat(holder.update(record("redis-0"))).as("an attempt within the renew interval").isTrue();
      assertThat(version(client)).as("nothing written within the renew interval").isEqualTo(created);

      clock.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(700));
      holder.get();
      assertThat(holder.update(record("redis-0"))).isTrue();
      assertThat(version(client)).as("renewed after the interval").isNotEqualTo(created);
      assertThat(holder.apiReads()).as("reads by the holder").isZero();

      // An operator writes the Lease (e.g. a pause mark): the holder's next renewal is refused (409),
      // and only then does it read, at once, and renew on what it read, keeping the operator's annotation.
      CoordinationV1Api leases = new CoordinationV1Api(client);
      var lease = leases.readNamespacedLease(NAME, NS).execute();
      lease.getMetadata().setAnnotations(Map.of("example.com/note", "kept"));
      leases.replaceNamespacedLease(NAME, NS, lease).execute();
      clock.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1100));
      holder.get();
      assertThat(holder.update(record("redis-0"))).as("a renewal on a version that changed, re-read and renewed").isTrue();
      assertThat(holder.apiReads()).isEqualTo(1);
      assertThat(leases.readNamespacedLease(NAME, NS).execute().getMetadata().getAnnotations()).containsEntry("example.com/note", "kept");
      assertThat(holder.holdsFreshLease()).isTrue();
    }
  }

  /**
   * A follower is answered from the Lease its leader reported in a heartbeat while heartbeats arrive,
   * and counts expiry from when it received the report: a candidate that heard a renewal 3 s ago may
   * not take the Lease, one that heard it more than the holder's lease duration ago may.
   */
  @Test
  void aFollowerIsAnsweredFromHeartbeatsAndCountsExpiryFromTheirReceipt() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "lease-lock-" + System.currentTimeMillis(), "api.log"))) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      GatedLeaseLock leader = lock(client, "redis-0");
      assertThat(leader.create(record("redis-0"))).isTrue();
      var reported = leader.lastLease();
      java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
      GatedLeaseLock follower = new GatedLeaseLock(client, NS, NAME, "redis-2", 4, 2500, 1250, clock::get);

      assertThat(follower.heard("redis-1", reported, java.util.concurrent.TimeUnit.SECONDS.toNanos(1)))
          .as("a report of a Lease its sender does not hold").isFalse();
      assertThat(follower.heard("redis-0", reported, java.util.concurrent.TimeUnit.SECONDS.toNanos(1))).isTrue();
      assertThat(follower.get().getHolderIdentity()).isEqualTo("redis-0");
      assertThat(follower.apiReads()).as("reads while heartbeats arrive").isZero();

      clock.addAndGet(java.util.concurrent.TimeUnit.SECONDS.toNanos(3));
      assertThat(follower.get().getHolderIdentity()).as("the heartbeat is late: a real read").isEqualTo("redis-0");
      assertThat(follower.apiReads()).isEqualTo(1);
      assertThat(follower.update(record("redis-2"))).as("3 s after hearing the renewal").isFalse();
      clock.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1100));
      follower.get();
      assertThat(follower.update(record("redis-2"))).as("4.1 s after hearing it, nothing newer read").isTrue();
      assertThat(holder(client)).isEqualTo("redis-2");
    }
  }

  /**
   * Proxy renewal: a member that reaches the API server renews the leader's Lease on the version it
   * reads, holder unchanged; the leader counts it from the send time of the heartbeat that asked. A
   * Lease that names someone else, or that an operator marked for a forced failover elsewhere, is
   * left alone, and a renewal asked for before the leader's own last one does not count.
   */
  @Test
  void aMemberRenewsTheLeadersLeaseOnItsBehalfOnlyWhileItNamesTheLeader() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "lease-lock-" + System.currentTimeMillis(), "api.log"))) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
      GatedLeaseLock leader = new GatedLeaseLock(client, NS, NAME, "redis-0", 4, 2500, 1250, clock::get);
      assertThat(leader.create(record("redis-0"))).isTrue();
      GatedLeaseLock member = lock(client, "redis-1");
      String before = version(client);

      clock.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(2000));
      long askedAt = clock.get();
      GatedLeaseLock.ProxyRenewal r = member.renewFor("redis-0");
      assertThat(r.renewed()).as(r.problem()).isNotNull();
      assertThat(holder(client)).isEqualTo("redis-0");
      assertThat(version(client)).isNotEqualTo(before);
      clock.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1000));
      assertThat(leader.renewedWithinDeadline()).as("3 s after its own renewal, before the member's is reported").isFalse();
      assertThat(leader.renewedBy("redis-1", r.renewed(), askedAt)).isTrue();
      assertThat(leader.renewedWithinDeadline()).as("1 s after the heartbeat that asked for the member's renewal").isTrue();
      assertThat(leader.renewedBy("redis-1", r.renewed(), askedAt - 1)).as("an older renewal").isFalse();
      // The leader's next renewal goes on the version the member wrote: no conflict, no read.
      clock.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(300));
      leader.get();
      assertThat(leader.update(record("redis-0"))).isTrue();
      assertThat(leader.apiReads()).isZero();

      // An operator forces a failover to redis-2: no member renews for redis-0 any more.
      CoordinationV1Api leases = new CoordinationV1Api(client);
      var lease = leases.readNamespacedLease(NAME, NS).execute();
      lease.getMetadata().setAnnotations(io.github.redisleaseha.core.LeaseState.handoverMark("redis-2", System.currentTimeMillis() + 60_000, true));
      leases.replaceNamespacedLease(NAME, NS, lease).execute();
      String marked = version(client);
      assertThat(member.renewFor("redis-0").problem()).isEqualTo("an operator forced a failover to redis-2");
      assertThat(member.renewFor("redis-2").holderSeen()).isEqualTo("redis-0");
      assertThat(version(client)).isEqualTo(marked);
    }
  }

  /** A renewal refused because another node holds the Lease now ends the term at once. */
  @Test
  void aRenewalThatFindsAnotherHolderEndsTheTerm() throws Exception {
    try (ApiServerProcess api = ApiServerProcess.start(Path.of("target", "it", "lease-lock-" + System.currentTimeMillis(), "api.log"))) {
      ApiClient client = new ClientBuilder().setBasePath(api.url()).build();
      GatedLeaseLock leader = lock(client, "redis-0");
      assertThat(leader.create(record("redis-0"))).isTrue();
      CoordinationV1Api leases = new CoordinationV1Api(client);
      var lease = leases.readNamespacedLease(NAME, NS).execute();
      lease.getSpec().setHolderIdentity("redis-2");
      leases.replaceNamespacedLease(NAME, NS, lease).execute();

      leader.get();
      assertThat(leader.update(record("redis-0"))).isFalse();
      assertThat(leader.termActive()).isFalse();
      assertThat(leader.holdsFreshLease()).isFalse();
      assertThat(leader.apiUnreachable()).as("an answer, not an outage: no failsafe").isFalse();
      assertThat(holder(client)).isEqualTo("redis-2");
    }
  }

  private static String version(ApiClient client) throws Exception {
    return new CoordinationV1Api(client).readNamespacedLease(NAME, NS).execute().getMetadata().getResourceVersion();
  }

  /** A lock on a stopped clock: a held Lease stays fresh however slow the machine is. */
  private static GatedLeaseLock lock(ApiClient client, String identity) {
    return new GatedLeaseLock(client, NS, NAME, identity, 4, 2500, () -> 1L);
  }

  private static LeaderElectionRecord record(String holder) {
    Date now = new Date();
    return new LeaderElectionRecord(holder, 4, now, now, 0, null);
  }

  private static String holder(ApiClient client) throws Exception {
    return new CoordinationV1Api(client).readNamespacedLease(NAME, NS).execute().getSpec().getHolderIdentity();
  }

  private interface Call<T> {
    T call() throws Exception;
  }

  private static <T> T on(ExecutorService thread, Call<T> call) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return call.call();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, thread).get();
  }
}
