{{/* Names are cut to 63 characters, the limit of a DNS label. */}}
{{- define "ehpc-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ehpc-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ehpc-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ehpc-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ehpc-exporter.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ehpc-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "ehpc-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ehpc-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: name the existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ehpc-exporter.configMapName" -}}
{{- default (include "ehpc-exporter.fullname" .) .Values.config.existingConfigMap }}
{{- end }}

{{/*
The ServiceMonitor's interval: serviceMonitor.interval, else the polling
interval of config.file when the chart can read it, else the exporter's
default.
*/}}
{{- define "ehpc-exporter.scrapeInterval" -}}
{{- $polling := "" }}
{{- if and (not .Values.config.existingConfigMap) (kindIs "map" .Values.config.file) }}
{{- $polling = dig "polling" "interval" "" .Values.config.file }}
{{- end }}
{{- .Values.serviceMonitor.interval | default $polling | default "30s" }}
{{- end }}

{{- define "ehpc-exporter.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
The claim's storageClassName line: none for the cluster's default class, ""
for "-" (no class, a pre-bound volume).
*/}}
{{- define "ehpc-exporter.storageClass" -}}
{{- with .Values.storage.persistence.storageClass }}
{{- if eq . "-" }}storageClassName: ""{{ else }}storageClassName: {{ . | quote }}{{ end }}
{{- end }}
{{- end }}

{{/*
Refuses values that would deploy something broken, with the key to change.
*/}}
{{- define "ehpc-exporter.validate" -}}
{{- if .Values.sharding.enabled }}
{{- if lt (int .Values.sharding.shards) 1 }}
{{- fail "sharding.shards must be at least 1" }}
{{- end }}
{{- if not (semverCompare ">=1.28-0" .Capabilities.KubeVersion.Version) }}
{{- fail (printf "sharding needs Kubernetes 1.28 or later (the apps.kubernetes.io/pod-index label gives each pod its shard); this cluster is %s (with helm template, name the target with --kube-version)" .Capabilities.KubeVersion.Version) }}
{{- end }}
{{- if .Values.storage.persistence.existingClaim }}
{{- fail "storage.persistence.existingClaim cannot be shared by the shards: leave it empty and every shard gets a claim of its own" }}
{{- end }}
{{- end }}
{{- if .Values.rrsa.manual.enabled }}
{{- if not (and .Values.rrsa.manual.roleArn .Values.rrsa.manual.oidcProviderArn) }}
{{- fail "rrsa.manual.enabled needs rrsa.manual.roleArn and rrsa.manual.oidcProviderArn" }}
{{- end }}
{{- end }}
{{- range .Values.extraArgs }}
{{- $flag := regexFind "^--[a-z.-]+" (toString .) }}
{{- if has $flag (list "--config.file" "--shard" "--total-shards" "--storage.path") }}
{{- fail (printf "extraArgs: %s is set by the chart (see values.yaml)" $flag) }}
{{- end }}
{{- end }}
{{- end }}
