{{/*
Values written for the Bitnami chart (bitnami/redis, architecture: replication, with or without
Sentinel). chart/BITNAMI.md is the user's table; this is where it is enforced. A Bitnami key either
  - is an alias of one of ours (the table below): it sets ours, or
  - is accepted and changes nothing here (it changes nothing in the Bitnami chart either, or its
    effect is what this chart always does): auth.usePasswordFiles, sentinel.* with Sentinel off, ...
  - or cannot be honoured: the chart fails naming the key and what to use instead.
Every problem is reported at once, in one failure.

Alias rule: when a Bitnami key is given (not absent, not "" and not an empty list or map), it sets our
key if ours is at its chart default; if ours was changed too and the two differ, that is a problem
naming both. Helm cannot tell "left at the default" from "set to the default", so ours set to exactly
its default counts as not set. Several Bitnami keys for one of ours: the first given wins.

A values file is read as a Bitnami file when it has architecture, replica, master or sentinel (keys
only the Bitnami chart has). Where Bitnami's default differs from ours in a way that would break the
installation or lose data, such a file must say which it means:
  - auth.existingSecret: Bitnami reads the key redis-password, this chart auth.passwordKey (password);
  - persistence: Bitnami gives every pod an 8Gi volume, this chart none.

Normalising writes the resolved values into .Values (one map shared by every template of this chart,
and by a parent chart including the named templates through .Subcharts), once per rendering: every
template and every named template meant for other charts includes this first.
*/}}
{{- define "redis-lease-ha.normalize" -}}
{{- if not (hasKey .Values "__redisLeaseHaNormalized") -}}
{{- $_ := set .Values "__redisLeaseHaNormalized" true -}}
{{- $v := .Values -}}
{{- $problems := list -}}
{{- $replica := $v.replica | default dict -}}
{{- $sentinel := $v.sentinel | default dict -}}
{{- $auth := $v.auth | default dict -}}
{{- $tls := $v.tls | default dict -}}
{{- $bitnamiFile := or (hasKey $v "architecture") (hasKey $v "replica") (hasKey $v "master") (hasKey $v "sentinel") -}}

{{- /* architecture and sentinel.enabled */ -}}
{{- if eq (toString ($v.architecture | default "replication")) "standalone" -}}
{{- $problems = append $problems "architecture=standalone: redis-lease-ha always replicates (every pod can lead; one does, through a Lease); leave architecture out or set replication, and set the pod count with replicas (Bitnami: replica.replicaCount)" -}}
{{- end -}}
{{- if eq (toJson (dig "enabled" false $sentinel)) "true" -}}
{{- $problems = append $problems "sentinel.enabled=true: this chart runs no Sentinel; the sidecars elect the primary through a Kubernetes Lease. For Sentinel clients drop sentinel.enabled and set sentinelEndpoint.enabled=true instead (a Sentinel-compatible endpoint in every sidecar; the master name comes from sentinel.masterSet or sentinelEndpoint.masterName). See the README section \"Coming from Sentinel or the Bitnami chart\" and chart/BITNAMI.md for the other sentinel.* settings" -}}
{{- end -}}

{{- /* Bitnami defaults that differ from ours where it matters */ -}}
{{- if and $bitnamiFile $auth.enabled $auth.existingSecret (not $auth.existingSecretPasswordKey) (eq (toString $auth.passwordKey) "password") -}}
{{- $problems = append $problems (printf "auth.existingSecret=%s in a Bitnami-style file without auth.existingSecretPasswordKey: the Bitnami chart would read the key redis-password, this chart reads auth.passwordKey (default password); set auth.existingSecretPasswordKey or auth.passwordKey to the key holding the password" $auth.existingSecret) -}}
{{- end -}}
{{- $persistence := $replica.persistence | default dict -}}
{{- if and $bitnamiFile (not (hasKey $persistence "enabled")) (not (dig "persistence" "enabled" false ($v.redis | default dict))) -}}
{{- $problems = append $problems "replica.persistence.enabled is not given in a Bitnami-style file: the Bitnami chart's default is an 8Gi volume per pod, this chart's (redis.persistence.enabled) is none; set replica.persistence.enabled to true (8Gi unless replica.persistence.size) or false" -}}
{{- end -}}
{{- /* Bitnami's default size, unless ours was changed. */ -}}
{{- if and (eq (toJson (dig "enabled" false $persistence)) "true") (not $persistence.size) (eq (toString (dig "persistence" "size" "1Gi" ($v.redis | default dict))) "1Gi") -}}
{{- $_ := set $persistence "size" "8Gi" -}}
{{- end -}}

{{- /* the aliases */ -}}
{{- range $a := (include "redis-lease-ha.bitnamiAliases" . | fromYaml).aliases -}}
{{- $found := false -}}
{{- $b := "" -}}
{{- $from := "" -}}
{{- range $path := $a.from -}}
{{- if not $found -}}
{{- $x := $v -}}
{{- range $p := splitList "." $path -}}
{{- if kindIs "map" $x -}}{{- $x = index $x $p -}}{{- else -}}{{- $x = "" -}}{{- end -}}
{{- end -}}
{{- $absent := or (kindIs "invalid" $x) (and (kindIs "string" $x) (eq (toString $x) "")) (and (or (kindIs "map" $x) (kindIs "slice" $x)) (empty $x)) -}}
{{- if not $absent -}}
{{- $found = true -}}
{{- $b = $x -}}
{{- $from = $path -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $found -}}
{{- $parts := splitList "." $a.ours -}}
{{- $m := $v -}}
{{- range $p := initial $parts -}}
{{- if not (kindIs "map" (index $m $p)) -}}{{- $_ := set $m $p dict -}}{{- end -}}
{{- $m = index $m $p -}}
{{- end -}}
{{- $key := last $parts -}}
{{- $ours := index $m $key -}}
{{- if eq (toJson $ours) (toJson $a.default) -}}
{{- $_ := set $m $key $b -}}
{{- else if ne (toJson $ours) (toJson $b) -}}
{{- $problems = append $problems (printf "%s is %s but its Bitnami alias %s is %s: set only one of them" $a.ours (toJson $ours) $from (toJson $b)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* replica.*: what is not an alias */ -}}
{{- $replicaKeys := list "replicaCount" "resources" "resourcesPreset" "persistence" "podAntiAffinityPreset" "nodeSelector" "tolerations" "topologySpreadConstraints" "pdb" "podAnnotations" "podLabels" "priorityClassName" "terminationGracePeriodSeconds" "extraFlags" "containerPorts" -}}
{{- $replicaHints := dict
    "affinity" "set podAntiAffinity (soft or hard), topologyKey, nodeSelector or topologySpreadConstraints"
    "nodeAffinityPreset" "set nodeSelector (or replica.nodeSelector)"
    "podAffinityPreset" "set podAntiAffinity and topologyKey"
    "podSecurityContext" "set podSecurityContext (a plain PodSecurityContext)"
    "containerSecurityContext" "set containerSecurityContext (a plain SecurityContext, applied to both containers)"
    "livenessProbe" "the probes are fixed: Redis is probed on its port, the sidecar on /healthz and /readyz"
    "readinessProbe" "the probes are fixed: readiness is the sidecar's /readyz"
    "startupProbe" "the probes are fixed: Redis is probed on its port, the sidecar on /healthz and /readyz"
    "extraEnvVars" "sidecar.extraEnv sets the sidecar's environment; Redis takes arguments (redis.extraArgs)"
    "configuration" "set redis.extraArgs (redis-server arguments)"
    "shareProcessNamespace" "failover.shareProcessNamespace (default true) is the sidecar's hard fence"
    "service" "set service.write and service.read"
    "updateStrategy" "the StatefulSet rolls (RollingUpdate) and every pod hands over in preStop"
-}}
{{- range $k := keys $replica | sortAlpha -}}
{{- if not (has $k $replicaKeys) -}}
{{- $problems = append $problems (printf "replica.%s: not supported by this chart; %s" $k (get $replicaHints $k | default "chart/BITNAMI.md lists the replica.* keys it maps")) -}}
{{- end -}}
{{- end -}}
{{- if and $replica.resourcesPreset (ne (toString $replica.resourcesPreset) "none") (not $replica.resources) -}}
{{- $problems = append $problems (printf "replica.resourcesPreset=%s: no presets here; set replica.resources (or redis.resources)" $replica.resourcesPreset) -}}
{{- end -}}
{{- range $k := keys $persistence | sortAlpha -}}
{{- $x := get $persistence $k -}}
{{- if eq $k "existingClaim" -}}
{{- if $x -}}
{{- $problems = append $problems "replica.persistence.existingClaim: every pod needs a volume of its own; the chart makes one per pod from redis.persistence (size, storageClass, accessModes, annotations)" -}}
{{- end -}}
{{- else if not (has $k (list "enabled" "size" "storageClass" "accessModes" "annotations" "path" "labels")) -}}
{{- if $x -}}
{{- $problems = append $problems (printf "replica.persistence.%s: not supported; redis.persistence has enabled, size, storageClass, accessModes and annotations" $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* replica.pdb, or pdb in Bitnami charts before replica.pdb */ -}}
{{- range $name, $pdb := dict "replica.pdb" ($replica.pdb | default dict) "pdb" ($v.pdb | default dict) -}}
{{- if and (not (empty (toString (get $pdb "minAvailable")))) (not (empty (toString (get $pdb "maxUnavailable")))) -}}
{{- $problems = append $problems (printf "%s.minAvailable and %s.maxUnavailable: a PodDisruptionBudget has one of them; set one (podDisruptionBudget.minAvailable or maxUnavailable)" $name $name) -}}
{{- end -}}
{{- range $k := keys $pdb | sortAlpha -}}
{{- if not (has $k (list "create" "minAvailable" "maxUnavailable")) -}}
{{- $problems = append $problems (printf "%s.%s: not supported; podDisruptionBudget has enabled, maxUnavailable and minAvailable" $name $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $k := keys ($v.master | default dict) | sortAlpha -}}
{{- if not (and (eq $k "count") (eq (toJson (get $v.master "count")) "1")) -}}
{{- $problems = append $problems (printf "master.%s: every pod here can become the leader, so all take one set of settings: set replica.%s or this chart's own key (chart/BITNAMI.md)" $k $k) -}}
{{- end -}}
{{- end -}}

{{- /* auth and tls */ -}}
{{- if and (eq (toJson (dig "sentinel" true $auth)) "false") $v.sentinelEndpoint.enabled $auth.enabled -}}
{{- $problems = append $problems "auth.sentinel=false: the Sentinel endpoint (sentinelEndpoint) asks for the Redis password whenever auth.enabled" -}}
{{- end -}}
{{- if eq (toJson (dig "acl" "enabled" false $auth)) "true" -}}
{{- $problems = append $problems "auth.acl.enabled: ACL users are not set up by this chart; Redis has one password (auth.existingSecret, auth.passwordKey)" -}}
{{- end -}}
{{- $autoTls := $tls.autoGenerated -}}
{{- if or (eq (toJson $autoTls) "true") (and (kindIs "map" $autoTls) (eq (toJson (dig "enabled" false ($autoTls | default dict))) "true")) -}}
{{- $problems = append $problems "tls.autoGenerated: the chart generates no certificates; give a Secret in tls.existingSecret (e.g. from cert-manager)" -}}
{{- end -}}
{{- if $tls.certificatesSecret -}}
{{- $problems = append $problems "tls.certificatesSecret: the Bitnami chart's old name of tls.existingSecret; set tls.existingSecret" -}}
{{- end -}}
{{- if $tls.dhParamsFilename -}}
{{- $problems = append $problems "tls.dhParamsFilename: not supported; Redis negotiates TLS without DH parameters of its own" -}}
{{- end -}}
{{- if kindIs "bool" $tls.authClients -}}
{{- $_ := set $tls "authClients" (ternary "yes" "no" $tls.authClients) -}}
{{- end -}}
{{- if $v.tls -}}
{{- $_ := set $tls "certFilename" ($tls.certFilename | default "tls.crt") -}}
{{- $_ := set $tls "certKeyFilename" ($tls.certKeyFilename | default "tls.key") -}}
{{- $_ := set $tls "certCAFilename" ($tls.certCAFilename | default "ca.crt") -}}
{{- end -}}

{{- /* the rest of the Bitnami chart */ -}}
{{- if $v.image -}}
{{- $problems = append $problems "image: the Bitnami Redis image and its scripts are not used; set redis.image (repository, tag, pullPolicy)" -}}
{{- end -}}
{{- if or $v.commonConfiguration $v.existingConfigmap -}}
{{- $problems = append $problems "commonConfiguration / existingConfigmap: no redis.conf here; set redis.extraArgs (redis-server arguments such as --maxmemory 256mb)" -}}
{{- end -}}
{{- /* metrics.* (enabled, podMonitor, serviceMonitor, prometheusRule) and networkPolicy.* are this chart's own keys (Bitnami's names). */ -}}
{{- if eq (toJson (dig "enabled" false ($v.sysctl | default dict))) "true" -}}
{{- $problems = append $problems "sysctl.enabled: no privileged init container here; set kernel parameters on the nodes" -}}
{{- end -}}
{{- if eq (toJson (dig "enabled" false ($v.diagnosticMode | default dict))) "true" -}}
{{- $problems = append $problems "diagnosticMode.enabled: not supported" -}}
{{- end -}}
{{- if $v.commonLabels -}}
{{- $problems = append $problems "commonLabels: not supported; podLabels labels the pods" -}}
{{- end -}}
{{- if $v.commonAnnotations -}}
{{- $problems = append $problems "commonAnnotations: not supported; podAnnotations annotates the pods" -}}
{{- end -}}
{{- if $v.extraDeploy -}}
{{- $problems = append $problems "extraDeploy: not supported; deploy extra objects yourself" -}}
{{- end -}}
{{- if eq (toJson (dig "automountServiceAccountToken" true ($v.serviceAccount | default dict))) "false" -}}
{{- $problems = append $problems "serviceAccount.automountServiceAccountToken=false: the sidecar calls the Kubernetes API with the pod's ServiceAccount token; this chart always mounts it" -}}
{{- end -}}
{{- if dig "rules" list ($v.rbac | default dict) -}}
{{- $problems = append $problems "rbac.rules: not supported; the Role grants exactly the sidecar's calls" -}}
{{- end -}}

{{- /* our own keys, checked together */ -}}
{{- $se := $v.sentinelEndpoint | default dict -}}
{{- if $se.enabled -}}
{{- if eq (int $se.port) (int $v.sidecar.httpPort) -}}
{{- $problems = append $problems (printf "sentinelEndpoint.port %d is also sidecar.httpPort; give another port (Sentinel's is 26379)" (int $se.port)) -}}
{{- end -}}
{{- if eq (int $se.port) (int $v.redis.port) -}}
{{- $problems = append $problems (printf "sentinelEndpoint.port %d is also redis.port; give another port (Sentinel's is 26379)" (int $se.port)) -}}
{{- end -}}
{{- end -}}

{{- if $problems -}}
{{- fail (printf "\nredis-lease-ha cannot use these values (chart/BITNAMI.md maps the Bitnami chart's keys to this chart's):\n- %s" (join "\n- " $problems)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Bitnami keys that set one of ours: ours, its default in values.yaml (keep them equal: a drift makes
every use of the alias fail as a conflict, which the chart tests catch), and the Bitnami keys, first
given wins (Bitnami's own precedence for the storage class: global.storageClass, then the
persistence's, then global.defaultStorageClass).
*/}}
{{- define "redis-lease-ha.bitnamiAliases" -}}
aliases:
  - {ours: replicas, default: 3, from: [replica.replicaCount]}
  - {ours: redis.resources, default: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 512Mi}}, from: [replica.resources]}
  - {ours: redis.extraArgs, default: [], from: [replica.extraFlags]}
  - {ours: redis.port, default: 6379, from: [replica.containerPorts.redis]}
  - {ours: redis.persistence.enabled, default: false, from: [replica.persistence.enabled]}
  - {ours: redis.persistence.size, default: 1Gi, from: [replica.persistence.size]}
  - {ours: redis.persistence.storageClass, default: "", from: [global.storageClass, replica.persistence.storageClass, global.defaultStorageClass]}
  - {ours: redis.persistence.accessModes, default: [ReadWriteOnce], from: [replica.persistence.accessModes]}
  - {ours: redis.persistence.annotations, default: {}, from: [replica.persistence.annotations]}
  - {ours: podAntiAffinity, default: soft, from: [replica.podAntiAffinityPreset]}
  - {ours: nodeSelector, default: {}, from: [replica.nodeSelector]}
  - {ours: tolerations, default: [], from: [replica.tolerations]}
  - {ours: topologySpreadConstraints, default: [], from: [replica.topologySpreadConstraints]}
  - {ours: podAnnotations, default: {}, from: [replica.podAnnotations]}
  - {ours: podLabels, default: {}, from: [replica.podLabels]}
  - {ours: priorityClassName, default: "", from: [replica.priorityClassName]}
  - {ours: terminationGracePeriodSeconds, default: 30, from: [replica.terminationGracePeriodSeconds]}
  - {ours: podDisruptionBudget.enabled, default: true, from: [replica.pdb.create, pdb.create]}
  - {ours: podDisruptionBudget.maxUnavailable, default: 1, from: [replica.pdb.maxUnavailable, pdb.maxUnavailable]}
  - {ours: podDisruptionBudget.minAvailable, default: "", from: [replica.pdb.minAvailable, pdb.minAvailable]}
  - {ours: auth.passwordKey, default: password, from: [auth.existingSecretPasswordKey]}
  - {ours: auth.password, default: "", from: [global.redis.password]}
  - {ours: sentinelEndpoint.masterName, default: mymaster, from: [sentinel.masterSet]}
  - {ours: sentinelEndpoint.port, default: 26379, from: [sentinel.service.ports.sentinel, sentinel.containerPorts.sentinel, sentinel.port]}
{{- end -}}
