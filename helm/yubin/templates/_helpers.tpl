{{/* The chart name, overridable. */}}
{{- define "yubin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release-wide prefix of every object name: the release name, unless it already holds the chart name. */}}
{{- define "yubin.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries besides its component's selector labels. */}}
{{- define "yubin.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: yubin
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Selector labels of one component (frontend, operator, cassandra, minio): call with (dict "ctx" $ "component" "frontend"). */}}
{{- define "yubin.selectorLabels" -}}
app.kubernetes.io/name: {{ include "yubin.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Common labels plus selector labels of one component. */}}
{{- define "yubin.componentLabels" -}}
{{ include "yubin.commonLabels" .ctx }}
{{ include "yubin.selectorLabels" . }}
{{- end -}}

{{/* An image reference: repository@digest when a digest is given (it wins), else repository:tag. Call with an image dict and the default tag. */}}
{{- define "yubin.image" -}}
{{- $image := index . 0 -}}
{{- $defaultTag := index . 1 -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else if not (default $defaultTag $image.tag) -}}
{{- fail (printf "the image %s needs a tag or a digest" $image.repository) -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default $defaultTag $image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Object names. */}}
{{- define "yubin.hazelcastService" -}}{{ include "yubin.fullname" . }}-hazelcast{{- end -}}
{{- define "yubin.adminService" -}}{{ include "yubin.fullname" . }}-admin{{- end -}}
{{- define "yubin.operatorName" -}}{{ include "yubin.fullname" . }}-operator{{- end -}}
{{- define "yubin.cassandraName" -}}{{ include "yubin.fullname" . }}-cassandra{{- end -}}
{{- define "yubin.minioName" -}}{{ include "yubin.fullname" . }}-minio{{- end -}}
{{- define "yubin.clamavName" -}}{{ include "yubin.fullname" . }}-clamav{{- end -}}
{{- define "yubin.configName" -}}{{ include "yubin.fullname" . }}-config{{- end -}}

{{/* The Secret holding the admin token under the key "token" (the operator reads it too). */}}
{{- define "yubin.adminTokenSecret" -}}
{{- if .Values.admin.existingSecret -}}
{{- .Values.admin.existingSecret -}}
{{- else -}}
{{- include "yubin.fullname" . }}-admin-token
{{- end -}}
{{- end -}}

{{/* The Secret holding the storage credentials (keys s3-access-key, s3-secret-key, cassandra-username, cassandra-password). */}}
{{- define "yubin.credentialsSecret" -}}
{{- if .Values.credentials.existingSecret -}}
{{- .Values.credentials.existingSecret -}}
{{- else -}}
{{- include "yubin.fullname" . }}-credentials
{{- end -}}
{{- end -}}

{{/* Whether the server expects PROXY protocol headers on its mail ports. */}}
{{- define "yubin.proxyProtocol" -}}
{{- if ne .Values.service.proxyProtocol "none" -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{/* Where the server keeps its data (admin token, self-signed certificate): an emptyDir. */}}
{{- define "yubin.dataDir" -}}/var/lib/yubin{{- end -}}

{{/* The restricted container security context every container of the chart runs with. */}}
{{- define "yubin.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The pod security context: call with the component's podSecurityContext values. */}}
{{- define "yubin.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .runAsUser }}
runAsGroup: {{ .runAsGroup }}
fsGroup: {{ .fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}
