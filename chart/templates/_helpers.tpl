{{/*
Named templates. Besides the chart's own manifests, some of them are the reusable parts for
injecting the sidecar into a Redis StatefulSet you already run (see the README):
  redis-lease-ha.sidecarContainer  the sidecar container (one list item of spec.containers)
  redis-lease-ha.sidecarVolumes    the volumes it mounts (list items of spec.volumes)
  redis-lease-ha.redisPreStop      the Redis container's preStop hook (the value of lifecycle.preStop)
  redis-lease-ha.rbac              ServiceAccount, Role and RoleBinding
  redis-lease-ha.writeService      the selector-less write Service
All take the chart context (or a dict with Values, Release and Chart of this chart's values). Each
first resolves the Bitnami aliases (_bitnami.tpl, "redis-lease-ha.normalize").
*/}}

{{- define "redis-lease-ha.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "redis-lease-ha.fullname" -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "redis-lease-ha.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{ include "redis-lease-ha.selectorLabels" . }}
{{- end -}}

{{- define "redis-lease-ha.selectorLabels" -}}
app.kubernetes.io/name: {{ include "redis-lease-ha.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The labels that select the Redis pods: the chart's own, or workload.podSelector. */}}
{{- define "redis-lease-ha.podSelector" -}}
{{- if .Values.workload.podSelector -}}
{{- toYaml .Values.workload.podSelector -}}
{{- else -}}
{{- include "redis-lease-ha.selectorLabels" . -}}
{{- end -}}
{{- end -}}

{{/* The same labels as a label selector string, for the sidecar's peer discovery. */}}
{{- define "redis-lease-ha.podSelectorString" -}}
{{- $labels := include "redis-lease-ha.podSelector" . | fromYaml -}}
{{- $pairs := list -}}
{{- range $k := keys $labels | sortAlpha -}}
{{- $pairs = append $pairs (printf "%s=%s" $k (get $labels $k)) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{- define "redis-lease-ha.serviceAccountName" -}}
{{- default (include "redis-lease-ha.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "redis-lease-ha.leaseName" -}}
{{- default (printf "%s-leader" (include "redis-lease-ha.fullname" .)) .Values.lease.name -}}
{{- end -}}

{{- define "redis-lease-ha.writeServiceName" -}}
{{- default (printf "%s-write" (include "redis-lease-ha.fullname" .)) .Values.service.write.name -}}
{{- end -}}

{{- define "redis-lease-ha.readServiceName" -}}
{{- default (printf "%s-read" (include "redis-lease-ha.fullname" .)) .Values.service.read.name -}}
{{- end -}}

{{- define "redis-lease-ha.headlessServiceName" -}}
{{- printf "%s-headless" (include "redis-lease-ha.fullname" .) -}}
{{- end -}}

{{- define "redis-lease-ha.authSecretName" -}}
{{- default (printf "%s-auth" (include "redis-lease-ha.fullname" .)) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "redis-lease-ha.clusterKeySecretName" -}}
{{- default (printf "%s-cluster-key" (include "redis-lease-ha.fullname" .)) .Values.clusterKey.existingSecret -}}
{{- end -}}

{{/*
An image reference from a dict of repository, tag and registry (global.imageRegistry): the registry,
when given, takes the place of the repository's own (its first part, when that names a host:
contains a dot or a colon, or is localhost) or is put in front of it.
*/}}
{{- define "redis-lease-ha.image" -}}
{{- $repo := .repository -}}
{{- with .registry -}}
{{- $parts := splitList "/" $repo -}}
{{- $first := first $parts -}}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) -}}
{{- $repo = join "/" (rest $parts) -}}
{{- end -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo -}}
{{- end -}}
{{- printf "%s:%s" $repo (toString .tag) -}}
{{- end -}}

{{- define "redis-lease-ha.imageRegistry" -}}
{{- dig "imageRegistry" "" (.Values.global | default dict) -}}
{{- end -}}

{{- define "redis-lease-ha.sidecarImage" -}}
{{- include "redis-lease-ha.image" (dict "repository" .Values.sidecar.image.repository "tag" (default .Chart.AppVersion .Values.sidecar.image.tag) "registry" (include "redis-lease-ha.imageRegistry" .)) -}}
{{- end -}}

{{- define "redis-lease-ha.redisImage" -}}
{{- include "redis-lease-ha.image" (dict "repository" .Values.redis.image.repository "tag" .Values.redis.image.tag "registry" (include "redis-lease-ha.imageRegistry" .)) -}}
{{- end -}}

{{/* The pod's imagePullSecrets from global.imagePullSecrets (names or {name: ...}), or nothing. */}}
{{- define "redis-lease-ha.imagePullSecrets" -}}
{{- $secrets := list -}}
{{- range (dig "imagePullSecrets" list (.Values.global | default dict)) -}}
{{- if kindIs "string" . -}}
{{- $secrets = append $secrets (dict "name" .) -}}
{{- else -}}
{{- $secrets = append $secrets (dict "name" .name) -}}
{{- end -}}
{{- end -}}
{{- with $secrets -}}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* Paths where the secrets are mounted, shared by Redis, the sidecar and the test pod. */}}
{{- define "redis-lease-ha.authDir" -}}/etc/redis-lease-ha/auth{{- end -}}
{{- define "redis-lease-ha.tlsDir" -}}/etc/redis-lease-ha/tls{{- end -}}
{{- /* The certificate files in that directory: the keys tls.certFilename etc. of the Secret. */}}
{{- define "redis-lease-ha.tlsCertFile" -}}{{ include "redis-lease-ha.tlsDir" . }}/{{ .Values.tls.certFilename | default "tls.crt" }}{{- end -}}
{{- define "redis-lease-ha.tlsKeyFile" -}}{{ include "redis-lease-ha.tlsDir" . }}/{{ .Values.tls.certKeyFilename | default "tls.key" }}{{- end -}}
{{- define "redis-lease-ha.tlsCaFile" -}}{{ include "redis-lease-ha.tlsDir" . }}/{{ .Values.tls.certCAFilename | default "ca.crt" }}{{- end -}}
{{- /* redis-cli's TLS arguments, with a leading space; empty without TLS. */}}
{{- define "redis-lease-ha.redisCliTls" -}}
{{- if .Values.tls.enabled }} --tls --cacert {{ include "redis-lease-ha.tlsCaFile" . }} --cert {{ include "redis-lease-ha.tlsCertFile" . }} --key {{ include "redis-lease-ha.tlsKeyFile" . }}{{ end -}}
{{- end -}}
{{- /* The whole Secret as a directory, not a subPath: only then does a rotated key reach the file. */}}
{{- define "redis-lease-ha.clusterKeyDir" -}}/etc/redis-lease-ha/cluster-key{{- end -}}

{{/* A duration value (500ms, 4s, 1m; the schema's pattern) in milliseconds. */}}
{{- define "redis-lease-ha.millis" -}}
{{- $d := toString . -}}
{{- if hasSuffix "ms" $d -}}
{{- trimSuffix "ms" $d | int -}}
{{- else if hasSuffix "s" $d -}}
{{- mul (trimSuffix "s" $d | int) 1000 -}}
{{- else if hasSuffix "m" $d -}}
{{- mul (trimSuffix "m" $d | int) 60000 -}}
{{- else -}}
{{- fail (printf "%q is not a duration such as 500ms, 4s or 1m" $d) -}}
{{- end -}}
{{- end -}}

{{/*
The Redis container's preStop hook: keep Redis up until its sidecar has moved the leadership off it,
so the handover (and, if the handover aborts, the ordinary failover that catches up from this Redis)
never loses its source. It asks its own Redis for its ROLE, with the password file and TLS files the
container already has (the password reaches redis-cli through REDISCLI_AUTH, not an argument):
  - a replica, with no primary seen before: nothing to wait for (a replica pod), done at once;
  - a primary: wait. Once it has become a replica (FAILOVER swapped the roles, or a new leader
    demoted it), keep it up for the settle time below, then done: the stopping sidecar still reads
    its Redis to confirm the swap before it moves the write endpoint, which takes up to one health
    interval, one Redis command timeout (2 x health interval, 100 ms..1 s) and one API request;
  - Redis not running: nothing to protect, done;
  - anything else (an error, LOADING, refused credentials): cannot tell, keep waiting.
The wait is bounded by the handover timeout, then the ordinary failover of an aborted handover (a
retry period to take the released Lease and the catch-up timeout), the settle time and 1 s; past it
the hook fails (an event on the pod) and the kubelet stops Redis anyway. Keep
terminationGracePeriodSeconds above it.
*/}}
{{- define "redis-lease-ha.redisPreStop" -}}
{{- include "redis-lease-ha.normalize" . -}}
{{- $health := include "redis-lease-ha.millis" .Values.failover.healthInterval | int -}}
{{- $redisTimeout := max 100 (min 1000 (mul 2 $health)) -}}
{{- $api := include "redis-lease-ha.millis" (default "1s" .Values.lease.apiTimeout) | int -}}
{{- $settle := add $health $redisTimeout $api 500 -}}
{{- $handover := include "redis-lease-ha.millis" .Values.failover.handoverTimeout | int -}}
{{- $retry := include "redis-lease-ha.millis" .Values.lease.retryPeriod | int -}}
{{- $catchup := include "redis-lease-ha.millis" .Values.failover.catchupTimeout | int -}}
{{- $bound := div (add $handover $retry $catchup $settle 1000 999) 1000 -}}
exec:
  command:
    - sh
    - -c
    - |
      {{- if .Values.auth.enabled }}
      REDISCLI_AUTH="$(cat {{ include "redis-lease-ha.authDir" . }}/{{ .Values.auth.passwordKey }})"
      export REDISCLI_AUTH
      {{- end }}
      limit=$(( $(date +%s) + {{ $bound }} ))
      was_primary=no
      while [ "$(date +%s)" -lt "$limit" ]; do
        role="$(redis-cli -h 127.0.0.1 -p {{ .Values.redis.port }}{{ include "redis-lease-ha.redisCliTls" . }} ROLE 2>&1 | head -n 1)"
        case "$role" in
          master)
            was_primary=yes ;;
          slave|replica)
            if [ "$was_primary" = no ]; then
              echo "Redis is a replica: nothing to wait for"
              exit 0
            fi
            echo "Redis is no longer the primary; keeping it up {{ printf "%d.%03d" (div $settle 1000) (mod $settle 1000) }} s more for the sidecar to move the write endpoint"
            sleep {{ printf "%d.%03d" (div $settle 1000) (mod $settle 1000) }}
            exit 0 ;;
          *"Connection refused"*|*"Could not connect"*)
            echo "Redis is not running: nothing to wait for"
            exit 0 ;;
        esac
        sleep 0.2
      done
      echo "Redis was still the primary after {{ $bound }} s: its sidecar did not hand over; stopping it anyway" >&2
      exit 1
{{- end -}}

{{- define "redis-lease-ha.sidecarVolumes" -}}
{{- include "redis-lease-ha.normalize" . -}}
- name: sidecar-tmp
  emptyDir:
    sizeLimit: 16Mi
- name: cluster-key
  secret:
    secretName: {{ include "redis-lease-ha.clusterKeySecretName" . }}
    defaultMode: 0440
{{- if .Values.auth.enabled }}
- name: redis-auth
  secret:
    secretName: {{ include "redis-lease-ha.authSecretName" . }}
    defaultMode: 0440
{{- end }}
{{- if .Values.tls.enabled }}
- name: redis-tls
  secret:
    secretName: {{ required "tls.existingSecret is required when tls.enabled is true" .Values.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "redis-lease-ha.sidecarContainer" -}}
{{- include "redis-lease-ha.normalize" . -}}
- name: sidecar
  image: {{ include "redis-lease-ha.sidecarImage" . }}
  imagePullPolicy: {{ .Values.sidecar.image.pullPolicy }}
  args: ["run"]
  env:
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: ANNOUNCE_HOST
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    - name: REDIS_PORT
      value: {{ .Values.redis.port | quote }}
    - name: PEER_SELECTOR
      value: {{ include "redis-lease-ha.podSelectorString" . | quote }}
    - name: LEASE_NAME
      value: {{ include "redis-lease-ha.leaseName" . }}
    - name: WRITE_SERVICE
      value: {{ include "redis-lease-ha.writeServiceName" . }}
    - name: ENDPOINTS_MODE
      value: {{ .Values.endpointsMode }}
    - name: LEASE_DURATION
      value: {{ .Values.lease.duration | quote }}
    - name: RENEW_DEADLINE
      value: {{ .Values.lease.renewDeadline | quote }}
    - name: RETRY_PERIOD
      value: {{ .Values.lease.retryPeriod | quote }}
    - name: API_TIMEOUT
      value: {{ .Values.lease.apiTimeout | quote }}
    - name: RENEW_INTERVAL
      value: {{ .Values.lease.renewInterval | quote }}
    - name: HEARTBEAT_INTERVAL
      value: {{ .Values.lease.heartbeatInterval | quote }}
    - name: PEER_TIMEOUT
      value: {{ .Values.lease.peerTimeout | quote }}
    - name: HEALTH_INTERVAL
      value: {{ .Values.failover.healthInterval | quote }}
    - name: HEALTH_FAILURES
      value: {{ .Values.failover.healthFailures | quote }}
    - name: CATCHUP_TIMEOUT
      value: {{ .Values.failover.catchupTimeout | quote }}
    - name: MAX_LAG_BYTES
      value: {{ .Values.failover.maxLagBytes | int64 | quote }}
    - name: HANDOVER_TIMEOUT
      value: {{ .Values.failover.handoverTimeout | quote }}
    - name: STALL_TIMEOUT
      value: {{ .Values.failover.stallTimeout | quote }}
    - name: MIN_REPLICAS_TO_WRITE
      value: {{ .Values.failover.minReplicasToWrite | quote }}
    - name: MIN_REPLICAS_MAX_LAG
      value: {{ .Values.failover.minReplicasMaxLag | quote }}
    - name: HTTP_PORT
      value: {{ .Values.sidecar.httpPort | quote }}
    # The key every call that moves the leader must carry (the preStop hook, switchover); a file,
    # re-read when the Secret changes.
    - name: CLUSTER_KEY_FILE
      value: {{ include "redis-lease-ha.clusterKeyDir" . }}/{{ .Values.clusterKey.key }}
    - name: LOG_FORMAT
      value: {{ .Values.sidecar.logFormat }}
    {{- with .Values.sidecar.roleLabel }}
    - name: ROLE_LABEL
      value: {{ . | quote }}
    {{- end }}
    {{- if .Values.auth.enabled }}
    - name: REDIS_PASSWORD_FILE
      value: {{ include "redis-lease-ha.authDir" . }}/{{ .Values.auth.passwordKey }}
    {{- end }}
    {{- if .Values.tls.enabled }}
    - name: REDIS_TLS_CA_FILE
      value: {{ include "redis-lease-ha.tlsCaFile" . }}
    - name: REDIS_TLS_CERT_FILE
      value: {{ include "redis-lease-ha.tlsCertFile" . }}
    - name: REDIS_TLS_KEY_FILE
      value: {{ include "redis-lease-ha.tlsKeyFile" . }}
    {{- end }}
    {{- if .Values.sentinelEndpoint.enabled }}
    # The Sentinel-compatible endpoint (sentinelEndpoint): discovery for Sentinel clients.
    - name: SENTINEL_PORT
      value: {{ .Values.sentinelEndpoint.port | quote }}
    - name: SENTINEL_MASTER_NAME
      value: {{ .Values.sentinelEndpoint.masterName | quote }}
    {{- end }}
    {{- with .Values.sidecar.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: http
      containerPort: {{ .Values.sidecar.httpPort }}
      protocol: TCP
    {{- if .Values.sentinelEndpoint.enabled }}
    - name: sentinel
      containerPort: {{ .Values.sentinelEndpoint.port }}
      protocol: TCP
    {{- end }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: http
    periodSeconds: 2
    failureThreshold: 1
    successThreshold: 1
  livenessProbe:
    httpGet:
      path: /healthz
      port: http
    periodSeconds: 10
    failureThreshold: 3
  lifecycle:
    preStop:
      # Hands the leadership over (0 acknowledged writes lost) before the pod stops: POST /handover to
      # this sidecar with the cluster key; returns once done, or at once on a replica. An exec, since
      # no endpoint that moves the leader answers a GET.
      exec:
        command: ["/app/redis-lease-ha", "prestop"]
  resources:
    {{- toYaml .Values.sidecar.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.containerSecurityContext | nindent 4 }}
  volumeMounts:
    - name: sidecar-tmp
      mountPath: /tmp
    - name: cluster-key
      mountPath: {{ include "redis-lease-ha.clusterKeyDir" . }}
      readOnly: true
    {{- if .Values.auth.enabled }}
    - name: redis-auth
      mountPath: {{ include "redis-lease-ha.authDir" . }}
      readOnly: true
    {{- end }}
    {{- if .Values.tls.enabled }}
    - name: redis-tls
      mountPath: {{ include "redis-lease-ha.tlsDir" . }}
      readOnly: true
    {{- end }}
{{- end -}}

{{/*
RBAC: exactly the API calls the sidecar makes. create cannot be narrowed by name in Kubernetes, so
each resource has a create rule and a get/update rule restricted to the one object it manages.
*/}}
{{- define "redis-lease-ha.rbac" -}}
{{- include "redis-lease-ha.normalize" . -}}
{{- $name := include "redis-lease-ha.serviceAccountName" . -}}
{{- if .Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "redis-lease-ha.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: true
{{- end }}
{{- if .Values.rbac.create }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "redis-lease-ha.labels" . | nindent 4 }}
rules:
  # The Lease: created by the first sidecar, then read and renewed (update) by all.
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: [{{ include "redis-lease-ha.leaseName" . | quote }}]
    verbs: ["get", "update"]
  {{- if eq .Values.endpointsMode "endpoints" }}
  # The write Service's Endpoints: created by the first leader, then pointed at each new leader.
  - apiGroups: [""]
    resources: ["endpoints"]
    verbs: ["create"]
  - apiGroups: [""]
    resources: ["endpoints"]
    resourceNames: [{{ include "redis-lease-ha.writeServiceName" . | quote }}]
    verbs: ["get", "update"]
  {{- else }}
  # The write Service's EndpointSlice: created by the first leader, then pointed at each new leader.
  - apiGroups: ["discovery.k8s.io"]
    resources: ["endpointslices"]
    verbs: ["create"]
  - apiGroups: ["discovery.k8s.io"]
    resources: ["endpointslices"]
    resourceNames: [{{ printf "%s-leader" (include "redis-lease-ha.writeServiceName" .) | quote }}]
    verbs: ["get", "update"]
  {{- end }}
  # Peer discovery: the Redis pods by label selector (list cannot be narrowed by name).
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["list"]
  {{- if .Values.sidecar.roleLabel }}
  # The role label: each sidecar patches its own pod, one of the StatefulSet's.
  - apiGroups: [""]
    resources: ["pods"]
    resourceNames:
      {{- $fullname := include "redis-lease-ha.fullname" . }}
      {{- range $i := until (int .Values.replicas) }}
      - {{ printf "%s-%d" $fullname $i | quote }}
      {{- end }}
    verbs: ["patch"]
  {{- end }}
  # Events about promotions, demotions, fencing and handovers, recorded on the Lease.
  - apiGroups: [""]
    resources: ["events"]
    verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "redis-lease-ha.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ $name }}
subjects:
  - kind: ServiceAccount
    name: {{ $name }}
    namespace: {{ .Release.Namespace }}
{{- end }}
{{- end -}}

{{- define "redis-lease-ha.writeService" -}}
{{- include "redis-lease-ha.normalize" . -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "redis-lease-ha.writeServiceName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "redis-lease-ha.labels" . | nindent 4 }}
    app.kubernetes.io/component: write
  annotations:
    redis-lease-ha.io/endpoints: "managed by the redis-lease-ha sidecar; points at the Lease holder"
spec:
  # No selector: the leader's sidecar publishes this Service's endpoints.
  type: {{ .Values.service.write.type }}
  ports:
    - name: redis
      port: {{ .Values.service.write.port }}
      protocol: TCP
{{- end -}}

{{- define "redis-lease-ha.readService" -}}
{{- include "redis-lease-ha.normalize" . -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "redis-lease-ha.readServiceName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "redis-lease-ha.labels" . | nindent 4 }}
    app.kubernetes.io/component: read
spec:
  type: {{ .Values.service.read.type }}
  # Every ready Redis pod: the leader and the replicas in sync (the sidecar's /readyz).
  selector:
    {{- include "redis-lease-ha.podSelector" . | nindent 4 }}
  ports:
    - name: redis
      port: {{ .Values.service.read.port }}
      targetPort: {{ .Values.redis.port }}
      protocol: TCP
{{- end -}}

{{/*
The Sentinel-compatible endpoint's Service: every pod, ready or not. Sentinel clients expect to reach
each sentinel, and a sidecar answers discovery whatever its own Redis's state (a not-ready replica's
sidecar still names the leader).
*/}}
{{- define "redis-lease-ha.sentinelService" -}}
{{- include "redis-lease-ha.normalize" . -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "redis-lease-ha.fullname" . }}-sentinel
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "redis-lease-ha.labels" . | nindent 4 }}
    app.kubernetes.io/component: sentinel
spec:
  type: ClusterIP
  publishNotReadyAddresses: true
  selector:
    {{- include "redis-lease-ha.podSelector" . | nindent 4 }}
  ports:
    - name: sentinel
      port: {{ .Values.sentinelEndpoint.port }}
      targetPort: sentinel
      protocol: TCP
{{- end -}}

{{/* The redis_exporter image: metrics.image.registry (or global.imageRegistry) and repository. */}}
{{- define "redis-lease-ha.exporterImage" -}}
{{- $img := .Values.metrics.image -}}
{{- $repo := $img.repository -}}
{{- with $img.registry -}}{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo -}}{{- end -}}
{{- include "redis-lease-ha.image" (dict "repository" $repo "tag" $img.tag "registry" (include "redis-lease-ha.imageRegistry" .)) -}}
{{- end -}}

{{/* Where the exporter's password file (JSON: address to password) is written, in an emptyDir. */}}
{{- define "redis-lease-ha.exporterAuthDir" -}}/etc/redis-lease-ha/exporter-auth{{- end -}}
{{- /* The address the exporter scrapes: its own pod's Redis. */}}
{{- define "redis-lease-ha.exporterRedisAddr" -}}{{ if .Values.tls.enabled }}rediss{{ else }}redis{{ end }}://127.0.0.1:{{ .Values.redis.port }}{{- end -}}

{{/*
The scrape endpoints of a PodMonitor or ServiceMonitor: the sidecar's port http and, with
metrics.enabled, the exporter's port metrics, both at /metrics. Takes a dict: root (the chart
context), monitor (metrics.podMonitor or metrics.serviceMonitor).
*/}}
{{- define "redis-lease-ha.scrapeEndpoints" -}}
{{- $m := .monitor -}}
{{- $ports := list "http" -}}
{{- if .root.Values.metrics.enabled -}}{{- $ports = append $ports "metrics" -}}{{- end -}}
{{- range $ports }}
- port: {{ . }}
  path: /metrics
  {{- with $m.interval }}
  interval: {{ . }}
  {{- end }}
  {{- with $m.scrapeTimeout }}
  scrapeTimeout: {{ . }}
  {{- end }}
  honorLabels: {{ $m.honorLabels | default false }}
  {{- with $m.relabelings }}
  relabelings:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $m.metricRelabelings }}
  metricRelabelings:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}
