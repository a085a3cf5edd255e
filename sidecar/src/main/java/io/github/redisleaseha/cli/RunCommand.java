package io.github.redisleaseha.cli;

import io.github.redisleaseha.config.ConfigValidator;
import io.github.redisleaseha.config.ConfigValidator.InvalidConfigException;
import io.github.redisleaseha.config.Durations;
import io.github.redisleaseha.config.EndpointsMode;
import io.github.redisleaseha.config.SidecarConfig;
import io.github.redisleaseha.http.ClusterKeyAuth;
import io.github.redisleaseha.http.HttpApi;
import io.github.redisleaseha.kube.ApiRequestMetrics;
import io.github.redisleaseha.node.Sidecar;
import io.github.redisleaseha.node.SidecarMetrics;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** {@code run}: the sidecar itself. Every flag falls back to an environment variable. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the sidecar beside one Redis: contend for the Lease, promote, follow, fence.")
public final class RunCommand implements java.util.concurrent.Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  /** Parses 250ms / 3s / 2m. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Durations.parse(value);
    }
  }

  @Option(names = "--pod-name", defaultValue = "${env:POD_NAME}", description = "This pod's name: the sidecar's identity in the Lease. Env POD_NAME.")
  String podName;

  @Option(names = "--namespace", defaultValue = "${env:POD_NAMESPACE}", description = "Namespace of the Lease, the write endpoint and the peers. Env POD_NAMESPACE.")
  String namespace;

  @Option(names = "--lease-name", defaultValue = "${env:LEASE_NAME:-redis-leader}", description = "Lease shared by all sidecars of one cluster. Env LEASE_NAME. Default: ${DEFAULT-VALUE}.")
  String leaseName;

  @Option(names = "--announce-host", defaultValue = "${env:ANNOUNCE_HOST}", description = "Address others reach this pod's Redis at (pod IP). Env ANNOUNCE_HOST.")
  String announceHost;

  @Option(names = "--announce-port", defaultValue = "${env:ANNOUNCE_PORT}", description = "Port others reach this pod's Redis at. Env ANNOUNCE_PORT. Default: --redis-port.")
  Integer announcePort;

  @Option(names = "--redis-host", defaultValue = "${env:REDIS_HOST:-127.0.0.1}", description = "Where the sidecar reaches its own Redis. Env REDIS_HOST. Default: ${DEFAULT-VALUE}.")
  String redisHost;

  @Option(names = "--redis-port", defaultValue = "${env:REDIS_PORT:-6379}", description = "Port of the local Redis. Env REDIS_PORT. Default: ${DEFAULT-VALUE}.")
  int redisPort;

  @Option(names = "--peers", defaultValue = "${env:PEERS}", description = "Static peers as name=host:port,... (local clusters). Env PEERS.")
  String peers;

  @Option(names = "--peer-selector", defaultValue = "${env:PEER_SELECTOR}", description = "Label selector of the Redis pods, to discover peers. Env PEER_SELECTOR.")
  String peerSelector;

  @Option(names = "--write-service", defaultValue = "${env:WRITE_SERVICE:-redis-write}", description = "Selector-less Service whose endpoints follow the leader. Env WRITE_SERVICE. Default: ${DEFAULT-VALUE}.")
  String writeService;

  @Option(names = "--endpoints-mode", defaultValue = "${env:ENDPOINTS_MODE:-slice}", description = "slice (EndpointSlice) or endpoints (classic Endpoints). Env ENDPOINTS_MODE. Default: ${DEFAULT-VALUE}.")
  EndpointsMode endpointsMode;

  @Option(names = "--lease-duration", defaultValue = "${env:LEASE_DURATION:-4s}", converter = DurationConverter.class, description = "Whole seconds others wait after the last renewal. Env LEASE_DURATION. Default: ${DEFAULT-VALUE}.")
  Duration leaseDuration;

  @Option(names = "--renew-deadline", defaultValue = "${env:RENEW_DEADLINE:-2500ms}", converter = DurationConverter.class, description = "How long a leader tries to renew before fencing its Redis. Env RENEW_DEADLINE. Default: ${DEFAULT-VALUE}.")
  Duration renewDeadline;

  @Option(names = "--retry-period", defaultValue = "${env:RETRY_PERIOD:-500ms}", converter = DurationConverter.class, description = "Interval of acquire and renew attempts. Env RETRY_PERIOD. Default: ${DEFAULT-VALUE}.")
  Duration retryPeriod;

  @Option(names = "--health-interval", defaultValue = "${env:HEALTH_INTERVAL:-100ms}", converter = DurationConverter.class, description = "Period of the control loop and local Redis health check. Env HEALTH_INTERVAL. Default: ${DEFAULT-VALUE}.")
  Duration healthInterval;

  @Option(names = "--health-failures", defaultValue = "${env:HEALTH_FAILURES:-3}", description = "Failed health checks in a row before a leader releases the Lease. Env HEALTH_FAILURES. Default: ${DEFAULT-VALUE}.")
  int healthFailures;

  @Option(names = "--catchup-timeout", defaultValue = "${env:CATCHUP_TIMEOUT:-5s}", converter = DurationConverter.class, description = "Longest wait of a new leader to catch up with a reachable previous leader. Env CATCHUP_TIMEOUT. Default: ${DEFAULT-VALUE}.")
  Duration catchupTimeout;

  @Option(names = "--max-lag-bytes", defaultValue = "${env:MAX_LAG_BYTES:-1048576}", description = "A node further behind the most advanced peer is no candidate. Env MAX_LAG_BYTES. Default: ${DEFAULT-VALUE}.")
  long maxLagBytes;

  @Option(names = "--handover-timeout", defaultValue = "${env:HANDOVER_TIMEOUT:-10s}", converter = DurationConverter.class, description = "Bound on a graceful handover. Env HANDOVER_TIMEOUT. Default: ${DEFAULT-VALUE}.")
  Duration handoverTimeout;

  @Option(names = "--http-port", defaultValue = "${env:HTTP_PORT:-8080}", description = "Port of /healthz, /readyz, /role, /metrics (open) and POST /handover, /switchover (with the cluster key). Env HTTP_PORT. Default: ${DEFAULT-VALUE}.")
  int httpPort;

  @Option(names = "--cluster-key-file", defaultValue = "${env:CLUSTER_KEY_FILE}",
      description = "File holding the cluster's shared key (at least 16 visible ASCII characters), which POST /handover"
          + " and /switchover require as Authorization: Bearer; re-read when it changes. Without it those endpoints"
          + " are disabled (403). Env CLUSTER_KEY_FILE.")
  Path clusterKeyFile;

  @Option(names = "--no-failover", defaultValue = "${env:NO_FAILOVER:-false}", description = "Never become leader. Env NO_FAILOVER.")
  boolean noFailover;

  @Option(names = "--redis-user-file", defaultValue = "${env:REDIS_USER_FILE}", description = "File holding the Redis ACL user (or env REDIS_USER). Env REDIS_USER_FILE.")
  Path redisUserFile;

  @Option(names = "--redis-password-file", defaultValue = "${env:REDIS_PASSWORD_FILE}", description = "File holding the Redis password (or env REDIS_PASSWORD). Env REDIS_PASSWORD_FILE.")
  Path redisPasswordFile;

  @Option(names = "--kube-api-url", defaultValue = "${env:KUBE_API_URL}", description = "API server URL; default: in-cluster config or kubeconfig. Env KUBE_API_URL.")
  String kubeApiUrl;

  @Option(names = "--min-replicas-to-write", defaultValue = "${env:MIN_REPLICAS_TO_WRITE:-0}", description = "Redis min-replicas-to-write set on the leader (0: off). Env MIN_REPLICAS_TO_WRITE. Default: ${DEFAULT-VALUE}.")
  int minReplicasToWrite;

  @Option(names = "--min-replicas-max-lag", defaultValue = "${env:MIN_REPLICAS_MAX_LAG:-10}", description = "Redis min-replicas-max-lag in seconds. Env MIN_REPLICAS_MAX_LAG. Default: ${DEFAULT-VALUE}.")
  int minReplicasMaxLag;

  @Option(names = "--redis-tls", defaultValue = "${env:REDIS_TLS:-false}", description = "Talk TLS to Redis (implied by the TLS file flags). Env REDIS_TLS.")
  boolean redisTls;

  @Option(names = "--redis-tls-ca-file", defaultValue = "${env:REDIS_TLS_CA_FILE}", description = "PEM CA certificates to trust for Redis's certificate (default: the JVM's). Env REDIS_TLS_CA_FILE.")
  Path redisTlsCaFile;

  @Option(names = "--redis-tls-cert-file", defaultValue = "${env:REDIS_TLS_CERT_FILE}", description = "PEM client certificate to present to Redis, with --redis-tls-key-file. Env REDIS_TLS_CERT_FILE.")
  Path redisTlsCertFile;

  @Option(names = "--redis-tls-key-file", defaultValue = "${env:REDIS_TLS_KEY_FILE}", description = "PEM private key of the client certificate. Env REDIS_TLS_KEY_FILE.")
  Path redisTlsKeyFile;

  @Option(names = "--role-label", defaultValue = "${env:ROLE_LABEL}", description = "Label key kept on this pod with its role (leader or replica), e.g. redis-role. Env ROLE_LABEL. Default: off.")
  String roleLabel;

  @Option(names = "--stall-timeout", defaultValue = "${env:STALL_TIMEOUT:-5s}", converter = DurationConverter.class,
      description = "How long a leader keeps the Lease while its Redis does not answer (timeouts, BUSY, LOADING, refused"
          + " credentials) before killing it (when the pod shares its process namespace) or releasing. Above ordinary"
          + " stalls: a fork of a large dataset or a slow command stalls Redis for tens to hundreds of ms, and failing"
          + " over on those loses more than it saves. Env STALL_TIMEOUT. Default: ${DEFAULT-VALUE}.")
  Duration stallTimeout;

  @Option(names = "--api-timeout", defaultValue = "${env:API_TIMEOUT:-1s}", converter = DurationConverter.class,
      description = "Bound on one Kubernetes API request; part of the fencing margin (lease duration - renew deadline"
          + " must cover it). Env API_TIMEOUT. Default: ${DEFAULT-VALUE}.")
  Duration apiTimeout;

  @Option(names = "--renew-interval", defaultValue = "${env:RENEW_INTERVAL:-1250ms}", converter = DurationConverter.class,
      description = "How often the leader writes its renewal of the Lease (one update, no read). Longer means fewer API"
          + " writes; it must leave room for one --api-timeout before the renew deadline. Env RENEW_INTERVAL. Default: ${DEFAULT-VALUE}.")
  Duration renewInterval;

  @Option(names = "--heartbeat-interval", defaultValue = "${env:HEARTBEAT_INTERVAL:-500ms}", converter = DurationConverter.class,
      description = "How often the leader tells the members (over their sidecar port) that it holds the Lease; members"
          + " read the Lease themselves only when no heartbeat came for three intervals. Env HEARTBEAT_INTERVAL. Default: ${DEFAULT-VALUE}.")
  Duration heartbeatInterval;

  @Option(names = "--peer-timeout", defaultValue = "${env:PEER_TIMEOUT:-500ms}", converter = DurationConverter.class,
      description = "Bound on one call to another member's sidecar (connect and answer). Env PEER_TIMEOUT. Default: ${DEFAULT-VALUE}.")
  Duration peerTimeout;

  @Option(names = "--peer-http-ports", defaultValue = "${env:PEER_HTTP_PORTS}",
      description = "Sidecar ports of static peers as name=port,... where they differ from --http-port (local clusters). Env PEER_HTTP_PORTS.")
  String peerHttpPorts;

  @Option(names = "--sentinel-port", defaultValue = "${env:SENTINEL_PORT:-0}",
      description = "Serve the Sentinel protocol on this port (Sentinel's is 26379), so Sentinel clients find the leader:"
          + " discovery and +switch-master only, answered from the Lease. Every member uses the same port. 0: off."
          + " Env SENTINEL_PORT. Default: ${DEFAULT-VALUE}.")
  int sentinelPort;

  @Option(names = "--sentinel-bind", defaultValue = "${env:SENTINEL_BIND}",
      description = "Address the Sentinel-compatible endpoint binds (default: every address). Env SENTINEL_BIND.")
  String sentinelBind;

  @Option(names = "--sentinel-master-name", defaultValue = "${env:SENTINEL_MASTER_NAME:-mymaster}",
      description = "The master name Sentinel clients ask the endpoint for. Env SENTINEL_MASTER_NAME. Default: ${DEFAULT-VALUE}.")
  String sentinelMasterName;

  @Option(names = "--log-format", defaultValue = "${env:LOG_FORMAT:-text}", description = "text (one readable sentence per line) or json (one JSON object per line). Env LOG_FORMAT. Default: ${DEFAULT-VALUE}.")
  LogFormat logFormat;

  ConfigValidator.Raw raw() {
    return new ConfigValidator.Raw(
        podName, namespace, leaseName, announceHost, announcePort, redisHost, redisPort, peers,
        peerSelector, writeService, endpointsMode, leaseDuration, renewDeadline, retryPeriod,
        healthInterval, healthFailures, catchupTimeout, maxLagBytes, handoverTimeout, httpPort,
        noFailover, redisUserFile, System.getenv("REDIS_USER"), redisPasswordFile, System.getenv("REDIS_PASSWORD"), kubeApiUrl,
        minReplicasToWrite, minReplicasMaxLag, redisTls, redisTlsCaFile, redisTlsCertFile, redisTlsKeyFile, roleLabel,
        stallTimeout, apiTimeout, clusterKeyFile, renewInterval, heartbeatInterval, peerTimeout, peerHttpPorts,
        sentinelPort, sentinelBind, sentinelMasterName);
  }

  /**
   * The one API client of the sidecar: every request it makes (the Lease and its election, the write
   * endpoint, peers, Events, the role label) goes through it, bounded by {@code apiTimeout} and
   * counted in {@code metrics} ({@link ApiRequestMetrics}).
   *
   * @param kubeApiUrl the API server, or null for the in-cluster config or kubeconfig
   */
  static ApiClient apiClient(String kubeApiUrl, Duration apiTimeout, SidecarMetrics metrics) throws java.io.IOException {
    ApiClient client = kubeApiUrl == null ? ClientBuilder.standard().build() : new ClientBuilder().setBasePath(kubeApiUrl).build();
    long timeout = apiTimeout.toMillis();
    OkHttpClient bounded = client.getHttpClient().newBuilder()
        .connectTimeout(timeout, TimeUnit.MILLISECONDS)
        .readTimeout(timeout, TimeUnit.MILLISECONDS)
        .writeTimeout(timeout, TimeUnit.MILLISECONDS)
        .callTimeout(timeout, TimeUnit.MILLISECONDS)
        .build();
    client.setHttpClient(new ApiRequestMetrics(metrics::apiRequest).install(bounded));
    return client;
  }

  @Override
  public Integer call() throws Exception {
    logFormat.apply();
    SidecarConfig config;
    try {
      config = ConfigValidator.validate(raw());
    } catch (InvalidConfigException e) {
      for (String problem : e.problems()) {
        System.err.println("invalid configuration: " + problem);
      }
      return 2;
    }
    SidecarMetrics metrics = new SidecarMetrics(config.maxLagBytes());
    ApiClient client = apiClient(config.kubeApiUrl(), config.apiTimeout(), metrics);
    ClusterKeyAuth auth = ClusterKeyAuth.of(config.clusterKey());
    Sidecar sidecar = new Sidecar(config, client, auth::authorization, metrics);
    if (auth.enabled()) {
      log.info("POST /handover, /switchover and the members' heartbeats require {} (re-read when it changes)", config.clusterKey());
    } else {
      log.warn("No --cluster-key-file (CLUSTER_KEY_FILE): POST /handover and /switchover are disabled (403), so neither"
          + " the prestop command nor switchover can move this node's leadership; SIGTERM still hands it over. No heartbeats"
          + " either: every member reads the Lease itself, and nothing keeps the leader writable while the API server is away");
    }
    HttpApi http;
    try {
      http = new HttpApi(config.httpPort(), sidecar, config.handoverTimeout().toMillis(), auth);
    } catch (java.net.BindException e) {
      // Nothing has been started yet (no election, no Redis command): just say why and stop.
      System.err.println("--http-port (HTTP_PORT): cannot listen on port " + config.httpPort() + ": " + e.getMessage());
      return 1;
    }
    try {
      sidecar.openSentinelEndpoint();
    } catch (java.io.IOException e) {
      System.err.println("--sentinel-port (SENTINEL_PORT): " + e.getMessage());
      http.close();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("graceful-stop").unstarted(() -> {
      try {
        String result = sidecar.handover().get(config.handoverTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        log.info(result);
      } catch (Exception e) {
        log.warn("Graceful stop did not complete: {}", e.toString());
      } finally {
        sidecar.close();
        http.close();
        log.info("Stopped");
        stopped.countDown();
        // A stop that completed its handover is a clean exit, not death by SIGTERM (143).
        Runtime.getRuntime().halt(0);
      }
    }));
    http.start();
    sidecar.start();
    stopped.await();
    return 0;
  }
}
