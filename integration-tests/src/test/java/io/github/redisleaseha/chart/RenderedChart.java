package io.github.redisleaseha.chart;

import com.marcnuri.helm.Helm;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.util.Yaml;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The chart rendered with helm-java ({@code helm template}) and parsed into client-java model
 * classes, which reject unknown fields: a misspelt field fails the parse, not a cluster install.
 */
final class RenderedChart {

  static final String RELEASE = "demo";
  static final String NAMESPACE = "db";
  /** helm's own default is 1.20, older than the chart allows. */
  static final String KUBE_VERSION = "1.31.0";

  /** API groups of custom resources client-java has no model for; kept as maps, checked by structure. */
  static final List<String> CUSTOM_GROUPS = List.of("monitoring.coreos.com/");

  final String yaml;
  final List<KubernetesObject> objects;
  /** The custom resources (PodMonitor, ServiceMonitor, ...) as parsed YAML maps. */
  final List<Map<String, Object>> customResources;

  private RenderedChart(String yaml, List<KubernetesObject> objects, List<Map<String, Object>> customResources) {
    this.yaml = yaml;
    this.objects = objects;
    this.customResources = customResources;
  }

  static Path chartDir() {
    return Path.of(System.getProperty("chart.dir", "../chart")).toAbsolutePath().normalize();
  }

  /** Renders the chart with {@code --set key=value} for each entry. */
  static RenderedChart render(Map<String, Object> values) throws IOException {
    return render(chartDir(), values);
  }

  static RenderedChart render(Path chart, Map<String, Object> values) throws IOException {
    return render(chart, null, values);
  }

  /** Renders the chart with a values file ({@code -f}), then {@code --set key=value} for each entry. */
  static RenderedChart render(Path chart, Path valuesFile, Map<String, Object> values) throws IOException {
    var template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    values.forEach(template::set);
    String yaml = template.call();
    List<KubernetesObject> objects = new ArrayList<>();
    List<Map<String, Object>> custom = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      Object parsed = new org.yaml.snakeyaml.Yaml().load(doc);
      if (!(parsed instanceof Map<?, ?> map)) {
        continue; // only comments
      }
      String apiVersion = String.valueOf(map.get("apiVersion"));
      if (CUSTOM_GROUPS.stream().anyMatch(apiVersion::startsWith)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> resource = (Map<String, Object>) map;
        custom.add(resource);
      } else {
        for (Object o : Yaml.loadAll(doc)) {
          objects.add((KubernetesObject) o);
        }
      }
    }
    return new RenderedChart(yaml, objects, custom);
  }

  /** The custom resource of that kind and name, as a map. */
  Map<String, Object> custom(String kind, String name) {
    return findCustom(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in:\n" + yaml));
  }

  Optional<Map<String, Object>> findCustom(String kind, String name) {
    return customResources.stream()
        .filter(r -> kind.equals(r.get("kind")) && name.equals(((Map<?, ?>) r.get("metadata")).get("name")))
        .findFirst();
  }

  static Map<String, Object> values(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  <T extends KubernetesObject> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends KubernetesObject> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends KubernetesObject> T get(Class<T> type, String name) {
    return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in:\n" + yaml));
  }

  V1StatefulSet statefulSet() {
    return get(V1StatefulSet.class, "demo-redis-lease-ha");
  }

  V1Container container(String name) {
    return statefulSet().getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  V1Service service(String suffix) {
    return get(V1Service.class, "demo-redis-lease-ha-" + suffix);
  }

  V1Role role() {
    return get(V1Role.class, "demo-redis-lease-ha");
  }

  /** The sidecar's plain env values (fieldRef entries map to "fieldRef:path"). */
  static Map<String, String> env(V1Container container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (V1EnvVar e : container.getEnv()) {
      String value = e.getValue();
      if (value == null && e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        value = "fieldRef:" + e.getValueFrom().getFieldRef().getFieldPath();
      }
      env.put(e.getName(), value);
    }
    return env;
  }
}
