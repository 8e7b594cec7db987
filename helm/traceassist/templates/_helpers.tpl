{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "traceassist.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of every object: release name, plus the chart name unless the release name contains it. */}}
{{- define "traceassist.fullname" -}}
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

{{- define "traceassist.selectorLabels" -}}
app.kubernetes.io/name: {{ include "traceassist.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "traceassist.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "traceassist.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "traceassist.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "traceassist.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the HTTPS listener reads its certificate from, whatever the certificate mode. */}}
{{- define "traceassist.tlsSecretName" -}}
{{- if eq .Values.certificates.mode "existing-secret" }}
{{- required "certificates.existingSecret.name is required with certificates.mode=existing-secret" .Values.certificates.existingSecret.name }}
{{- else }}
{{- printf "%s-webhook-tls" (include "traceassist.fullname" .) }}
{{- end }}
{{- end }}

{{/* The name the API server checks the certificate against: <service>.<namespace>.svc. */}}
{{- define "traceassist.serviceDNSName" -}}
{{- printf "%s.%s.svc" (include "traceassist.fullname" .) .Release.Namespace }}
{{- end }}

{{/* Webhook configuration name. In pods mode it must sort before the OpenTelemetry Operator's
     configuration (configurations are called in name order and the Operator's pod webhook is never
     re-invoked), so it starts with "00-". */}}
{{- define "traceassist.webhookConfigurationName" -}}
{{- if .Values.webhook.configurationName }}
{{- .Values.webhook.configurationName }}
{{- else if eq .Values.webhook.mode "pods" }}
{{- printf "00-%s" (include "traceassist.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- include "traceassist.fullname" . }}
{{- end }}
{{- end }}

{{/* Name of the chart-made Secret for the analytics key and API tokens given as values. */}}
{{- define "traceassist.valuesSecretName" -}}
{{- printf "%s-config" (include "traceassist.fullname" .) }}
{{- end }}

{{- define "traceassist.rulesConfigMapName" -}}
{{- default (printf "%s-rules" (include "traceassist.fullname" .)) .Values.rules.existingConfigMap }}
{{- end }}

{{- define "traceassist.hasRules" -}}
{{- if or .Values.rules.content .Values.rules.existingConfigMap }}true{{ end }}
{{- end }}
