package io.github.redisleaseha.kube;

import io.github.redisleaseha.config.EndpointsMode;
import io.github.redisleaseha.core.Member;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.CoreV1EndpointPort;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointAddress;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSubset;
import io.kubernetes.client.openapi.models.V1Endpoints;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.util.List;
import java.util.Map;

/**
 * The endpoints of the selector-less write Service: either one EndpointSlice (default) or the classic
 * Endpoints object, never both, so nothing sees two answers during a move. Only the Lease holder
 * writes here, and only after checking that its Lease is fresh.
 */
public final class WriteEndpoint {

  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "redis-lease-ha.io/sidecar";
  public static final String PORT_NAME = "redis";

  private final CoreV1Api core;
  private final DiscoveryV1Api discovery;
  private final String namespace;
  private final String service;
  private final EndpointsMode mode;

  public WriteEndpoint(ApiClient client, String namespace, String service, EndpointsMode mode) {
    this.core = new CoreV1Api(client);
    this.discovery = new DiscoveryV1Api(client);
    this.namespace = namespace;
    this.service = service;
    this.mode = mode;
  }

  /** The name of the EndpointSlice this sidecar manages for the write Service. */
  public static String sliceName(String service) {
    return service + "-leader";
  }

  /** Where the write endpoint points now, as {@code host:port}, or null if it does not exist. */
  public String currentTarget() throws ApiException {
    try {
      return mode == EndpointsMode.SLICE ? targetOf(readSlice()) : targetOf(readEndpoints());
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  /** Points the write endpoint at {@code leader} (create or replace). */
  public void publish(Member leader) throws ApiException {
    if (mode == EndpointsMode.SLICE) {
      publishSlice(leader);
    } else {
      publishEndpoints(leader);
    }
  }

  private V1EndpointSlice readSlice() throws ApiException {
    return discovery.readNamespacedEndpointSlice(sliceName(service), namespace).execute();
  }

  private V1Endpoints readEndpoints() throws ApiException {
    return core.readNamespacedEndpoints(service, namespace).execute();
  }

  static String targetOf(V1EndpointSlice slice) {
    if (slice == null || slice.getEndpoints() == null || slice.getEndpoints().isEmpty()
        || slice.getPorts() == null || slice.getPorts().isEmpty()) {
      return null;
    }
    V1Endpoint endpoint = slice.getEndpoints().get(0);
    Integer port = slice.getPorts().get(0).getPort();
    if (endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty() || port == null) {
      return null;
    }
    return endpoint.getAddresses().get(0) + ":" + port;
  }

  static String targetOf(V1Endpoints endpoints) {
    if (endpoints == null || endpoints.getSubsets() == null || endpoints.getSubsets().isEmpty()) {
      return null;
    }
    V1EndpointSubset subset = endpoints.getSubsets().get(0);
    if (subset.getAddresses() == null || subset.getAddresses().isEmpty()
        || subset.getPorts() == null || subset.getPorts().isEmpty()) {
      return null;
    }
    return subset.getAddresses().get(0).getIp() + ":" + subset.getPorts().get(0).getPort();
  }

  private void publishSlice(Member leader) throws ApiException {
    V1EndpointSlice slice =
        new V1EndpointSlice()
            .apiVersion("discovery.k8s.io/v1")
            .kind("EndpointSlice")
            .metadata(
                new V1ObjectMeta()
                    .name(sliceName(service))
                    .namespace(namespace)
                    .labels(Map.of(SERVICE_NAME_LABEL, service, MANAGED_BY_LABEL, MANAGED_BY)))
            .addressType(addressType(leader.host()))
            .endpoints(
                List.of(
                    new V1Endpoint()
                        .addresses(List.of(leader.host()))
                        .conditions(new V1EndpointConditions().ready(true).serving(true).terminating(false))
                        .targetRef(podRef(leader))))
            .ports(List.of(new DiscoveryV1EndpointPort().name(PORT_NAME).port(leader.port()).protocol("TCP")));
    try {
      V1EndpointSlice existing = readSlice();
      slice.getMetadata().resourceVersion(existing.getMetadata().getResourceVersion());
      discovery.replaceNamespacedEndpointSlice(sliceName(service), namespace, slice).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      discovery.createNamespacedEndpointSlice(namespace, slice).execute();
    }
  }

  private void publishEndpoints(Member leader) throws ApiException {
    V1Endpoints endpoints =
        new V1Endpoints()
            .apiVersion("v1")
            .kind("Endpoints")
            .metadata(new V1ObjectMeta().name(service).namespace(namespace))
            .subsets(
                List.of(
                    new V1EndpointSubset()
                        .addresses(List.of(new V1EndpointAddress().ip(leader.host()).targetRef(podRef(leader))))
                        .ports(List.of(new CoreV1EndpointPort().name(PORT_NAME).port(leader.port()).protocol("TCP")))));
    try {
      V1Endpoints existing = readEndpoints();
      endpoints.getMetadata().resourceVersion(existing.getMetadata().getResourceVersion());
      core.replaceNamespacedEndpoints(service, namespace, endpoints).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      core.createNamespacedEndpoints(namespace, endpoints).execute();
    }
  }

  private V1ObjectReference podRef(Member leader) {
    return new V1ObjectReference().kind("Pod").namespace(namespace).name(leader.name());
  }

  static String addressType(String host) {
    if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return "IPv4";
    }
    return host.contains(":") ? "IPv6" : "FQDN";
  }
}
