// gotemplate_bench ORACLE [RENDERS]: renders a realistic chart (dozens of templates, helpers,
// two subcharts, ranges, includes, toYaml/nindent) with flotilla's engine and with the Go oracle
// (one process in -lines mode; its start-up is measured separately and subtracted), checks the
// outputs are byte-identical and prints per-render times and the speed-up.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "core/json.h"
#include "render/gotemplate/render_request.h"

using flotilla::Json;
using Clock = std::chrono::steady_clock;

namespace {

const char* kHelpers = R"({{/* Common helpers, in the style of `helm create` */}}
{{- define "app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "app.fullname" -}}
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
{{- define "app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "app.labels" -}}
helm.sh/chart: {{ include "app.chart" . }}
{{ include "app.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "app.image" -}}
{{- $tag := .image.tag | default "latest" | toString -}}
{{- printf "%s/%s:%s" (.image.registry | default "docker.io") .image.repository $tag -}}
{{- end }}
{{- define "app.env" -}}
{{- range $k, $v := . }}
- name: {{ $k | upper | replace "-" "_" }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end }}
)";

const char* kDeployment = R"({{- $c := index .Values.components COMPONENT }}
{{- if $c.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}-{{ $c.name }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
    component: {{ $c.name }}
spec:
  {{- if not $c.autoscaling }}
  replicas: {{ $c.replicas | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "app.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ toYaml $c.config | sha256sum }}
      {{- with $c.podAnnotations }}
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      containers:
        - name: {{ $c.name }}
          image: {{ include "app.image" $c | quote }}
          ports:
          {{- range $p := $c.ports }}
            - name: {{ $p.name }}
              containerPort: {{ $p.port }}
              protocol: {{ $p.protocol | default "TCP" }}
          {{- end }}
          env:
            {{- include "app.env" $c.env | nindent 12 }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
      {{- with $.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
)";

const char* kService = R"({{- $c := index .Values.components COMPONENT }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "app.fullname" . }}-{{ $c.name }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
spec:
  type: {{ $.Values.service.type }}
  ports:
  {{- range $c.ports }}
    - port: {{ .port }}
      targetPort: {{ .name }}
      name: {{ .name | lower }}
  {{- end }}
  selector:
    {{- include "app.selectorLabels" . | nindent 4 }}
)";

const char* kConfigMap = R"({{- $c := index .Values.components COMPONENT }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "app.fullname" . }}-{{ $c.name }}-config
data:
  config.yaml: |
    {{- toYaml $c.config | nindent 4 }}
  config.json: {{ toJson $c.config | quote }}
  {{- range $k, $v := $c.config.features }}
  feature-{{ $k }}: {{ ternary "on" "off" $v | quote }}
  {{- end }}
)";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

Json BuildRequest() {
  Json templates = {{"app/templates/_helpers.tpl", kHelpers}};
  Json components = Json::array();
  for (int i = 0; i < 12; i++) {
    std::string idx = std::to_string(i);
    templates["app/templates/deployment-" + idx + ".yaml"] = Replace(kDeployment, "COMPONENT", idx);
    templates["app/templates/service-" + idx + ".yaml"] = Replace(kService, "COMPONENT", idx);
    templates["app/templates/configmap-" + idx + ".yaml"] = Replace(kConfigMap, "COMPONENT", idx);
    Json env = Json::object();
    for (int e = 0; e < 8; e++) env["var-" + std::to_string(e)] = "value-" + std::to_string(e * i);
    Json features = Json::object();
    for (int f = 0; f < 6; f++) features["f" + std::to_string(f)] = (f + i) % 2 == 0;
    components.push_back(
        {{"name", "svc" + idx},
         {"enabled", i % 5 != 4},
         {"replicas", 1 + i % 3},
         {"autoscaling", i % 4 == 0},
         {"image",
          {{"repository", "org/svc" + idx}, {"tag", i % 2 ? Json("1." + idx) : Json(nullptr)}}},
         {"ports", {{{"name", "http"}, {"port", 8080}}, {{"name", "metrics"}, {"port", 9090}}}},
         {"env", env},
         {"resources",
          {{"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}},
           {"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}},
         {"podAnnotations", i % 3 == 0 ? Json{{"prometheus.io/scrape", "true"}} : Json(nullptr)},
         {"config",
          {{"logLevel", "info"},
           {"timeout", 30 + i},
           {"ratio", 0.25 * i},
           {"features", features},
           {"endpoints", {"a.example.com", "b.example.com"}}}}});
  }
  for (const char* sub : {"redis", "metrics"}) {
    for (int t = 0; t < 5; t++) {
      std::string name =
          std::string("app/charts/") + sub + "/templates/t" + std::to_string(t) + ".yaml";
      templates[name] = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "app.fullname" . }}-)" +
                        std::string(sub) + "-" + std::to_string(t) + R"(
  labels:
    {{- include "app.labels" . | nindent 4 }}
data:
  {{- range $i, $c := .Values.components }}
  {{ $c.name }}: {{ printf "%s:%d" $c.name (int $c.replicas) | b64enc | quote }}
  {{- end }}
)";
    }
  }
  Json values = {{"components", components},
                 {"service", {{"type", "ClusterIP"}}},
                 {"nodeSelector", {{"kubernetes.io/os", "linux"}}}};
  return {{"templates", templates},
          {"values", values},
          {"chart", {{"name", "app"}, {"version", "1.2.3"}, {"appVersion", "2.0.0"}}}};
}

double OracleSeconds(const std::string& oracle, const Json& req, int copies, Json* first) {
  std::string in_path = "/tmp/gotemplate-bench-in.jsonl";
  {
    std::ofstream f(in_path);
    std::string line = req.dump();
    for (int i = 0; i < copies; i++) f << line << "\n";
  }
  auto t0 = Clock::now();
  FILE* p = popen((oracle + " -lines < " + in_path).c_str(), "r");
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (first != nullptr) *first = Json::parse(out.substr(0, out.find('\n')));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: gotemplate_bench ORACLE [RENDERS]\n";
    return 2;
  }
  std::string oracle = argv[1];
  int renders = argc > 2 ? std::atoi(argv[2]) : 200;
  Json req = BuildRequest();
  size_t ntemplates = req["templates"].size();

  Json ours = flotilla::gotemplate::RenderRequest(req);  // warm-up and correctness
  Json theirs = ours;
  if (oracle != "-") OracleSeconds(oracle, req, 1, &theirs);  // "-": flotilla only (profiling)
  bool identical = ours == theirs;
  size_t bytes = 0;
  Json outputs = ours.value("outputs", Json::object());
  for (auto& [k, v] : outputs.items()) bytes += v.get<std::string>().size();

  auto t0 = Clock::now();
  for (int i = 0; i < renders; i++) {
    Json r = flotilla::gotemplate::RenderRequest(req);
    if (r["error"] != nullptr) return 1;
  }
  double flotilla_s = std::chrono::duration<double>(Clock::now() - t0).count() / renders;

  double oracle_s = 0;
  if (oracle != "-") {
    double one = OracleSeconds(oracle, req, 1, nullptr);
    double many = OracleSeconds(oracle, req, renders + 1, nullptr);
    oracle_s = (many - one) / renders;
  }

  std::cout << fmt::format(
      "chart: {} templates, {} bytes of output per render; {} renders each\n"
      "flotilla: {:.3f} ms/render   go oracle (text/template+sprig): {:.3f} ms/render   "
      "speed-up: {:.2f}x   outputs identical: {}\n",
      ntemplates, bytes, renders, flotilla_s * 1e3, oracle_s * 1e3, oracle_s / flotilla_s,
      identical ? "yes" : "NO");
  if (!identical) {
    std::cerr << "ours:   " << ours.dump().substr(0, 2000) << "\n";
    std::cerr << "oracle: " << theirs.dump().substr(0, 2000) << "\n";
  }
  return identical ? 0 : 1;
}
