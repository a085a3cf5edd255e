package io.github.redisleaseha.node;

import io.github.redisleaseha.config.SidecarConfig;
import io.github.redisleaseha.core.Decider;
import io.github.redisleaseha.core.Decision;
import io.github.redisleaseha.core.Eligibility;
import io.github.redisleaseha.core.Failsafe;
import io.github.redisleaseha.core.Handover;
import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.Observation;
import io.github.redisleaseha.core.PeerStatus;
import io.github.redisleaseha.core.RateLimitedLog;
import io.github.redisleaseha.core.RedisStatus;
import io.github.redisleaseha.core.SwitchoverRule;
import io.github.redisleaseha.core.Term;
import io.github.redisleaseha.kube.Election;
import io.github.redisleaseha.kube.EventRecorder;
import io.github.redisleaseha.kube.EventRecorder.Kind;
import io.github.redisleaseha.kube.GatedLeaseLock;
import io.github.redisleaseha.kube.PeerDiscovery;
import io.github.redisleaseha.kube.RoleLabel;
import io.github.redisleaseha.kube.WriteEndpoint;
import io.github.redisleaseha.redis.FenceLine;
import io.github.redisleaseha.redis.LocalProcess;
import io.github.redisleaseha.redis.RedisNode;
import io.github.redisleaseha.redis.ReloadingCredentials;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * One sidecar: observes, asks the {@link Decider} for one action, executes it, repeats. All
 * decisions and all writes to Redis and Kubernetes happen on the single control thread, so they are
 * ordered; the election runs on its own thread and the fence owner on another.
 *
 * <p><b>Fencing.</b> The local Redis is paused and unpaused only by the {@link FenceOwner}, on its own
 * thread every {@value FenceOwner#GUARD_MILLIS} ms, by the one rule in {@link
 * io.github.redisleaseha.core.FenceRule}; the control loop tells it what it observed. The Lease is
 * released only after the owner confirms that the local Redis takes no more writes ({@link #release}).
 */
public final class Sidecar implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Sidecar.class);
  /** Where a member's sidecar takes the leader's heartbeats ({@code POST}, with the cluster key). */
  public static final String HEARTBEAT_PATH = "/peer/heartbeat";
  /**
   * How often a leader re-reads its write endpoint to repair a hand edit, and how often peers are
   * re-listed (every {@link #PEER_REFRESH_UNREACHABLE_MILLIS} while one does not answer): the API
   * requests of an idle cluster besides the renewals.
   */
  private static final long ENDPOINT_RECHECK_MILLIS = 20_000;
  private static final long PEER_REFRESH_MILLIS = 30_000;
  private static final long PEER_REFRESH_UNREACHABLE_MILLIS = 5_000;
  private static final long HEARTBEAT_TICK_MILLIS = 20;
  private static final long HANDOVER_POLL_MILLIS = 5;

  private final SidecarConfig config;
  private final Decider decider;
  private final GatedLeaseLock lock;
  private final Election election;
  private final WriteEndpoint endpoint;
  private final PeerDiscovery discovery;
  private final JedisClientConfig redisClientConfig;
  private final RedisNode local;
  private final FenceOwner fence;
  private final ScheduledExecutorService control =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("control").daemon(true).factory());
  private final ScheduledExecutorService guard =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("fence-guard").daemon(true).factory());
  private final ScheduledExecutorService heartbeat =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("heartbeat").daemon(true).factory());
  private final Heartbeats heartbeats;
  private final HeartbeatListener listener;
  /** Whether failsafe kept this leader at the last tick: null when its renewals were on time (or it does not lead). */
  private Boolean failsafeKept;
  private final RateLimitedLog loopErrors = new RateLimitedLog(log, 10_000);
  private final SidecarMetrics metrics;
  private final EventRecorder events;
  private final RoleLabel roleLabel;

  // State owned by the control thread; volatile so the HTTP and guard threads read it safely.
  private volatile Observation lastObservation;
  private volatile long peersRefreshedAt;
  private volatile int localFailures;
  private final ControlState state = new ControlState();
  private final Peers peers;
  private final Executor executor;
  private volatile long lastKickAt;
  private final FailoverTiming timing;
  /** The local Redis run id whose ACL permissions were last checked, and what its user lacks. */
  private String permissionsCheckedFor;
  private String missingPermissions;
  private String lastSentence;
  private String lastIneligibility;
  private java.util.concurrent.ScheduledFuture<?> nextTick;
  /** The Redis credentials this sidecar uses: also what Sentinel clients must present to the endpoint. */
  private final ReloadingCredentials credentials;
  /** The Sentinel-compatible endpoint, or null while it is off; and what it answers from (control thread writes). */
  private io.github.redisleaseha.sentinel.SentinelEndpoint sentinel;
  private volatile io.github.redisleaseha.sentinel.SentinelView sentinelView = io.github.redisleaseha.sentinel.SentinelView.NONE;

  /**
   * @param authorization the {@code Authorization} header value of calls to other members' sidecars
   *     (the cluster key), or null when there is none: then no heartbeats are sent
   * @param metrics where this node's metrics go; {@code apiClient} already counts its requests there
   */
  public Sidecar(SidecarConfig config, ApiClient apiClient, java.util.function.Supplier<String> authorization,
      SidecarMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.decider = new Decider(config.policy());
    this.lock =
        new GatedLeaseLock(
            apiClient,
            config.namespace(),
            config.leaseName(),
            config.podName(),
            (int) config.leaseDuration().toSeconds(),
            config.renewDeadline().toMillis(),
            config.renewInterval().toMillis(),
            System::nanoTime);
    this.election = new Election(lock, config.leaseDuration(), config.renewDeadline(), config.retryPeriod());
    this.endpoint = new WriteEndpoint(apiClient, config.namespace(), config.writeService(), config.endpointsMode());
    this.discovery =
        config.peerSelector() == null
            ? PeerDiscovery.fixed(config.peers(), config.podName())
            : PeerDiscovery.byLabel(apiClient, config.namespace(), config.peerSelector(), config.self().port(), config.podName());
    int timeout = (int) config.redisTimeout().toMillis();
    DefaultJedisClientConfig.Builder builder =
        DefaultJedisClientConfig.builder().connectionTimeoutMillis(timeout).socketTimeoutMillis(timeout).clientName("redis-lease-ha");
    this.credentials =
        new ReloadingCredentials(config.redisUser(), config.redisPassword(), config.redisUserFile(), config.redisPasswordFile());
    if (credentials.configured()) {
      builder.credentialsProvider(credentials);
    }
    if (config.redisTls() != null) {
      builder.ssl(true).sslSocketFactory(config.redisTls().socketFactory());
      log.info("Redis connections use {}", config.redisTls().description());
    }
    this.redisClientConfig = builder.build();
    this.local = new RedisNode(config.redisHost(), config.redisPort(), redisClientConfig);
    this.events = new EventRecorder(apiClient, config.namespace(), config.leaseName(), config.podName());
    this.fence = new FenceOwner(config.podName(), new FenceLine(new HostAndPort(config.redisHost(), config.redisPort()),
        redisClientConfig), new LocalProcess(), lock::holdsFreshLease, lock::renewals, lock::millisSinceRenewal,
        config.stallTimeout().toMillis(), events, metrics);
    this.timing = new FailoverTiming(config.podName(), metrics);
    this.peers = new Peers(redisClientConfig);
    this.executor = new Executor(config, state, lock, election, endpoint, local, peers, fence, events, timing, metrics);
    this.roleLabel = config.roleLabel() == null ? null : new RoleLabel(apiClient, config.namespace(), config.podName(), config.roleLabel());
    this.heartbeats = new Heartbeats(config.podName(), lock, discovery::peers, this::sidecarUrl, authorization,
        config.heartbeatInterval(), config.peerTimeout(), config.retryPeriod(), System::nanoTime);
    this.listener = new HeartbeatListener(lock, this::localPrimary, this::wake, config.heartbeatInterval(), config.peerTimeout(),
        (int) config.leaseDuration().toSeconds(), System::nanoTime);
    lock.setKeptByMembers(() -> failsafe().isEmpty());
    lock.setEligibility(this::eligibility);
    lock.onAcquired(this::wake);
    lock.onRefused(reason -> events.record(Kind.PROMOTION_REFUSED,
        "I am " + config.podName() + " and did not take the free Lease: " + reason));
  }

  public void start() {
    log.info(
        "Starting sidecar {} for Redis {} (announced as {}), Lease {}/{}",
        config.podName(), config.redisHost() + ":" + config.redisPort(), config.self().address(),
        config.namespace(), config.leaseName());
    discovery.refresh();
    peersRefreshedAt = nowMillis();
    lock.warmUp();
    // The first observation completes before the election starts, so the first attempt to acquire
    // is judged on a real view of Redis instead of being refused for lack of one.
    try {
      control.submit(this::tick).get(config.renewDeadline().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.debug("First observation did not complete in time", e);
    }
    log.info("I am {}; fencing: {}", config.podName(), fence.fencingDescription());
    election.start();
    guard.scheduleWithFixedDelay(fence::tick, FenceOwner.GUARD_MILLIS, FenceOwner.GUARD_MILLIS, TimeUnit.MILLISECONDS);
    heartbeat.scheduleWithFixedDelay(() -> {
      try {
        heartbeats.tick();
      } catch (RuntimeException e) {
        loopErrors.failure("Sending heartbeats failed", e);
      }
    }, HEARTBEAT_TICK_MILLIS, HEARTBEAT_TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private java.net.URI sidecarUrl(Member m) {
    String host = m.host().contains(":") ? "[" + m.host() + "]" : m.host();
    return java.net.URI.create("http://" + host + ":" + config.httpPortOf(m.name()));
  }

  /**
   * A heartbeat from the leader ({@code POST /peer/heartbeat}, already authenticated): the status and
   * this member's reply (taken, promised, renewed on the leader's behalf, or refused with the reason).
   */
  public HeartbeatListener.Answer heartbeat(String body) {
    return listener.receive(body, discovery.peers());
  }

  private boolean localPrimary() {
    Observation o = lastObservation;
    return o != null && o.local().reachable() && o.local().primary();
  }

  /** The failsafe rule for this leader now: empty if its members' promises keep it, otherwise why not. */
  private Optional<String> failsafe() {
    return Failsafe.keeps(config.podName(), lock.state().members(), heartbeats.promisedAt(), lock.apiUnreachable(),
        System.nanoTime(), config.renewDeadline().toNanos());
  }

  /**
   * A leader whose renewals fail says once, when it changes, whether failsafe keeps it (and why not);
   * and once that it renewed again.
   */
  private void logFailsafe() {
    Boolean kept = null;
    String why = null;
    if (lock.termActive() && !lock.renewedWithinDeadline()) {
      why = failsafe().orElse(null);
      kept = why == null;
    }
    if (java.util.Objects.equals(kept, failsafeKept)) {
      return;
    }
    String me = "I am " + config.podName() + ", leader, and ";
    if (kept == null) {
      if (lock.termActive()) {
        log.info(me + "renewed my Lease again; failsafe is over");
      }
    } else if (kept) {
      log.info(me + "cannot renew my Lease: the API server does not answer, and every member promised not to take"
          + " over; keeping my Redis writable (failsafe)");
    } else {
      log.warn(me + "cannot renew my Lease; failsafe does not keep me: " + why);
    }
    failsafeKept = kept;
  }

  // ---------------------------------------------------------------- control loop

  /** Runs a tick now instead of at the next interval (e.g. right after acquiring the Lease). */
  private void wake() {
    control.execute(() -> {
      if (nextTick != null && nextTick.cancel(false)) {
        tick();
      }
    });
  }

  private void tick() {
    // A handover waits on Redis (the target catching up, FAILOVER swapping roles) with writes paused,
    // so while one is under way the loop polls every HANDOVER_POLL_MILLIS rather than every tick.
    long delay = state.handover != null ? Math.min(HANDOVER_POLL_MILLIS, config.healthInterval().toMillis())
        : config.healthInterval().toMillis();
    try {
      advanceTerm();
      logFailsafe();
      Observation o = observe();
      lastObservation = o;
      logEligibility(o);
      if (o.leading()) {
        Term t = state.term;
        if (t != null && t.promoted() && config.self().address().equals(state.endpointTarget)) {
          timing.endpointOnMe(o.nowMillis());
        }
      } else {
        timing.followed(o);
        kickElectionIfDue(o);
      }
      if (state.handover != null && !o.leading()) {
        executor.finishHandover(SidecarMetrics.HandoverOutcome.ABORTED, "I am " + config.podName() + " and lost the Lease during the handover"
            + (state.handover.target() == null ? "" : " to " + state.handover.target().name()));
      }
      Decision d = decider.decide(o);
      logDecision(d);
      if (d.acts()) {
        state.retryNextTick = false;
        executor.execute(d.action(), o);
        delay = state.retryNextTick ? delay : 0;
      }
      RoleView view = role();
      metrics.update(view, lock.state().transitions());
      updateSentinelView(o);
      if (roleLabel != null && (view.role().equals("leader") || view.role().equals("replica"))) {
        roleLabel.set(view.role());
      }
    } catch (RuntimeException e) {
      loopErrors.failure("Control loop step failed", e);
    } finally {
      if (!control.isShutdown()) {
        nextTick = control.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
      }
    }
  }

  private Observation observe() {
    long now = nowMillis();
    Observation before = lastObservation;
    boolean someoneSilent = before != null && before.peers().stream().anyMatch(p -> !p.reachable());
    if (now - peersRefreshedAt > (someoneSilent ? PEER_REFRESH_UNREACHABLE_MILLIS : PEER_REFRESH_MILLIS)) {
      discovery.refresh();
      peersRefreshedAt = now;
    }
    RedisStatus localStatus = local.status();
    if (localStatus.reachable() && localStatus.primary() && !lock.holdsFreshLease()) {
      // A primary without the Lease is fenced by the fence owner unless a handover names this node:
      // the target of a handover becomes a primary by the leader's FAILOVER, a moment after the
      // leader marked the Lease, so the Lease is read again before the fence owner learns the role.
      try {
        lock.read();
      } catch (ApiException e) {
        log.debug("Could not re-read the Lease", e);
      }
    }
    LeaseState marked = lock.state();
    fence.handoverTarget(config.podName().equals(marked.handoverTo()) && marked.handoverActive(System.currentTimeMillis()));
    // The fence owner keeps the last role seen answering: a stalled primary is still a primary when
    // it resumes, so it stays fenced until it is seen as a replica.
    fence.observed(localStatus);
    localFailures = localStatus.health() == RedisStatus.Health.DEAD ? localFailures + 1 : 0;
    if (!localStatus.reachable()) {
      metrics.healthCheckFailed();
    }
    localStatus = checkPermissions(localStatus);
    // During a handover only the target's Redis is asked: the steps depend on nothing else, and a
    // peer that is down (a timeout per tick) must not slow each step. The others keep their last status.
    Handover h = state.handover;
    Observation previous = lastObservation;
    List<PeerStatus> seen = new ArrayList<>();
    for (Member m : discovery.peers()) {
      Optional<PeerStatus> kept = h == null || h.target() == null || h.target().name().equals(m.name()) || previous == null
          ? Optional.empty() : previous.peer(m.name()).filter(p -> p.member().equals(m));
      seen.add(kept.orElseGet(() -> new PeerStatus(m, peers.node(m).status())));
    }
    boolean leading = lock.holdsFreshLease() && state.term != null;
    if (leading && now - state.endpointCheckedAt > ENDPOINT_RECHECK_MILLIS) {
      state.endpointCheckedAt = now;
      try {
        state.endpointTarget = endpoint.currentTarget();
      } catch (ApiException e) {
        loopErrors.failure("Could not read the write endpoint", e);
      }
    }
    return new Observation(
        now, System.currentTimeMillis(), config.self(), localStatus, localFailures, fence.unansweredMillis(),
        fence.gone(), fence.canKill(), List.copyOf(seen), lock.state(), leading, leading ? state.term : null, fence.fenced(),
        fence.confirmed(), state.endpointTarget, state.steppedBackUntil, leading ? state.handover : null, listener.promise());
  }

  /**
   * A step of the loop, before observing: a term begins when the lock says this node holds a fresh
   * Lease and no term is recorded, and ends when the lock says the term is over.
   */
  private void advanceTerm() {
    long now = nowMillis();
    String holder = lock.state().holder();
    if (holder != null && !holder.isEmpty() && !holder.equals(config.podName())) {
      state.lastOtherHolder = holder;
    }
    if (lock.holdsFreshLease() && state.term == null) {
      LeaseState l = lock.state();
      Observation last = lastObservation;
      // The previous primary: the leader the Lease records, unless that is already me (a handover
      // records its target before the Lease changes hands), then the node that held it last.
      String recorded = l.leader() == null || l.leader().equals(config.podName()) ? null : l.leader();
      state.term = Term.begin(l.transitions(), now, last == null ? null : last.local().runId(), config.podName(),
          recorded != null ? recorded : state.lastOtherHolder);
      fence.promotedInThisTerm(false);
      state.endpointTarget = null;
      timing.acquired(l, now, System.currentTimeMillis());
      log.info("I am {} and I acquired the Lease (epoch {})", config.podName(), l.transitions());
    } else if (!lock.termActive() && state.term != null) {
      log.info("I am {} and my leadership term (epoch {}) is over", config.podName(), state.term.epoch());
      state.term = null;
      fence.promotedInThisTerm(false);
    }
  }

  /**
   * A step of the loop, after observing, for a node that does not lead. The elector polls the Lease
   * every one to 2.2 retry periods (jittered). When the leader's Redis is unreachable, or a handover
   * names this node, or the Lease is free, and this node is a candidate, read the Lease now (at most
   * once a retry period) and start a fresh elector (which tries at once) as soon as it is free.
   */
  private void kickElectionIfDue(Observation o) {
    LeaseState lease = o.lease();
    boolean handoverToMe = config.podName().equals(lease.handoverTo());
    boolean leaderDown = lease.holderPublished() && o.peer(lease.leader()).map(p -> !p.reachable()).orElse(false);
    long now = o.nowMillis();
    if (!(handoverToMe || leaderDown || lease.free()) || !o.local().reachable() || eligibility().isPresent()
        || now - lastKickAt < config.retryPeriod().toMillis()) {
      return;
    }
    try {
      lock.read();
    } catch (ApiException e) {
      return;
    }
    if (lock.state().free() && !lock.termActive()) {
      lastKickAt = now;
      log.debug("The Lease is free; starting a fresh election attempt");
      election.restart();
    }
  }

  /**
   * Checks once per Redis process (run id) that our user may run every command the sidecar needs.
   * A node whose user lacks some is reported as refused, with the list, and so never contends: it
   * could not promote, fence or hand over. A leader is left alone (it was checked before it led).
   */
  private RedisStatus checkPermissions(RedisStatus status) {
    if (status.reachable() && !java.util.Objects.equals(status.runId(), permissionsCheckedFor)) {
      String user = config.redisUser() == null ? "default" : config.redisUser();
      try {
        List<String> missing = local.missingPermissions(user);
        missingPermissions = missing.isEmpty() ? null
            : "NOPERM the Redis user '" + user + "' may not run " + String.join(", ", missing);
        permissionsCheckedFor = status.runId();
      } catch (redis.clients.jedis.exceptions.JedisDataException e) {
        // Redis answered but cannot dry-run (e.g. older than 7.0): asking again every tick would only
        // repeat the error, so this Redis process counts as checked and nothing is held against it.
        log.info("I am {} and cannot check my Redis user's permissions ({}); assuming they suffice",
            config.podName(), e.getMessage());
        missingPermissions = null;
        permissionsCheckedFor = status.runId();
      } catch (RuntimeException e) {
        log.debug("Could not check the Redis user's permissions; asking again on the next tick", e);
      }
    }
    if (missingPermissions != null && status.reachable() && !lock.termActive()) {
      return RedisStatus.refused(missingPermissions);
    }
    return status;
  }

  private Optional<String> eligibility() {
    Observation o = lastObservation;
    if (o == null) {
      return Optional.of("I have not observed my Redis yet");
    }
    Observation current =
        new Observation(
            nowMillis(), System.currentTimeMillis(), o.self(), o.local(), o.localFailures(), o.localUnansweredMillis(),
            o.localGone(), o.canKill(), o.peers(), lock.state(), false, null, fence.fenced(), fence.confirmed(), null,
            state.steppedBackUntil, state.stopping ? Handover.begin(null, true, 0, 0) : state.handover, listener.promise());
    return Eligibility.limitation(current, config.policy());
  }

  /** An ineligible node says why in one sentence, once per change of reason. */
  private void logEligibility(Observation o) {
    String reason = o.leading() ? null : Eligibility.limitation(o, config.policy()).orElse(null);
    if (!java.util.Objects.equals(reason, lastIneligibility)) {
      if (reason != null) {
        log.info("I am {} and not a candidate for leader: {}", config.podName(), reason);
      } else if (lastIneligibility != null) {
        log.info("I am {} and a candidate for leader again", config.podName());
      }
      lastIneligibility = reason;
    }
  }

  private void logDecision(Decision d) {
    if (d.acts() || !d.sentence().equals(lastSentence)) {
      if (d.warning()) {
        log.warn(d.sentence());
        if (!d.sentence().equals(lastSentence)) {
          events.record(Kind.FOREIGN_LEADER, d.sentence());
        }
      } else {
        log.info(d.sentence());
      }
      lastSentence = d.sentence();
    }
  }

  // ---------------------------------------------------------------- Sentinel-compatible endpoint

  /**
   * Starts the Sentinel-compatible endpoint if it is configured (this is where Netty is first loaded).
   *
   * @throws java.io.IOException if its port cannot be bound
   */
  public void openSentinelEndpoint() throws java.io.IOException {
    io.github.redisleaseha.config.SentinelSettings s = config.sentinel();
    if (s == null) {
      return;
    }
    // Sentinel's run id: 40 hex characters, new on every start, as a restarted Sentinel's.
    String myId = java.util.HexFormat.of().formatHex(randomId());
    var protocol = new io.github.redisleaseha.sentinel.SentinelProtocol(s.masterName(), myId,
        new Member(config.podName(), config.self().host(), s.port()), this::sentinelCredentials,
        config.leaseDuration().toMillis(), config.handoverTimeout().toMillis(), () -> sentinelView);
    sentinel = io.github.redisleaseha.sentinel.SentinelEndpoint.start(protocol, s.bindHost(), s.port());
    log.info("Sentinel-compatible endpoint on {} for master name '{}'{}", sentinel.address(), s.masterName(),
        credentials.configured() ? "; clients authenticate with the Redis credentials" : "; no password (Redis has none)");
  }

  private static byte[] randomId() {
    byte[] id = new byte[20];
    new java.security.SecureRandom().nextBytes(id);
    return id;
  }

  private io.github.redisleaseha.sentinel.SentinelProtocol.Credentials sentinelCredentials() {
    if (!credentials.configured()) {
      return null;
    }
    redis.clients.jedis.RedisCredentials c = credentials.get();
    return new io.github.redisleaseha.sentinel.SentinelProtocol.Credentials(c.getUser(), c.getPassword());
  }

  /**
   * A step of the loop, after acting: whom Sentinel clients are told leads ({@link
   * io.github.redisleaseha.core.MasterView}), said once per change, and handed to the endpoint, which
   * tells subscribed clients.
   */
  private void updateSentinelView(Observation o) {
    if (sentinel == null) {
      return;
    }
    LeaseState lease = lock.state();
    String holder = lease.holder();
    boolean mine = config.podName().equals(holder);
    Term t = state.term;
    boolean leadingFresh = lock.holdsFreshLease() && t != null && t.promoted();
    Failsafe.Promise promise = listener.promise();
    boolean promised = promise != null && holder != null && holder.equals(promise.leader()) && promise.binds(nowMillis());
    Optional<RedisStatus> holderRedis = holder == null ? Optional.empty()
        : mine ? Optional.of(o.local()) : o.peer(holder).map(PeerStatus::redis);
    io.github.redisleaseha.core.MasterView.View named = io.github.redisleaseha.core.MasterView.of(
        config.podName(), lease, leadingFresh, lock.holderUnexpired(), promised, holderRedis);
    List<io.github.redisleaseha.sentinel.SentinelView.Node> members = new ArrayList<>();
    members.add(new io.github.redisleaseha.sentinel.SentinelView.Node(config.self(), o.local()));
    o.peers().forEach(p -> members.add(new io.github.redisleaseha.sentinel.SentinelView.Node(p.member(), p.redis())));
    int port = config.sentinel().port();
    List<Member> sentinels = o.peers().stream().map(p -> new Member(p.name(), p.member().host(), port)).toList();
    io.github.redisleaseha.sentinel.SentinelView before = sentinelView;
    io.github.redisleaseha.sentinel.SentinelView next =
        io.github.redisleaseha.sentinel.SentinelView.next(before, named, lease.transitions(), members, sentinels);
    if (!java.util.Objects.equals(before.master(), next.master()) || before == io.github.redisleaseha.sentinel.SentinelView.NONE) {
      log.info("I am {}; Sentinel clients asking for '{}' are told: {}", config.podName(), config.sentinel().masterName(),
          next.master() == null ? named.sentence() : next.master().address() + " (" + named.sentence() + ")");
    }
    sentinelView = next;
    sentinel.update(next);
  }

  // ---------------------------------------------------------------- graceful handover

  /**
   * Hands leadership to the most up-to-date replica without losing an acknowledged write, and
   * completes once done: the steps are phases of the control loop ({@link Handover}), one per tick,
   * each re-checked against the Lease, with the fence guard running throughout. If it cannot
   * complete, the handover is aborted and, since this node stops, the Lease is released (after the
   * fence) for an ordinary failover. A node that does not lead has nothing to hand over.
   */
  public CompletableFuture<String> handover() {
    CompletableFuture<String> result = new CompletableFuture<>();
    control.execute(() -> {
      state.stopping = true;
      if (state.term == null || !lock.holdsFreshLease() || !state.term.promoted()) {
        result.complete("I am " + config.podName() + ", not the leader; nothing to hand over");
      } else {
        beginHandover(null, true, result);
      }
    });
    return result;
  }

  /**
   * An operator's switchover to {@code target} (a pod name), or to the most up-to-date replica when
   * null. Checked first, on the control thread, against the last observation: if this node is not the
   * leader, the cluster is paused, or the target is missing, not replicating from this node or lagging
   * more than {@code --max-lag-bytes}, it fails with {@link Refused} and nothing is changed. Otherwise
   * it is the graceful handover above, without stopping: this node carries on as a replica, or, if
   * the handover is aborted, as the leader.
   */
  public CompletableFuture<String> switchover(String target) {
    CompletableFuture<String> result = new CompletableFuture<>();
    control.execute(() -> {
      String refusal = switchoverRefusal(target);
      if (refusal != null) {
        log.info("I am {} and refuse the switchover{}: {}", config.podName(), target == null ? "" : " to " + target, refusal);
        events.record(Kind.SWITCHOVER_REFUSED, refusal);
        metrics.handover(SidecarMetrics.HandoverKind.SWITCHOVER, SidecarMetrics.HandoverOutcome.REFUSED);
        result.completeExceptionally(new Refused(refusal));
      } else {
        beginHandover(target, false, result);
      }
    });
    return result;
  }

  /** A switchover that was not started, with the reason. */
  public static final class Refused extends RuntimeException {
    public Refused(String reason) {
      super(reason);
    }
  }

  private String switchoverRefusal(String target) {
    Observation o = lastObservation;
    if (state.term == null || !lock.holdsFreshLease() || !state.term.promoted() || o == null) {
      return "I am " + config.podName() + " and not the leader";
    }
    if (state.handover != null) {
      return "a handover is already under way";
    }
    SwitchoverRule.Target candidate = o.peer(target == null ? "" : target).map(p -> new SwitchoverRule.Target(
        null, p.reachable(), false, p.reachable() && !p.redis().primary(),
        p.redis().follows(config.self()) && p.redis().linkUp() ? Math.max(0, o.local().offset() - p.redis().offset()) : -1))
        .orElse(null);
    boolean anyInSync = o.reachablePeers().stream().anyMatch(p -> p.redis().follows(config.self()) && p.redis().linkUp());
    List<String> members = new ArrayList<>(List.of(config.podName()));
    o.peers().forEach(p -> members.add(p.name()));
    return SwitchoverRule.refusal(lock.state().paused(), config.podName(), members, target, anyInSync, candidate,
        config.maxLagBytes()).orElse(null);
  }

  private void beginHandover(String target, boolean stop, CompletableFuture<String> result) {
    if (state.handover != null) {
      metrics.handover(stop ? SidecarMetrics.HandoverKind.HANDOVER : SidecarMetrics.HandoverKind.SWITCHOVER,
          SidecarMetrics.HandoverOutcome.REFUSED);
      result.complete("I am " + config.podName() + " and a handover is already under way");
      return;
    }
    state.handover = Handover.begin(target, stop, nowMillis(), config.handoverTimeout().toMillis());
    state.handoverResult = result;
    log.info("I am {}, leader; beginning a handover{}", config.podName(), target == null ? "" : " to " + target);
    wake();
  }

  // ---------------------------------------------------------------- views for HTTP

  /** A snapshot for {@code /role} and {@code /readyz}. */
  public RoleView role() {
    Observation o = lastObservation;
    RedisStatus l = o == null ? RedisStatus.UNREACHABLE : o.local();
    LeaseState lease = lock.state();
    boolean leading = lock.holdsFreshLease();
    Term t = state.term;
    String role = leading ? "leader" : l.reachable() ? (l.primary() ? "primary-without-lease" : "replica") : "unknown";
    long lag = -1;
    if (!leading && o != null && lease.leader() != null) {
      lag = o.peer(lease.leader()).filter(PeerStatus::reachable)
          .map(p -> Math.max(0, p.redis().offset() - l.offset())).orElse(-1L);
    }
    boolean ready;
    if (leading) {
      ready = t != null && t.promoted() && !fence.fenced() && config.self().address().equals(state.endpointTarget);
    } else {
      ready = l.reachable() && !l.primary() && l.linkUp() && lease.holderPublished()
          && lag >= 0 && lag <= config.maxLagBytes();
    }
    String notCandidate = leading ? null : eligibility().orElse(null);
    return new RoleView(
        config.podName(), config.self().address(), role, l.reachable(), lease.holder(), lease.leader(), l.offset(), lag,
        fence.fenced(), ready, t == null ? -1 : t.epoch(), state.handover != null, lease.paused(), config.noFailover(),
        notCandidate == null, notCandidate, lease.transitions(), fence.fencingDescription(), fence.fenced() && fence.confirmed());
  }

  /**
   * A snapshot of this member for {@code /role} (JSON) and the {@code status} command.
   *
   * @param candidate whether this node may take the Lease now; {@code notCandidateReason} says why not
   * @param fencing {@code kill} (the hard fence is available) or {@code pause only (why)}
   * @param fenceConfirmed {@code fenced}, and Redis acknowledged the last pause
   */
  public record RoleView(
      String name, String address, String role, boolean healthy, String holder, String leader, long offset,
      long lagBytes, boolean fenced, boolean ready, long epoch, boolean handingOver, boolean paused,
      boolean noFailover, boolean candidate, String notCandidateReason, int leaseTransitions, String fencing,
      boolean fenceConfirmed) {}

  public SidecarMetrics metrics() {
    return metrics;
  }

  private static long nowMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
  }

  /**
   * The fence owner's last word, once the guard and control threads have stopped (so it still has a
   * single writer): the rule is evaluated once more on what Redis answers now. A Redis that a handover
   * left a replica gets its handover pause lifted, so clients still sent there are told {@code
   * READONLY} at once instead of waiting on the pause after this sidecar is gone; a primary without
   * the Lease has its fence asserted again.
   */
  private void fenceOnceMore() {
    try {
      if (!guard.awaitTermination(1, TimeUnit.SECONDS) || !control.awaitTermination(1, TimeUnit.SECONDS)) {
        return;
      }
      fence.observed(local.status());
      fence.tick();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("The fence owner's last evaluation failed", e);
    }
  }

  @Override
  public void close() {
    election.close();
    heartbeat.shutdownNow();
    heartbeats.close();
    listener.close();
    guard.shutdownNow();
    control.shutdownNow();
    fenceOnceMore();
    local.close();
    peers.close();
    fence.close();
    events.close();
    if (roleLabel != null) {
      roleLabel.close();
    }
    if (sentinel != null) {
      sentinel.close();
    }
  }
}
