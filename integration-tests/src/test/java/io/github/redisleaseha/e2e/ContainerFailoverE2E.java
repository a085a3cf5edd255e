package io.github.redisleaseha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import io.github.redisleaseha.chart.ChartFixture;
import io.github.redisleaseha.config.EndpointsMode;
import io.github.redisleaseha.harness.ApiServerProcess;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.Writer;
import io.github.redisleaseha.kube.WriteEndpoint;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.util.ClientBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.DockerImageName;
import redis.clients.jedis.Jedis;

/**
 * The real image, end to end: three "pods" of containers on a podman network (through
 * Testcontainers and podman's Docker-compatible socket), each a pause container owning the network
 * namespace with Redis and our sidecar image joined to it, as in Kubernetes. Redis runs the chart's
 * own command and the sidecar gets the chart's own environment, pointed at the embedded API server on
 * the host. A writer follows the write EndpointSlice while the leader's Redis crashes, the leader's
 * whole pod is killed, and the last leader is stopped gracefully as the kubelet stops a pod: both
 * containers' preStop exec hooks at once (the sidecar's {@code prestop} POSTs /handover with the
 * cluster key; Redis's waits until it is no longer the primary), then SIGTERM.
 * Run by {@code make e2e}; needs root and podman.
 */
class ContainerFailoverE2E {

  private static final DockerImageName SIDECAR = image("e2e.sidecarImage", "localhost/redis-lease-ha:e2e");
  private static final DockerImageName REDIS = image("e2e.redisImage", "localhost/redis:7-bookworm");
  private static final DockerImageName PAUSE = image("e2e.pauseImage", "localhost/debian:bookworm");
  /** The chart's podSecurityContext.runAsUser: both containers of a pod run with it. */
  private static final int POD_UID = 999;
  private static final String NAMESPACE = "db";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  /** One pod: the pause container holds the network namespace that Redis and the sidecar share. */
  record Pod(String name, String ip, GenericContainer<?> pause, GenericContainer<?> redis, GenericContainer<?> sidecar) {
    String redisAddress() {
      return ip + ":6379";
    }
  }

  private static final Path DIR = Path.of("target", "e2e", "run-" + System.currentTimeMillis());
  private static final List<Pod> pods = new ArrayList<>();
  private static final StringBuilder report = new StringBuilder();
  private static Network network;
  private static ApiServerProcess api;
  private static ApiClient client;
  private static WriteEndpoint endpoint;
  private static ChartFixture chart;
  private static String password;

  private static DockerImageName image(String property, String fallback) {
    return DockerImageName.parse(System.getProperty(property, fallback));
  }

  @BeforeAll
  static void startPods() throws Exception {
    Files.createDirectories(DIR);
    chart = ChartFixture.defaults();
    password = UUID.randomUUID().toString().replace("-", "");
    Path auth = Files.createDirectories(DIR.resolve("auth").toAbsolutePath());
    Files.writeString(auth.resolve("password"), password, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(auth.resolve("password"), PosixFilePermissions.fromString("rw-r--r--"));
    // The chart's cluster key Secret, mounted as the chart mounts it (a directory holding the key file).
    Path clusterKey = Files.createDirectories(DIR.resolve("cluster-key").toAbsolutePath());
    LocalCluster.writeClusterKey(clusterKey.resolve(chart.clusterKeyFileName()));
    Files.setPosixFilePermissions(clusterKey.resolve(chart.clusterKeyFileName()), PosixFilePermissions.fromString("rw-r--r--"));

    api = ApiServerProcess.start(DIR.resolve("api-server.log"), "0.0.0.0", null);
    client = new ClientBuilder().setBasePath(api.url()).build();
    client.setUserAgent(LocalCluster.HARNESS_USER_AGENT);
    endpoint = new WriteEndpoint(client, NAMESPACE, chart.writeService(), EndpointsMode.SLICE);
    network = Network.newNetwork();
    String gateway = docker().inspectNetworkCmd().withNetworkId(network.getId()).exec()
        .getIpam().getConfig().get(0).getGateway();
    String apiUrl = "http://" + gateway + ":" + api.port();

    for (int i = 0; i < 3; i++) {
      String name = chart.podName(i);
      GenericContainer<?> pause = new GenericContainer<>(PAUSE)
          .withNetwork(network).withNetworkAliases(name).withCommand("sleep", "infinity");
      pause.start();
      String ip = pause.getContainerInfo().getNetworkSettings().getNetworks().values().iterator().next().getIpAddress();
      GenericContainer<?> redis = restricted(new GenericContainer<>(REDIS), pause)
          .withEnv("POD_IP", ip)
          .withFileSystemBind(auth.toString(), chart.authDir(), BindMode.READ_ONLY)
          .withFileSystemBind(emptyDir(name + "-data", POD_UID), "/data", BindMode.READ_WRITE)
          .withCreateContainerCmdModifier(c -> c.withEntrypoint(chart.redisCommand()).withCmd(chart.redisArgs()));
      redis.start();
      createPod(name, ip);
      Map<String, String> env = new LinkedHashMap<>(chart.sidecarEnv(name, NAMESPACE, ip));
      env.put("KUBE_API_URL", apiUrl);
      GenericContainer<?> sidecar = restricted(new GenericContainer<>(SIDECAR), pause)
          .withEnv(env)
          .withFileSystemBind(auth.toString(), chart.authDir(), BindMode.READ_ONLY)
          .withFileSystemBind(clusterKey.toString(), chart.clusterKeyDir(), BindMode.READ_ONLY)
          .withFileSystemBind(emptyDir(name + "-tmp", POD_UID), "/tmp", BindMode.READ_WRITE);
      pods.add(new Pod(name, ip, pause, redis, sidecar));
    }
    for (Pod p : pods) {
      p.sidecar.start();
    }
    long started = System.nanoTime();
    for (Pod p : pods) {
      Awaitility.await(p.name + " sidecar answers").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> http("GET", p, "/healthz", Duration.ofSeconds(1)).startsWith("200"));
    }
    line("Sidecar containers answering /healthz " + millisSince(started) + " ms after start (3 at once on 2 cores)");
  }

  /**
   * A directory owned by {@code uid}, as Kubernetes prepares an emptyDir for the pod's fsGroup
   * (podman here ignores a tmpfs mode).
   */
  private static String emptyDir(String name, int uid) throws Exception {
    Path dir = Files.createDirectories(DIR.resolve(name).toAbsolutePath());
    new ProcessBuilder("chown", uid + ":" + uid, dir.toString()).inheritIO().start().waitFor();
    return dir.toString();
  }

  /**
   * The chart's pod, applied with the container engine's own switches: the restricted security
   * context, one UID for both containers (the pod's {@code runAsUser}), and one process namespace
   * shared with the pause container ({@code shareProcessNamespace}), so the sidecar sees its Redis.
   */
  private static GenericContainer<?> restricted(GenericContainer<?> c, GenericContainer<?> pause) {
    return c.withNetworkMode("container:" + pause.getContainerId())
        .withCreateContainerCmdModifier(cmd -> cmd.withUser(POD_UID + ":" + POD_UID).getHostConfig()
            .withPidMode("container:" + pause.getContainerId())
            .withReadonlyRootfs(true)
            .withCapDrop(Capability.values())
            .withSecurityOpts(List.of("no-new-privileges")));
  }

  @AfterAll
  static void stopPods() throws Exception {
    Files.writeString(DIR.resolve("report.md"), report.toString());
    for (Pod p : pods) {
      Files.writeString(DIR.resolve(p.name + "-sidecar.log"), logsOf(p.sidecar));
      Files.writeString(DIR.resolve(p.name + "-redis.log"), logsOf(p.redis));
      for (GenericContainer<?> c : List.of(p.sidecar, p.redis, p.pause)) {
        c.stop();
      }
    }
    if (network != null) {
      network.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void failsOverOnRedisCrashPodLossAndGracefulStopThroughThePublishedEndpoint() throws Exception {
    Pod stalled = awaitLeaderPublished(null);
    awaitInSync(stalled, 2);
    for (Pod p : pods) {
      assertThat(logsOf(p.sidecar)).as(p.name + " sidecar").contains("fencing: kill");
    }
    try (Writer writer = new Writer(ContainerFailoverE2E::resolveQuietly, password, 10)) {
      writer.start();
      Awaitility.await("writes flow").atMost(Duration.ofSeconds(10)).until(() -> writer.ackCount() > 50);

      // 0. The leader's Redis stalls (SIGSTOP) past the stall timeout: its sidecar kills it (the hard
      //    fence), then a replica takes over; the kubelet would restart the container.
      long ts = System.nanoTime();
      signalRedisServer(stalled, "STOP");
      Pod first = awaitLeaderPublished(stalled);
      Writer.Ack acks = awaitFirstAck(writer, ts, stalled);
      Awaitility.await("the stalled Redis container has exited").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !Boolean.TRUE.equals(docker().inspectContainerCmd(stalled.redis.getContainerId()).exec().getState().getRunning()));
      assertThat(logsOf(stalled.sidecar)).contains("killed the Redis process");
      line("Redis stalled (SIGSTOP) past the 5 s stall timeout: killed by its sidecar (hard fence); " + stalled.name + " -> "
          + first.name + ", first write acked after " + millis(acks.nanos() - ts) + " ms");
      docker().startContainerCmd(stalled.redis.getContainerId()).exec();
      awaitInSync(first, 2);

      // 1. The leader's Redis crashes; its sidecar and pod stay.
      long t0 = System.nanoTime();
      docker().killContainerCmd(first.redis.getContainerId()).exec();
      Pod second = awaitLeaderPublished(first);
      Writer.Ack ack = awaitFirstAck(writer, t0, first);
      line("Redis crash (container killed): " + first.name + " -> " + second.name + ", endpoint moved and first write acked after "
          + millis(ack.nanos() - t0) + " ms");
      docker().startContainerCmd(first.redis.getContainerId()).exec();
      awaitInSync(second, 2);

      // 2. The whole leader pod is lost (node failure): its Lease has to expire.
      long t1 = System.nanoTime();
      for (GenericContainer<?> c : List.of(second.sidecar, second.redis, second.pause)) {
        docker().killContainerCmd(c.getContainerId()).exec();
      }
      Pod third = awaitLeaderPublished(second);
      Writer.Ack ack1 = awaitFirstAck(writer, t1, second);
      line("Pod loss (all 3 containers killed): " + second.name + " -> " + third.name + ", first write acked after "
          + millis(ack1.nanos() - t1) + " ms (lease " + chart.leaseDuration() + ")");
      awaitInSync(third, 1);

      // 3. Graceful stop as the kubelet does it: both containers' preStop exec hooks at once, each
      //    container's SIGTERM once its own hook has returned. A GET moves nothing.
      assertThat(http("GET", third, "/handover", Duration.ofSeconds(5))).startsWith("405 ");
      List<Long> lostBefore = lostSoFar(writer, third);
      long t2 = System.nanoTime();
      var sidecarHook = java.util.concurrent.CompletableFuture.supplyAsync(() -> exec(third.sidecar, chart.sidecarPreStop()));
      var redisHook = java.util.concurrent.CompletableFuture.supplyAsync(() -> exec(third.redis, chart.redisPreStop()));
      org.testcontainers.containers.Container.ExecResult sidecarDone = sidecarHook.get(60, TimeUnit.SECONDS);
      assertThat(sidecarDone.getExitCode()).as(sidecarDone.getStderr()).isZero();
      assertThat(sidecarDone.getStdout()).contains("handed over to");
      docker().stopContainerCmd(third.sidecar.getContainerId()).withTimeout(30).exec();
      Pod fourth = awaitLeaderPublished(third);
      Writer.Ack ack2 = awaitFirstAck(writer, t2, third);
      org.testcontainers.containers.Container.ExecResult redisDone = redisHook.get(60, TimeUnit.SECONDS);
      assertThat(redisDone.getExitCode()).as(redisDone.getStdout() + redisDone.getStderr()).isZero();
      // The kubelet starts both hooks at once, so the Redis hook's first look may come before the
      // handover (it waits until Redis is no longer the primary) or after it (already a replica).
      assertThat(redisDone.getStdout()).containsAnyOf("Redis is no longer the primary", "Redis is a replica: nothing to wait for");
      docker().stopContainerCmd(third.redis.getContainerId()).withTimeout(30).exec();
      line("Graceful stop (preStop exec hooks, then SIGTERM): " + third.name + " -> " + fourth.name
          + ", first write acked after " + millis(ack2.nanos() - t2) + " ms");
      Awaitility.await("writes continue on " + fourth.name).atMost(Duration.ofSeconds(10))
          .until(() -> writer.acks().stream().filter(a -> a.node().equals(fourth.redisAddress())).count() > 20);
      writer.close();

      List<Long> lost = lostSoFar(writer, fourth);
      line("Acknowledged writes: " + writer.ackCount() + "; missing from the final primary: " + lost.size()
          + " (" + lostBefore.size() + " of them before the graceful stop, i.e. from the crashes)");
      assertThat(lost).as("no acknowledged write lost by the graceful stop").isSubsetOf(lostBefore);
      line("Sidecar RSS in its container: " + rssOf(fourth.sidecar) + " KiB");
    }
    System.out.println(report);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Signals the redis-server process of {@code p} from the host. The chart's Redis container runs it
   * under {@code sh -c '... | exec redis-server -'}, so it is a child of the container's main process.
   */
  /** The process title (Debian's redis-server is a link to redis-check-rdb, so the executable does not say). */
  private static String cmdline(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
    } catch (Exception e) {
      return "";
    }
  }

  private static void signalRedisServer(Pod p, String signal) throws Exception {
    long main = docker().inspectContainerCmd(p.redis.getContainerId()).exec().getState().getPidLong();
    ProcessHandle redis = ProcessHandle.of(main).stream().flatMap(h -> java.util.stream.Stream.concat(Stream.of(h), h.descendants()))
        .filter(h -> cmdline(h.pid()).startsWith("redis-server"))
        .findFirst().orElseThrow(() -> new IllegalStateException("no redis-server process under " + main));
    new ProcessBuilder("kill", "-" + signal, Long.toString(redis.pid())).inheritIO().start().waitFor();
  }

  /** Runs {@code command} in {@code container}, as the kubelet runs an exec hook. */
  private static org.testcontainers.containers.Container.ExecResult exec(GenericContainer<?> container, String... command) {
    try {
      return container.execInContainer(command);
    } catch (Exception e) {
      throw new IllegalStateException("exec in " + container.getContainerName() + " failed", e);
    }
  }

  private static Pod awaitLeaderPublished(Pod previous) {
    Pod[] found = new Pod[1];
    Awaitility.await("a leader other than " + (previous == null ? "none" : previous.name) + " publishes the endpoint")
        .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
          String holder = holder();
          String target = resolveQuietly();
          for (Pod p : pods) {
            if (p != previous && p.name.equals(holder) && p.redisAddress().equals(target)) {
              found[0] = p;
              return true;
            }
          }
          return false;
        });
    return found[0];
  }

  private static Writer.Ack awaitFirstAck(Writer writer, long since, Pod old) {
    Writer.Ack[] ack = new Writer.Ack[1];
    Awaitility.await("a write acknowledged by a node other than " + old.name).atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> (ack[0] = writer.firstAckAfter(since, old.redisAddress())) != null);
    return ack[0];
  }

  private static void awaitInSync(Pod leader, int replicas) {
    Awaitility.await(leader.name + " has " + replicas + " replicas in sync").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
          try (Jedis j = jedis(leader)) {
            return LocalCluster.inSync(j, replicas);
          }
        });
  }

  private static List<Long> lostSoFar(Writer writer, Pod primary) {
    return Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      try (Jedis j = jedis(primary)) {
        long readNanos = System.nanoTime();
        return writer.lost(j.lrange(writer.key(), 0, -1), readNanos);
      }
    }, l -> true);
  }

  private static Jedis jedis(Pod p) {
    Jedis j = Writer.connect(p.redisAddress(), 1000);
    j.auth(password);
    return j;
  }

  private static String holder() {
    try {
      return new CoordinationV1Api(client).readNamespacedLease(chart.leaseName(), NAMESPACE).execute().getSpec().getHolderIdentity();
    } catch (ApiException | RuntimeException e) {
      return null;
    }
  }

  private static String resolveQuietly() {
    try {
      return endpoint.currentTarget();
    } catch (ApiException e) {
      return null;
    }
  }

  private static void createPod(String name, String ip) {
    LocalCluster.createPod(client, NAMESPACE, name, chart.podLabels(), ip);
  }

  private static String http(String method, Pod p, String path, Duration timeout) {
    try {
      HttpResponse<String> r = HTTP.send(
          HttpRequest.newBuilder(URI.create("http://" + p.ip + ":8080" + path)).method(method, HttpRequest.BodyPublishers.noBody())
              .timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.body().strip();
    } catch (Exception e) {
      return "000 " + e;
    }
  }

  /** The RSS of the container's main process, read on the host (PID 1 of the pod's shared namespace is the pause). */
  private static String rssOf(GenericContainer<?> c) throws Exception {
    long pid = docker().inspectContainerCmd(c.getContainerId()).exec().getState().getPidLong();
    String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
    return status.lines().filter(l -> l.startsWith("VmRSS:")).map(l -> l.replaceAll("\\D", "")).findFirst().orElse("?");
  }

  private static String logsOf(GenericContainer<?> c) {
    try {
      return c.getContainerId() == null ? "" : c.getLogs();
    } catch (RuntimeException e) {
      return "logs unavailable: " + e;
    }
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  private static void line(String s) {
    report.append("- ").append(s).append('\n');
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static long millisSince(long startNanos) {
    return millis(System.nanoTime() - startNanos);
  }
}
