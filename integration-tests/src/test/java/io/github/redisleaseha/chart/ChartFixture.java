package io.github.redisleaseha.chart;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the chart would run, for tests outside Kubernetes: the Redis container's command, the
 * sidecar's environment (downward-API fields filled in by the caller) and the names and labels.
 */
public final class ChartFixture {

  private final RenderedChart chart;

  private ChartFixture(RenderedChart chart) {
    this.chart = chart;
  }

  /** The chart rendered with its default values. */
  public static ChartFixture defaults() throws IOException {
    return new ChartFixture(RenderedChart.render(Map.of()));
  }

  public String podName(int ordinal) {
    return chart.statefulSet().getMetadata().getName() + "-" + ordinal;
  }

  public Map<String, String> podLabels() {
    return chart.statefulSet().getSpec().getTemplate().getMetadata().getLabels();
  }

  public String leaseName() {
    return plainEnv().get("LEASE_NAME");
  }

  public String writeService() {
    return plainEnv().get("WRITE_SERVICE");
  }

  public String leaseDuration() {
    return plainEnv().get("LEASE_DURATION");
  }

  /** Where the password Secret is mounted in both containers. */
  public String authDir() {
    return chart.container("redis").getVolumeMounts().stream()
        .filter(m -> m.getName().equals("redis-auth")).findFirst().orElseThrow().getMountPath();
  }

  /** Where the cluster key Secret is mounted in the sidecar container (CLUSTER_KEY_FILE is a file in it). */
  public String clusterKeyDir() {
    return sidecar().getVolumeMounts().stream()
        .filter(m -> m.getName().equals("cluster-key")).findFirst().orElseThrow().getMountPath();
  }

  /** The file name of the key in {@link #clusterKeyDir}, as CLUSTER_KEY_FILE names it. */
  public String clusterKeyFileName() {
    String file = plainEnv().get("CLUSTER_KEY_FILE");
    return file.substring(file.lastIndexOf('/') + 1);
  }

  /** The sidecar container's preStop exec command. */
  public String[] sidecarPreStop() {
    return sidecar().getLifecycle().getPreStop().getExec().getCommand().toArray(String[]::new);
  }

  /** The Redis container's preStop exec command. */
  public String[] redisPreStop() {
    return chart.container("redis").getLifecycle().getPreStop().getExec().getCommand().toArray(String[]::new);
  }

  public String[] redisCommand() {
    return chart.container("redis").getCommand().toArray(String[]::new);
  }

  public String[] redisArgs() {
    return chart.container("redis").getArgs().toArray(String[]::new);
  }

  /** The sidecar's environment with the downward-API fields given. */
  public Map<String, String> sidecarEnv(String podName, String namespace, String podIp) {
    Map<String, String> fields = Map.of("metadata.name", podName, "metadata.namespace", namespace, "status.podIP", podIp);
    Map<String, String> env = new LinkedHashMap<>();
    for (V1EnvVar e : sidecar().getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        String path = e.getValueFrom().getFieldRef().getFieldPath();
        String value = fields.get(path);
        if (value == null) {
          throw new IllegalStateException("no value for downward-API field " + path + " of " + e.getName());
        }
        env.put(e.getName(), value);
      } else {
        throw new IllegalStateException("unsupported env source for " + e.getName());
      }
    }
    return env;
  }

  private Map<String, String> plainEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (V1EnvVar e : sidecar().getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      }
    }
    return env;
  }

  private V1Container sidecar() {
    return chart.container("sidecar");
  }
}
