package io.github.redisleaseha.config;

/** Which object carries the write Service's endpoints. */
public enum EndpointsMode {
  /** A discovery.k8s.io/v1 EndpointSlice (default). */
  SLICE,
  /** A classic v1 Endpoints object (deprecated from Kubernetes 1.33; for older tooling). */
  ENDPOINTS
}
