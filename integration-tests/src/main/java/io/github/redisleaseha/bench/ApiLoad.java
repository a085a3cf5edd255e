package io.github.redisleaseha.bench;

import io.github.redisleaseha.harness.LocalCluster;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The load an idle cluster puts on the API server: every request the sidecars made over a window, read
 * from the API server's own request log ({@code METHOD path user-agent} a line, see
 * {@code MockApiServerMain}), so that nothing the sidecars send is missed and nothing is counted twice.
 * The harness's own calls carry {@link LocalCluster#HARNESS_USER_AGENT} and are left out (and counted
 * apart, to show the window was quiet).
 */
final class ApiLoad {

  /**
   * What one window counted: requests by kind and verb ("Lease GET"), over {@code seconds}, for a
   * cluster of {@code nodes}; {@code harness} requests of the harness itself were left out.
   */
  record Result(int nodes, double seconds, Map<String, Long> byRequest, long harness) {

    long total() {
      return byRequest.values().stream().mapToLong(Long::longValue).sum();
    }

    double perSecond() {
      return total() / seconds;
    }

    /** The quotable figure: "API requests per second per idle 3-node cluster: 7.00 (Lease GET 3.50, ...)". */
    String sentence() {
      String parts = byRequest.entrySet().stream()
          .map(e -> String.format("%s %.2f", e.getKey(), e.getValue() / seconds))
          .collect(Collectors.joining(", "));
      return String.format("API requests per second per idle %d-node cluster: %.2f%s, counted over %.0f s.",
          nodes, perSecond(), parts.isEmpty() ? "" : " (" + parts + ")", seconds);
    }

    String markdown() {
      StringBuilder md = new StringBuilder(String.format(
          "Idle API load: every request the %d sidecars made to the API server over %.0f s, the cluster idle and "
              + "settled (leader promoted and published, every sidecar ready), from the API server's request log; "
              + "the harness's own requests (%d in the window) are left out:%n%n",
          nodes, seconds, harness));
      md.append("| request | count | per second |\n|---|---|---|\n");
      byRequest.forEach((request, count) -> md.append(String.format("| %s | %d | %.2f |%n", request, count, count / seconds)));
      md.append(String.format("| all | %d | %.2f |%n", total(), perSecond()));
      return md.append("\n").append(sentence()).append("\n").toString();
    }
  }

  /** {@code /api/v1/namespaces/ns/pods/name/status?query}: group (absent for core), resource, name, subresource, query. */
  private static final Pattern PATH = Pattern.compile(
      "^/(?:api/v1|apis/[^/]+/[^/]+)(?:/namespaces/[^/?]+)?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(?:\\?(.*))?$");

  private static final Map<String, String> KINDS = Map.of(
      "leases", "Lease", "endpointslices", "EndpointSlice", "endpoints", "Endpoints", "pods", "Pod",
      "events", "Event", "services", "Service", "configmaps", "ConfigMap", "secrets", "Secret");

  private ApiLoad() {}

  /** Where the window starts or ends: the log's length now (the API server appends whole lines). */
  static long mark(Path requestLog) {
    try {
      return Files.isRegularFile(requestLog) ? Files.size(requestLog) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Counts the complete lines the log gained between two {@link #mark}s taken {@code seconds} apart. */
  static Result count(Path requestLog, long from, long to, double seconds, int nodes) {
    byte[] bytes = new byte[Math.toIntExact(Math.max(0, to - from))];
    if (bytes.length > 0) {
      try (RandomAccessFile f = new RandomAccessFile(requestLog.toFile(), "r")) {
        f.seek(from);
        f.readFully(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    return count(end < 0 ? "" : text.substring(0, end), seconds, nodes);
  }

  /** Counts request log lines, most frequent request first. */
  static Result count(String lines, double seconds, int nodes) {
    Map<String, Long> counts = new TreeMap<>();
    long harness = 0;
    for (String line : lines.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split(" ", 3);
      if (parts.length == 3 && parts[2].equals(LocalCluster.HARNESS_USER_AGENT)) {
        harness++;
        continue;
      }
      counts.merge(classify(parts[0], parts.length > 1 ? parts[1] : ""), 1L, Long::sum);
    }
    Map<String, Long> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return new Result(nodes, seconds, sorted, harness);
  }

  /**
   * "Lease GET", "EndpointSlice LIST", "Pod/status PATCH", "Event POST": the kind (with a subresource),
   * then the HTTP method, except that a GET of a collection is a LIST and a watch a WATCH. A path that is
   * not a resource of the API stays as it is ("/version GET").
   */
  static String classify(String method, String path) {
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      int q = path.indexOf('?');
      return (q < 0 ? path : path.substring(0, q)) + " " + method;
    }
    String kind = KINDS.getOrDefault(m.group(1), m.group(1));
    if (m.group(3) != null) {
      kind += "/" + m.group(3);
    }
    String verb = method;
    if (method.equals("GET")) {
      String query = m.group(4) == null ? "" : "&" + m.group(4) + "&";
      if (query.contains("&watch=true&") || query.contains("&watch=1&")) {
        verb = "WATCH";
      } else if (m.group(2) == null) {
        verb = "LIST";
      }
    }
    return kind + " " + verb;
  }
}
