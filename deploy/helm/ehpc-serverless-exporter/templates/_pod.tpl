{{/*
The pod template the Deployment and the StatefulSet share.
*/}}
{{- define "ehpc-exporter.podTemplate" -}}
metadata:
  labels:
    {{- include "ehpc-exporter.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- if or (not .Values.config.existingConfigMap) .Values.podAnnotations }}
  annotations:
    {{- if not .Values.config.existingConfigMap }}
    # The exporter reads its config at start (and on SIGHUP, which nothing
    # sends in a pod): a changed config rolls the pods.
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
spec:
  serviceAccountName: {{ include "ehpc-exporter.serviceAccountName" . }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - name: exporter
      image: {{ include "ehpc-exporter.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      {{- if or .Values.sharding.enabled .Values.rrsa.manual.enabled .Values.extraEnv }}
      env:
        {{- if .Values.sharding.enabled }}
        # The StatefulSet controller labels every pod with its ordinal.
        - name: SHARD
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
        {{- end }}
        {{- if .Values.rrsa.manual.enabled }}
        - name: ALIBABA_CLOUD_ROLE_ARN
          value: {{ .Values.rrsa.manual.roleArn | quote }}
        - name: ALIBABA_CLOUD_OIDC_PROVIDER_ARN
          value: {{ .Values.rrsa.manual.oidcProviderArn | quote }}
        - name: ALIBABA_CLOUD_OIDC_TOKEN_FILE
          value: {{ .Values.rrsa.manual.tokenFile | quote }}
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      # The image's entrypoint already names --config.file.
      args:
        - --log.level={{ .Values.logLevel }}
        - --log.format={{ .Values.logFormat }}
        {{- if .Values.storage.enabled }}
        - --storage.path={{ .Values.storage.path }}
        {{- end }}
        {{- if .Values.sharding.enabled }}
        - --shard=$(SHARD)
        - --total-shards={{ .Values.sharding.shards }}
        {{- end }}
        {{- range .Values.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      ports:
        - name: http
          containerPort: 9947
          protocol: TCP
      livenessProbe:
        {{- toYaml .Values.livenessProbe | nindent 8 }}
      readinessProbe:
        {{- toYaml .Values.readinessProbe | nindent 8 }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/ehpc_serverless_exporter
          readOnly: true
        # The root filesystem is read-only; --demo writes its generated
        # config to the temporary directory.
        - name: tmp
          mountPath: /tmp
        {{- if .Values.storage.enabled }}
        - name: state
          mountPath: {{ .Values.storage.path }}
        {{- end }}
        {{- if .Values.rrsa.manual.enabled }}
        - name: rrsa-token
          mountPath: {{ dir .Values.rrsa.manual.tokenFile }}
          readOnly: true
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "ehpc-exporter.configMapName" . }}
        # The image reads config.yml in the mounted directory, whatever the
        # key is called.
        items:
          - key: {{ ternary .Values.config.existingConfigMapKey "config.yml" (ne .Values.config.existingConfigMap "") }}
            path: config.yml
    - name: tmp
      emptyDir:
        sizeLimit: 16Mi
    {{- if .Values.storage.enabled }}
    {{- if not .Values.storage.persistence.enabled }}
    # Survives a container restart, not a new pod: storage.persistence
    # keeps the state across reschedules and rollouts.
    - name: state
      emptyDir:
        sizeLimit: {{ .Values.storage.emptyDir.sizeLimit }}
    {{- else if not .Values.sharding.enabled }}
    - name: state
      persistentVolumeClaim:
        claimName: {{ .Values.storage.persistence.existingClaim | default (printf "%s-state" (include "ehpc-exporter.fullname" .)) }}
    {{- end }}
    {{- end }}
    {{- if .Values.rrsa.manual.enabled }}
    - name: rrsa-token
      projected:
        sources:
          - serviceAccountToken:
              path: {{ base .Values.rrsa.manual.tokenFile }}
              audience: {{ .Values.rrsa.manual.audience }}
              expirationSeconds: {{ .Values.rrsa.manual.expirationSeconds }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
