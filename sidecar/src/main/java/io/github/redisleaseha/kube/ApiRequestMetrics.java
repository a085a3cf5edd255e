package io.github.redisleaseha.kube;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An adapter on client-java's OkHttp client: every Kubernetes API request is told to the {@link
 * Recorder} with its verb, resource, answer code (or {@code error} when none came) and latency. It
 * only watches: the request and the response (or the exception) pass through unchanged.
 *
 * <p>Every API call of the sidecar (the Lease and its election, the write endpoint, peer discovery,
 * Events, the role label) goes through the one {@code ApiClient} built by {@code run}, so installing
 * this once, on that client, counts them all. As an application interceptor it sees each call once
 * (not OkHttp's internal retries and redirects) and times it until the answer's headers arrive.
 */
public final class ApiRequestMetrics implements Interceptor {

  /** Where a request is recorded; called on the thread that made the call. */
  @FunctionalInterface
  public interface Recorder {
    void request(String verb, String resource, String code, double seconds);
  }

  /** The verb and resource of one request, as Kubernetes names them (Kubernetes' deletecollection counts as delete). */
  public record Kind(String verb, String resource) {}

  /** Resources the sidecar uses; any other is {@code other}, so the label has a bounded set of values. */
  static final Set<String> RESOURCES = Set.of("leases", "endpointslices", "endpoints", "pods", "events");

  private final Recorder recorder;

  public ApiRequestMetrics(Recorder recorder) {
    this.recorder = recorder;
  }

  /** {@code client}'s settings with this interceptor added. */
  public OkHttpClient install(OkHttpClient client) {
    return client.newBuilder().addInterceptor(this).build();
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    Kind kind = classify(request.method(), request.url());
    long start = System.nanoTime();
    String code = "error";
    try {
      Response response = chain.proceed(request);
      code = Integer.toString(response.code());
      return response;
    } finally {
      recorder.request(kind.verb(), kind.resource(), code, (System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * The Kubernetes verb and resource of a request: {@code /api/v1/namespaces/NS/pods/NAME} is a
   * {@code get} of {@code pods}, the same path without the name a {@code list} ({@code watch} with
   * {@code ?watch=true} or under the legacy {@code /watch/} prefix), and a subresource
   * ({@code pods/NAME/status}) counts as its resource. A method Kubernetes has no verb for is
   * {@code other}.
   */
  public static Kind classify(String method, HttpUrl url) {
    List<String> segments = url.pathSegments().stream().filter(s -> !s.isEmpty()).toList();
    int i;
    if (!segments.isEmpty() && segments.get(0).equals("api")) {
      i = 2; // api, version
    } else if (!segments.isEmpty() && segments.get(0).equals("apis")) {
      i = 3; // apis, group, version
    } else {
      return new Kind(verb(method, false, false), "other");
    }
    boolean watch = "true".equals(url.queryParameter("watch")) || "1".equals(url.queryParameter("watch"));
    if (i < segments.size() && segments.get(i).equals("watch")) {
      watch = true;
      i++;
    }
    if (i + 2 < segments.size() && segments.get(i).equals("namespaces")) {
      i += 2;
    }
    if (i >= segments.size()) {
      return new Kind(verb(method, false, watch), "other");
    }
    String resource = segments.get(i);
    boolean named = i + 1 < segments.size();
    return new Kind(verb(method, named, watch), RESOURCES.contains(resource) ? resource : "other");
  }

  private static String verb(String method, boolean named, boolean watch) {
    return switch (method.toUpperCase(Locale.ROOT)) {
      case "GET", "HEAD" -> watch ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> "other";
    };
  }
}
