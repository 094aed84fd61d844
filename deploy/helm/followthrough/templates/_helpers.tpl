{{/* Names, labels and the pod and container parts every followthrough workload shares. */}}

{{- define "followthrough.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "followthrough.fullname" -}}
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

{{- define "followthrough.selectorLabels" -}}
app.kubernetes.io/name: {{ include "followthrough.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "followthrough.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "followthrough.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "followthrough.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "followthrough.fullname" .) }}
{{- end }}

{{/* The config and chart-made Secret must exist before the migration hook runs, so they
are hooks too (weight -10) while the migration is enabled. */}}
{{- define "followthrough.preHook" -}}
{{- if .Values.migration.enabled -}}
annotations:
  helm.sh/hook: pre-install,pre-upgrade
  helm.sh/hook-weight: "-10"
  helm.sh/hook-delete-policy: before-hook-creation
{{- end }}
{{- end }}

{{/* Pod annotations: restart pods when the config or the chart-made Secret changes. */}}
{{- define "followthrough.podAnnotations" -}}
checksum/config: {{ toYaml .Values.config | sha256sum }}
checksum/secret: {{ toYaml .Values.secrets | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Pod-level settings shared by every workload. */}}
{{- define "followthrough.podSpec" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "followthrough.fullname" . }}
  - name: tmp
    emptyDir: {}
{{- end }}

{{/* Container settings shared by every workload (its name, args, probes and resources
are its own). */}}
{{- define "followthrough.container" -}}
image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
env:
  - name: FOLLOWTHROUGH_CONFIG
    value: /etc/followthrough/followthrough.yaml
envFrom:
  - secretRef:
      name: {{ include "followthrough.secretName" . }}
volumeMounts:
  - name: config
    mountPath: /etc/followthrough
    readOnly: true
  - name: tmp
    mountPath: /tmp
{{- end }}
