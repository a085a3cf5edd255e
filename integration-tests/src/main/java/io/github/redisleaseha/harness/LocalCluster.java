package io.github.redisleaseha.harness;

import io.github.redisleaseha.config.EndpointsMode;
import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.kube.WriteEndpoint;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A whole cluster on one machine: the embedded API server (its own process), N real
 * {@code redis-server} processes, and N sidecar JVMs from the real jar. Each "pod" gets its own
 * loopback address (127.0.0.11, .12, ...) and the same Redis port, as pods of a StatefulSet would.
 * Used by the integration tests, {@code make demo} and the benchmark.
 */
public final class LocalCluster implements AutoCloseable {

  public static final String NAMESPACE = "default";
  public static final String LEASE = "redis-leader";
  public static final String WRITE_SERVICE = "redis-write";
  public static final String HARNESS_USER_AGENT = "redis-lease-ha-harness";

  /** One pod: its Redis and its sidecar. */
  public static final class Node {
    public final String name;
    public final RedisProcess redis;
    public final SidecarProcess sidecar;

    Node(String name, RedisProcess redis, SidecarProcess sidecar) {
      this.name = name;
      this.redis = redis;
      this.sidecar = sidecar;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Settings of a local cluster. */
  public static final class Builder {
    private int size = 3;
    private EndpointsMode mode = EndpointsMode.SLICE;
    private final List<String> extraArgs = new ArrayList<>();
    private final Map<String, String> extraEnv = new HashMap<>();
    private String password;
    private Path dir;
    private Path aotTraining;
    private java.util.function.Consumer<ApiClient> beforeSidecars = c -> { };
    private String leaseName = LEASE;
    private String writeService = WRITE_SERVICE;
    private String peerSelector;
    private Map<String, String> podLabels = Map.of();
    private Path requestLog;
    private TlsFiles tls;
    private String podPrefix = "redis-";
    private final List<String> redisArgs = new ArrayList<>();
    private final Map<Integer, List<String>> nodeArgs = new HashMap<>();
    private final Map<Integer, Map<String, String>> nodeEnv = new HashMap<>();
    private boolean managedBySentinel;

    /**
     * More sidecar arguments for node {@code index} only, after the common ones (e.g. other lease
     * timings, as in a rolling upgrade). A flag given here must not also be in {@link #args}: Picocli
     * rejects a single-valued option given twice.
     */
    public Builder nodeArgs(int index, String... args) {
      nodeArgs.computeIfAbsent(index, k -> new ArrayList<>()).addAll(List.of(args));
      return this;
    }

    /** An environment variable for node {@code index}'s sidecar only, over {@link #env} (e.g. {@code LD_PRELOAD}). */
    public Builder nodeEnv(int index, String key, String value) {
      nodeEnv.computeIfAbsent(index, k -> new HashMap<>()).put(key, value);
      return this;
    }

    /** More redis-server arguments for every node (e.g. {@code --user ...}). */
    public Builder redisArgs(String... args) {
      redisArgs.addAll(List.of(args));
      return this;
    }
    private NetNs netns;
    private boolean faultProxy;
    private boolean clusterKey = true;
    private String sentinelMaster;

    /**
     * Starts the sidecars without {@code --cluster-key-file}, so their mutating endpoints are
     * disabled. By default every cluster gets its own generated key file, which every sidecar reads
     * (env {@code CLUSTER_KEY_FILE}) and the harness sends.
     */
    public Builder noClusterKey() {
      this.clusterKey = false;
      return this;
    }

    /** Sidecars reach the API server through a {@link FaultProxy} (500s, slowness on demand). */
    public Builder faultProxy() {
      this.faultProxy = true;
      return this;
    }

    /**
     * Each pod (Redis and sidecar) in its own network namespace on {@code network}, with the API
     * server in another; the harness itself (writer, checks) stays in the root namespace.
     */
    public Builder netns(NetNs network) {
      this.netns = network;
      return this;
    }

    /**
     * Every sidecar serves the Sentinel-compatible endpoint for master name {@code masterName}: on one
     * host each binds its own loopback address on one shared port, as pods share a port number.
     */
    public Builder sentinelEndpoint(String masterName) {
      this.sentinelMaster = masterName;
      return this;
    }

    /** Pod names are this prefix and the index (default "redis-"). */
    /**
     * Starts as a Sentinel-managed deployment, the way the Bitnami chart runs one: the first Redis a
     * primary, the others its replicas, and a real {@code redis-sentinel} per node (master name
     * {@link SentinelCluster#MASTER}, quorum 2, the Redis password for Sentinel too). No sidecar runs
     * until {@link LocalCluster#startSidecars()}: a migration adds them.
     */
    public Builder managedBySentinel() {
      this.managedBySentinel = true;
      return this;
    }

    public Builder podPrefix(String prefix) {
      this.podPrefix = prefix;
      return this;
    }

    /** Redis over TLS only, with client certificates; the sidecars get the TLS flags. */
    public Builder tls(TlsFiles files) {
      this.tls = files;
      return this;
    }

    /** The Lease and write Service names (default {@link #LEASE} and {@link #WRITE_SERVICE}). */
    public Builder names(String lease, String writeService) {
      this.leaseName = lease;
      this.writeService = writeService;
      return this;
    }

    /**
     * Peers by label selector instead of a static list, as in a cluster: each node gets a Pod object
     * with {@code labels} and its address as pod IP.
     */
    public Builder peerSelector(String selector, Map<String, String> labels) {
      this.peerSelector = selector;
      this.podLabels = Map.copyOf(labels);
      return this;
    }

    /** Has the API server append every request as {@code METHOD path user-agent} to {@code file}. */
    public Builder recordRequests(Path file) {
      this.requestLog = file;
      return this;
    }

    public Builder size(int n) {
      this.size = n;
      return this;
    }

    public Builder endpointsMode(EndpointsMode m) {
      this.mode = m;
      return this;
    }

    public Builder args(String... args) {
      extraArgs.addAll(List.of(args));
      return this;
    }

    public Builder env(String key, String value) {
      extraEnv.put(key, value);
      return this;
    }

    public Builder password(String p) {
      this.password = p;
      return this;
    }

    public Path dir() {
      return dir;
    }

    public Builder dir(Path d) {
      this.dir = d;
      return this;
    }

    /** Makes the sidecars training runs that write a JDK AOT cache to {@code file} on exit. */
    Builder trainAotCache(Path file) {
      this.aotTraining = file;
      return this;
    }

    /** Runs against the API server before any sidecar starts (e.g. to plant a hostile Lease). */
    public Builder beforeSidecars(java.util.function.Consumer<ApiClient> action) {
      this.beforeSidecars = action;
      return this;
    }

    public LocalCluster start() {
      return new LocalCluster(this).startAll();
    }
  }

  private final Builder settings;
  private final Path dir;
  private final List<Node> nodes = new ArrayList<>();
  private ApiServerProcess api;
  private FaultProxy proxy;
  private ApiClient client;
  private WriteEndpoint endpoint;
  private int sentinelPort;

  private LocalCluster(Builder b) {
    this.settings = b;
    try {
      this.dir = b.dir != null ? b.dir : Files.createTempDirectory("redis-lease-ha-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static String hostOf(int index) {
    return "127.0.0." + (11 + index);
  }

  /** The network namespace name of pod {@code index} (with {@link Builder#netns}). */
  public static String nsHost(int index) {
    return "pod" + index;
  }

  private LocalCluster startAll() {
    NetNs net = settings.netns;
    if (net == null) {
      api = ApiServerProcess.start(dir.resolve("api-server.log"), "127.0.0.1", settings.requestLog);
    } else {
      String apiHost = net.addHost("api", 2);
      api = ApiServerProcess.start(dir.resolve("api-server.log"), "0.0.0.0", settings.requestLog, net.exec("api"), apiHost);
    }
    if (settings.faultProxy) {
      String upstream = "http://127.0.0.1:" + api.port();
      proxy = net == null
          ? FaultProxy.start(dir.resolve("api-proxy.log"), List.of(), "127.0.0.1", upstream)
          : FaultProxy.start(dir.resolve("api-proxy.log"), net.exec("api"), api.host(), upstream);
    }
    String sidecarApiUrl = proxy == null ? api.url() : proxy.url();
    client = new ClientBuilder().setBasePath(api.url()).build();
    // Tells the harness's own API calls apart from the sidecars' in the request log.
    client.setUserAgent(HARNESS_USER_AGENT);
    client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(2, TimeUnit.SECONDS).callTimeout(3, TimeUnit.SECONDS).build());
    endpoint = new WriteEndpoint(client, NAMESPACE, settings.writeService, settings.mode);
    String[] hosts = new String[settings.size];
    for (int i = 0; i < settings.size; i++) {
      hosts[i] = net == null ? hostOf(i) : net.addHost(nsHost(i), 11 + i);
    }
    int port = net == null ? FreePorts.findOnAll(hosts) : 6379;
    if (settings.sentinelMaster != null) {
      sentinelPort = net == null ? FreePorts.findOnAll(hosts) : 26379;
      while (sentinelPort == port) {
        sentinelPort = FreePorts.findOnAll(hosts);
      }
    }
    List<String> peers = new ArrayList<>();
    for (int i = 0; i < settings.size; i++) {
      peers.add(settings.podPrefix + i + "=" + hosts[i] + ":" + port);
    }
    String peerList = String.join(",", peers);
    // Each sidecar's HTTP port: on one host they differ, so the sidecars are told each other's
    // (the heartbeats go there); in network namespaces every pod has its own address and uses 8080.
    int[] httpPorts = new int[settings.size];
    List<String> peerHttp = new ArrayList<>();
    for (int i = 0; i < settings.size; i++) {
      java.util.Set<Integer> taken = java.util.Arrays.stream(httpPorts, 0, i).boxed().collect(java.util.stream.Collectors.toSet());
      int candidate = net == null ? FreePorts.find("127.0.0.1") : 8080;
      while (net == null && taken.contains(candidate)) {
        candidate = FreePorts.find("127.0.0.1");
      }
      httpPorts[i] = candidate;
      peerHttp.add(settings.podPrefix + i + "=" + candidate);
    }
    Path keyFile = settings.clusterKey ? writeClusterKey(dir.resolve("cluster-key")) : null;
    Path secret = null;
    if (settings.password != null) {
      secret = dir.resolve("redis-password");
      try {
        Files.writeString(secret, settings.password);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    for (int i = 0; i < settings.size; i++) {
      String name = settings.podPrefix + i;
      RedisProcess redis = new RedisProcess(name, hosts[i], port, dir.resolve(name), settings.password, settings.tls);
      if (net != null) {
        redis.runIn(net.exec(nsHost(i)));
      }
      redis.withArgs(settings.redisArgs);
      redis.start();
      int httpPort = httpPorts[i];
      List<String> args = new ArrayList<>(List.of(
          "--redis-host", hosts[i],
          "--redis-port", Integer.toString(port),
          "--http-port", Integer.toString(httpPort),
          "--endpoints-mode", settings.mode.name().toLowerCase()));
      if (settings.tls != null) {
        args.addAll(settings.tls.sidecarArgs());
      }
      if (settings.sentinelMaster != null) {
        args.addAll(List.of("--sentinel-port", Integer.toString(sentinelPort), "--sentinel-master-name", settings.sentinelMaster));
        if (net == null) {
          args.addAll(List.of("--sentinel-bind", hosts[i]));
        }
      }
      args.addAll(settings.extraArgs);
      args.addAll(settings.nodeArgs.getOrDefault(i, List.of()));
      Map<String, String> env = new HashMap<>(Map.of(
          "POD_NAME", name,
          "POD_NAMESPACE", NAMESPACE,
          "ANNOUNCE_HOST", hosts[i],
          "KUBE_API_URL", sidecarApiUrl,
          "LEASE_NAME", settings.leaseName,
          "WRITE_SERVICE", settings.writeService));
      if (settings.peerSelector == null) {
        env.put("PEERS", peerList);
        if (net == null) {
          env.put("PEER_HTTP_PORTS", String.join(",", peerHttp));
        }
      } else {
        env.put("PEER_SELECTOR", settings.peerSelector);
        createPod(name, hosts[i]);
      }
      if (secret != null) {
        env.put("REDIS_PASSWORD_FILE", secret.toString());
      }
      if (keyFile != null) {
        env.put("CLUSTER_KEY_FILE", keyFile.toString());
      }
      env.putAll(settings.extraEnv);
      env.putAll(settings.nodeEnv.getOrDefault(i, Map.of()));
      SidecarProcess sidecar = new SidecarProcess(name, args, env, dir.resolve(name).resolve("sidecar.log"), httpPort);
      if (keyFile != null) {
        sidecar.clusterKey(keyFile);
      }
      if (net != null) {
        sidecar.runIn(net.exec(nsHost(i)), hosts[i]);
      }
      nodes.add(new Node(name, redis, sidecar));
    }
    if (settings.managedBySentinel) {
      startSentinels(hosts, port);
      return this;
    }
    return startSidecars();
  }

  /** Starts every sidecar (at start, unless {@link Builder#managedBySentinel}). */
  public LocalCluster startSidecars() {
    settings.beforeSidecars.accept(client);
    for (Node n : nodes) {
      if (settings.aotTraining != null) {
        n.sidecar.trainAotCache(settings.aotTraining);
      }
      n.sidecar.start();
    }
    return this;
  }

  /** A real Sentinel beside each Redis, as Bitnami's chart runs them. */
  public record Sentinel(String host, int port, Proc process, Path log) {
    public String address() {
      return host + ":" + port;
    }
  }

  private final List<Sentinel> realSentinels = new ArrayList<>();

  /** Down-after of the real Sentinels: short, so that a migration that made one act would show. */
  public static final int SENTINEL_DOWN_AFTER_MILLIS = 2000;

  private void startSentinels(String[] hosts, int redisPort) {
    Node first = nodes.get(0);
    try (redis.clients.jedis.Jedis j = first.redis.jedis()) {
      j.replicaofNoOne();
    }
    for (Node n : nodes.subList(1, nodes.size())) {
      try (redis.clients.jedis.Jedis j = n.redis.jedis()) {
        j.replicaof(first.redis.host(), redisPort);
      }
    }
    Awaitility.await("replicas of " + first.name + " in sync").atMost(java.time.Duration.ofSeconds(30))
        .pollInterval(java.time.Duration.ofMillis(50)).ignoreExceptions().until(() -> {
          try (redis.clients.jedis.Jedis j = first.redis.jedis()) {
            return inSync(j, nodes.size() - 1);
          }
        });
    int port = FreePorts.findOnAll(hosts);
    while (port == redisPort || port == sentinelPort) {
      port = FreePorts.findOnAll(hosts);
    }
    for (int i = 0; i < nodes.size(); i++) {
      Path nodeDir = dir.resolve(nodes.get(i).name);
      Path conf = nodeDir.resolve("sentinel.conf");
      StringBuilder c = new StringBuilder()
          .append("bind ").append(hosts[i]).append("\nport ").append(port).append("\ndir ").append(nodeDir).append('\n')
          .append("sentinel monitor ").append(SentinelCluster.MASTER).append(' ').append(first.redis.host()).append(' ')
          .append(redisPort).append(" 2\n")
          .append("sentinel down-after-milliseconds ").append(SentinelCluster.MASTER).append(' ')
          .append(SENTINEL_DOWN_AFTER_MILLIS).append('\n')
          .append("sentinel failover-timeout ").append(SentinelCluster.MASTER).append(" 10000\n")
          .append("sentinel announce-ip ").append(hosts[i]).append('\n');
      if (settings.password != null) {
        c.append("sentinel auth-pass ").append(SentinelCluster.MASTER).append(' ').append(settings.password).append('\n')
            .append("requirepass ").append(settings.password).append('\n');
      }
      try {
        Files.writeString(conf, c.toString());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      Path log = nodeDir.resolve("sentinel.log");
      Proc p = Proc.start("sentinel-" + nodes.get(i).name, List.of("redis-sentinel", conf.toString()), log, Map.of());
      realSentinels.add(new Sentinel(hosts[i], port, p, log));
    }
    Awaitility.await("every Sentinel sees the master and the other Sentinels").atMost(java.time.Duration.ofSeconds(60))
        .pollInterval(java.time.Duration.ofMillis(200)).ignoreExceptions().until(() -> {
          for (Sentinel s : realSentinels) {
            try (redis.clients.jedis.Jedis j = Writer.connect(s.address(), 1000)) {
              if (settings.password != null) {
                j.auth(settings.password);
              }
              Map<String, String> m = j.sentinelMaster(SentinelCluster.MASTER);
              if (!"master".equals(m.get("flags")) || Integer.parseInt(m.get("num-slaves")) != nodes.size() - 1
                  || Integer.parseInt(m.get("num-other-sentinels")) != nodes.size() - 1) {
                return false;
              }
            }
          }
          return true;
        });
  }

  /** The real Sentinels of a {@link Builder#managedBySentinel} cluster. */
  public List<Sentinel> realSentinels() {
    return List.copyOf(realSentinels);
  }

  /**
   * Writes a new random cluster key (32 random bytes, base64url: 43 characters) to {@code file},
   * readable by its owner only, as a Secret volume would hold it.
   */
  public static Path writeClusterKey(Path file) {
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    String key = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    try {
      Files.deleteIfExists(file);
      Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, key + "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the cluster key " + file, e);
    }
    return file;
  }

  private void createPod(String name, String ip) {
    createPod(client, NAMESPACE, name, settings.podLabels, ip);
  }

  /**
   * Creates a Pod object standing for a Redis pod, as peer discovery by label selector sees it: its
   * labels and, unless {@code ip} is null (not scheduled yet), its pod IP.
   */
  public static void createPod(ApiClient client, String namespace, String name, Map<String, String> labels, String ip) {
    V1Pod pod = new V1Pod().apiVersion("v1").kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace(namespace).labels(new HashMap<>(labels)))
        .spec(new V1PodSpec().containers(List.of(new V1Container().name("redis").image("redis"))))
        .status(ip == null ? null : new V1PodStatus().podIP(ip));
    try {
      new CoreV1Api(client).createNamespacedPod(namespace, pod).execute();
    } catch (ApiException e) {
      throw new IllegalStateException("cannot create pod " + name + ": " + e.getCode(), e);
    }
  }

  public static String podName(int index) {
    return "redis-" + index;
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** The file the sidecars read the Redis password from (REDIS_PASSWORD_FILE), or null without a password. */
  public Path passwordFile() {
    return settings.password == null ? null : dir.resolve("redis-password");
  }

  public Path dir() {
    return dir;
  }

  /** The file the sidecars read the cluster key from (CLUSTER_KEY_FILE), or null with {@link Builder#noClusterKey}. */
  public Path clusterKeyFile() {
    return settings.clusterKey ? dir.resolve("cluster-key") : null;
  }

  public ApiServerProcess apiServer() {
    return api;
  }

  /** The fault proxy in front of the API server (with {@link Builder#faultProxy}). */
  public FaultProxy apiProxy() {
    if (proxy == null) {
      throw new IllegalStateException("this cluster was built without faultProxy()");
    }
    return proxy;
  }

  public ApiClient client() {
    return client;
  }

  /** The Lease as the API server has it now, or null. */
  public V1Lease lease() {
    try {
      return new CoordinationV1Api(client).readNamespacedLease(settings.leaseName, NAMESPACE).execute();
    } catch (ApiException e) {
      return null;
    }
  }

  public LeaseState leaseState() {
    V1Lease l = lease();
    if (l == null) {
      return LeaseState.UNKNOWN;
    }
    return LeaseState.parse(
        l.getSpec() == null ? null : l.getSpec().getHolderIdentity(),
        l.getSpec() == null ? null : l.getSpec().getLeaseTransitions(),
        l.getMetadata().getAnnotations());
  }

  /** Where the write endpoint points ({@code host:port}), or null. */
  public String endpointTarget() {
    try {
      return endpoint.currentTarget();
    } catch (ApiException e) {
      return null;
    }
  }

  /** The node whose Redis address the write endpoint names. */
  public Optional<Node> endpointNode() {
    String t = endpointTarget();
    return nodes.stream().filter(n -> n.redis.address().equals(t)).findFirst();
  }

  /**
   * Waits until exactly one node is a ready leader: it holds the Lease, the endpoint points at it,
   * its Redis is the only primary.
   */
  public Node awaitLeader(Duration timeout) {
    return awaitLeaderOtherThan(null, timeout);
  }

  /** As {@link #awaitLeader}, for a leader other than {@code old}. */
  public Node awaitLeaderOtherThan(Node old, Duration timeout) {
    Node[] found = new Node[1];
    Awaitility.await("a single ready leader" + (old == null ? "" : " other than " + old.name))
        .atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
      String holder = leaseState().holder();
      Optional<Node> ep = endpointNode();
      if (holder == null || ep.isEmpty() || !ep.get().name.equals(holder) || ep.get() == old) {
        return false;
      }
      List<Node> primaries = writablePrimaries();
      if (primaries.size() != 1 || !primaries.get(0).name.equals(holder)) {
        return false;
      }
      found[0] = ep.get();
      return ep.get().sidecar.ready();
    });
    return found[0];
  }

  /**
   * Waits until {@code leader}'s Redis streams to every other live node. {@code state=online} in INFO
   * is not enough: after a diskless full sync Redis 7 starts streaming only at the replica's first
   * ACK, up to a second later, and writes acknowledged before that exist only on the leader. So this
   * writes a marker and waits for every replica to acknowledge it ({@code WAIT}).
   */
  public void awaitReplicasInSync(Node leader, Duration timeout) {
    int expected = (int) nodes.stream().filter(n -> n != leader && n.redis.alive()).count();
    Awaitility.await("replicas of " + leader.name + " in sync").atMost(timeout).pollInterval(Duration.ofMillis(50))
        .ignoreExceptions().until(() -> {
          try (var j = leader.redis.jedis()) {
            return inSync(j, expected);
          }
        });
  }

  /** Writes a marker on a primary and waits (briefly) until {@code replicas} replicas have it. */
  public static boolean inSync(redis.clients.jedis.Jedis primary, int replicas) {
    primary.set("harness:sync", Long.toString(System.nanoTime()));
    return primary.waitReplicas(replicas, 300) >= replicas;
  }

  /** Nodes whose Redis answers as a primary, excluding paused (fenced) ones is not possible from INFO. */
  public List<Node> writablePrimaries() {
    List<Node> result = new ArrayList<>();
    for (Node n : nodes) {
      if (!n.redis.alive()) {
        continue;
      }
      try (var j = n.redis.jedis()) {
        if (j.info("replication").contains("role:master")) {
          result.add(n);
        }
      } catch (RuntimeException e) {
        // unreachable: not a primary anyone can write to
      }
    }
    return result;
  }

  public String roles() {
    return nodes.stream().map(n -> n.name + "=" + role(n)).collect(Collectors.joining(", "));
  }

  private static String role(Node n) {
    if (!n.redis.alive()) {
      return "down";
    }
    try (var j = n.redis.jedis()) {
      return j.info("replication").contains("role:master") ? "primary" : "replica";
    } catch (RuntimeException e) {
      return "unreachable";
    }
  }

  /** A writer that follows the write endpoint as kube-proxy would. */
  /** The result of one operations command run against this cluster. */
  public record CliResult(int exitCode, String out, String err) {}

  /**
   * Runs {@code redis-lease-ha <command> <args>} from the real jar as its own process, pointed at this
   * cluster (API server, Lease, write Service, and the sidecars' HTTP addresses as members), except
   * for the flags {@code args} gives itself.
   */
  public CliResult cli(String command, String... args) {
    List<String> members = new ArrayList<>();
    for (Node n : nodes) {
      members.add(n.name + "=" + n.sidecar.httpHost() + ":" + n.sidecar.httpPort());
    }
    List<String> cmd = new ArrayList<>(List.of(SidecarProcess.java(), "-XX:TieredStopAtLevel=1", "-jar",
        SidecarProcess.jar().toString(), command));
    Map<String, String> defaults = new java.util.LinkedHashMap<>();
    defaults.put("--kube-api-url", api.url());
    defaults.put("--namespace", NAMESPACE);
    defaults.put("--lease-name", settings.leaseName);
    defaults.put("--write-service", settings.writeService);
    defaults.put("--endpoints-mode", settings.mode.name().toLowerCase());
    defaults.put("--members", String.join(",", members));
    List<String> given = List.of(args);
    defaults.forEach((flag, value) -> {
      if (!given.contains(flag)) {
        cmd.addAll(List.of(flag, value));
      }
    });
    cmd.addAll(given);
    return runJar(command, cmd);
  }

  /**
   * Runs {@code redis-lease-ha prestop} from the real jar, as the chart's preStop hook runs it in the
   * sidecar container, against {@code node}'s sidecar, with the cluster's key file.
   */
  public CliResult prestop(Node node, String... args) {
    List<String> cmd = new ArrayList<>(List.of(SidecarProcess.java(), "-XX:TieredStopAtLevel=1", "-jar",
        SidecarProcess.jar().toString(), "prestop",
        "--host", node.sidecar.httpHost(), "--http-port", Integer.toString(node.sidecar.httpPort())));
    cmd.addAll(List.of(args));
    return runJar("prestop", cmd);
  }

  /** Runs one command of the jar with CLUSTER_KEY_FILE in its environment, as inside a sidecar container. */
  private CliResult runJar(String command, List<String> cmd) {
    try {
      Path outFile = Files.createTempFile(dir, "cli-", ".out");
      Path errFile = Files.createTempFile(dir, "cli-", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().remove("CLUSTER_KEY_FILE");
      if (clusterKeyFile() != null) {
        pb.environment().put("CLUSTER_KEY_FILE", clusterKeyFile().toString());
      }
      Process p = pb.start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("redis-lease-ha " + command + " did not finish within 90 s");
      }
      return new CliResult(p.exitValue(), Files.readString(outFile), Files.readString(errFile));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The {@code host:port} of every sidecar's Sentinel-compatible endpoint (see {@link Builder#sentinelEndpoint}). */
  public List<String> sentinels() {
    if (settings.sentinelMaster == null) {
      throw new IllegalStateException("this cluster was started without the Sentinel-compatible endpoint");
    }
    return nodes.stream().map(n -> n.redis.host() + ":" + sentinelPort).toList();
  }

  /** The address of the node whose Redis now has run id {@code runId}, or null (a restart changes it). */
  public String nodeOfRunId(String runId) {
    String known = runIds.get(runId);
    if (known != null) {
      return known;
    }
    for (Node n : nodes) {
      try (redis.clients.jedis.Jedis j = n.redis.jedis()) {
        String info = j.info("server");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("run_id:(\\w+)").matcher(info);
        if (m.find()) {
          runIds.put(m.group(1), n.redis.address());
        }
      } catch (RuntimeException e) {
        // down: its run id will be new when it is back
      }
    }
    return runIds.get(runId);
  }

  private final Map<String, String> runIds = new java.util.concurrent.ConcurrentHashMap<>();

  public Writer writer() {
    return new Writer(this::endpointTarget, settings.password, 5);
  }

  @Override
  public void close() {
    realSentinels.forEach(sentinel -> sentinel.process().close());
    for (Node n : nodes) {
      n.sidecar.close();
    }
    for (Node n : nodes) {
      n.redis.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (api != null) {
      api.close();
    }
  }
}
