package deploy

import (
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// chartDir is the chart, beside this file.
const chartDir = "helm/tessera"

// The release the tests render.
const (
	releaseName = "tessera"
	namespace   = "anagrafe"
)

// inboxOn turns the inbox on as an office would: its mailbox and servers
// in tessera.toml, its passwords in a Secret of the office's.
func inboxOn() map[string]any {
	return map[string]any{
		"config": map[string]any{
			"office": map[string]any{"name": "Comune di Esempio - Servizi demografici", "email": "anagrafe@comune.esempio.it"},
			"inbox": map[string]any{
				"imap":        "imaps://anagrafe@imap.comune.esempio.it/INBOX",
				"smtp":        "smtp://anagrafe@smtp.comune.esempio.it:587",
				"authserv_id": []any{"mx.comune.esempio.it"},
			},
		},
		"inbox": map[string]any{"enabled": true, "existingSecret": "tessera-mail"},
	}
}

// everythingOn adds the optional parts: Ingress, NetworkPolicies, metrics
// the batch CronJob, and a logo beside tessera.toml.
func everythingOn() map[string]any {
	v := inboxOn()
	v["ingress"] = map[string]any{"enabled": true, "className": "nginx"}
	v["networkPolicy"] = map[string]any{
		"enabled":                  true,
		"ingressNamespaceSelector": map[string]any{"kubernetes.io/metadata.name": "ingress-nginx"},
		"metricsNamespaceSelector": map[string]any{"kubernetes.io/metadata.name": "monitoring"},
	}
	v["serve"] = map[string]any{"metrics": map[string]any{"enabled": true}, "trustedProxies": []any{"10.0.0.0/8"}}
	v["inbox"].(map[string]any)["metrics"] = map[string]any{"enabled": true}
	v["batch"] = map[string]any{"enabled": true, "claimName": "fototessere"}
	v["configFiles"] = map[string]any{"logo.svg": `<svg xmlns="http://www.w3.org/2000/svg"/>`}
	v["binaryConfigFiles"] = map[string]any{"logo.png": "iVBORw0KGgo="}
	v["config"].(map[string]any)["office"].(map[string]any)["logo"] = "logo.svg"
	return v
}

// objects are a rendering's documents, decoded.
type objects struct {
	configMaps   []corev1.ConfigMap
	services     []corev1.Service
	accounts     []corev1.ServiceAccount
	deployments  []appsv1.Deployment
	statefulSets []appsv1.StatefulSet
	hpas         []autoscalingv2.HorizontalPodAutoscaler
	pdbs         []policyv1.PodDisruptionBudget
	ingresses    []networkingv1.Ingress
	policies     []networkingv1.NetworkPolicy
	cronJobs     []batchv1.CronJob
	// image is the image every pod must run: the chart's appVersion.
	image string
}

// render renders the chart with values over its own, lints it with them,
// and decodes every document strictly (a field the API type has not is an
// error) into the type its apiVersion and kind name.
func render(t *testing.T, values map[string]any) *objects {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load the chart: %v", err)
	}
	lints := lint.RunAll(chartDir, values, namespace)
	for _, m := range lints.Messages {
		if m.Severity >= support.WarningSev {
			t.Errorf("helm lint: %s", m)
		}
	}
	files, err := renderFiles(ch, values)
	if err != nil {
		t.Fatal(err)
	}
	out := &objects{image: "tessera:" + ch.Metadata.AppVersion}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if path.Ext(name) != ".yaml" {
			continue // NOTES.txt, _helpers.tpl
		}
		for i, doc := range strings.Split(files[name], "\n---") {
			if strings.TrimSpace(doc) == "" || isComments(doc) {
				continue
			}
			if err := out.decode([]byte(doc)); err != nil {
				t.Fatalf("%s, document %d: %v\n%s", name, i, err, doc)
			}
		}
	}
	return out
}

// renderFiles renders the chart's templates with values, as installed
// in the test's release.
func renderFiles(ch *chart.Chart, values map[string]any) (map[string]string, error) {
	vals, err := util.ToRenderValues(ch, values, common.ReleaseOptions{Name: releaseName, Namespace: namespace, IsInstall: true}, nil)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	files, err := engine.Render(ch, vals)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return files, nil
}

// isComments reports whether doc holds comments and blank lines only.
func isComments(doc string) bool {
	for line := range strings.Lines(doc) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// decode decodes one document into the type of its apiVersion and kind.
func (o *objects) decode(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	strict := func(v any) error { return yaml.UnmarshalStrict(doc, v) }
	var err error
	switch tm.APIVersion + "/" + tm.Kind {
	case "v1/ConfigMap":
		o.configMaps, err = appendDecoded(o.configMaps, strict)
	case "v1/Service":
		o.services, err = appendDecoded(o.services, strict)
	case "v1/ServiceAccount":
		o.accounts, err = appendDecoded(o.accounts, strict)
	case "apps/v1/Deployment":
		o.deployments, err = appendDecoded(o.deployments, strict)
	case "apps/v1/StatefulSet":
		o.statefulSets, err = appendDecoded(o.statefulSets, strict)
	case "autoscaling/v2/HorizontalPodAutoscaler":
		o.hpas, err = appendDecoded(o.hpas, strict)
	case "policy/v1/PodDisruptionBudget":
		o.pdbs, err = appendDecoded(o.pdbs, strict)
	case "networking.k8s.io/v1/Ingress":
		o.ingresses, err = appendDecoded(o.ingresses, strict)
	case "networking.k8s.io/v1/NetworkPolicy":
		o.policies, err = appendDecoded(o.policies, strict)
	case "batch/v1/CronJob":
		o.cronJobs, err = appendDecoded(o.cronJobs, strict)
	default:
		return fmt.Errorf("unexpected %s %s", tm.APIVersion, tm.Kind)
	}
	return err
}

func appendDecoded[T any](s []T, strict func(any) error) ([]T, error) {
	var v T
	if err := strict(&v); err != nil {
		return s, err
	}
	return append(s, v), nil
}

// TestChartDefault renders the chart with its own values: the page and
// API only, as the README's "Deploy" has them.
func TestChartDefault(t *testing.T) {
	o := render(t, nil)
	if len(o.deployments) != 1 || len(o.services) != 1 || len(o.hpas) != 1 || len(o.pdbs) != 1 || len(o.configMaps) != 1 || len(o.accounts) != 1 {
		t.Fatalf("objects: %d Deployments, %d Services, %d HPAs, %d PDBs, %d ConfigMaps, %d ServiceAccounts; want one each",
			len(o.deployments), len(o.services), len(o.hpas), len(o.pdbs), len(o.configMaps), len(o.accounts))
	}
	if n := len(o.statefulSets) + len(o.ingresses) + len(o.policies) + len(o.cronJobs); n != 0 {
		t.Errorf("%d optional objects rendered by default", n)
	}
	d := o.deployments[0]
	checkServe(t, d)
	checkPod(t, "serve", o.image, d.Spec.Template.Spec)
	if u := d.Spec.Strategy.RollingUpdate; d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || u == nil ||
		u.MaxUnavailable == nil || u.MaxUnavailable.IntValue() != 0 {
		t.Errorf("strategy %+v: a new replica must be ready before an old one stops", d.Spec.Strategy)
	}
	if d.Spec.Replicas != nil {
		t.Errorf("replicas %d set beside the HorizontalPodAutoscaler, which owns them", *d.Spec.Replicas)
	}
	if got := env(d.Spec.Template.Spec.Containers[0], "TESSERA_METRICS_ADDR"); got != "" {
		t.Errorf("metrics on %q by default: they belong on no port a client reaches", got)
	}

	selects(t, "Service", o.services[0].Spec.Selector, d)
	if ports := o.services[0].Spec.Ports; len(ports) != 1 || ports[0].TargetPort.String() != "http" {
		t.Errorf("Service ports %+v, want the one to http", ports)
	}

	h := o.hpas[0]
	if h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != d.Name {
		t.Errorf("HPA scales %s %s, want Deployment %s", h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name, d.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 {
		t.Errorf("HPA minReplicas %v, want at least 2", h.Spec.MinReplicas)
	}
	if len(h.Spec.Metrics) != 1 || h.Spec.Metrics[0].Resource == nil || h.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU ||
		h.Spec.Metrics[0].Resource.Target.AverageUtilization == nil {
		t.Errorf("HPA metrics %+v, want CPU utilisation", h.Spec.Metrics)
	}

	p := o.pdbs[0]
	if p.Spec.MinAvailable == nil || p.Spec.MinAvailable.IntValue() < 1 {
		t.Errorf("PDB minAvailable %v, want at least 1", p.Spec.MinAvailable)
	}
	selects(t, "PodDisruptionBudget", p.Spec.Selector.MatchLabels, d)

	var conf map[string]any
	if _, err := toml.Decode(o.configMaps[0].Data["tessera.toml"], &conf); err != nil {
		t.Errorf("tessera.toml: %v", err)
	}
}

// TestChartInbox renders the chart with the inbox on: one replica, its
// state on a claim that outlives the release, its passwords from the
// office's Secret as files, time to finish the message in hand.
func TestChartInbox(t *testing.T) {
	o := render(t, inboxOn())
	if len(o.statefulSets) != 1 {
		t.Fatalf("%d StatefulSets, want the inbox's", len(o.statefulSets))
	}
	s := o.statefulSets[0]
	if s.Spec.Replicas == nil || *s.Spec.Replicas != 1 {
		t.Errorf("inbox replicas %v, want 1: one processor per mailbox", s.Spec.Replicas)
	}
	pod := s.Spec.Template.Spec
	checkPod(t, "inbox", o.image, pod)
	c := pod.Containers[0]
	if !slices.Equal(c.Args, []string{"inbox"}) {
		t.Errorf("inbox args %q", c.Args)
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil || *g < 60 {
		t.Errorf("terminationGracePeriodSeconds %v: SIGTERM finishes the message in hand, give it a minute at least", g)
	}

	// The state: on the claim, which the StatefulSet keeps.
	state := env(c, "TESSERA_STATE")
	if len(s.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("%d claim templates", len(s.Spec.VolumeClaimTemplates))
	}
	claim := s.Spec.VolumeClaimTemplates[0]
	if m := mountOf(c, state); m == nil || m.Name != claim.Name || m.ReadOnly {
		t.Errorf("TESSERA_STATE %q is not on the writable claim %q (mount %+v)", state, claim.Name, m)
	}
	if r := s.Spec.PersistentVolumeClaimRetentionPolicy; r == nil || r.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("claim retention %+v: the state must outlive the StatefulSet", r)
	}
	if q := claim.Spec.Resources.Requests[corev1.ResourceStorage]; q.IsZero() {
		t.Error("the claim requests no storage")
	}

	// The passwords: files of the office's Secret, never variables.
	for _, name := range []string{"TESSERA_IMAP_PASSWORD_FILE", "TESSERA_SMTP_PASSWORD_FILE"} {
		file := env(c, name)
		m := mountOf(c, file)
		if m == nil || !m.ReadOnly {
			t.Errorf("%s %q is on no read-only mount", name, file)
			continue
		}
		v := volume(pod, m.Name)
		if v == nil || v.Secret == nil || v.Secret.SecretName != "tessera-mail" {
			t.Errorf("%s: volume %+v, want the Secret tessera-mail", name, v)
			continue
		}
		if !slices.ContainsFunc(v.Secret.Items, func(k corev1.KeyToPath) bool { return path.Join(m.MountPath, k.Path) == file }) {
			t.Errorf("%s %q: no key of the Secret lands there (%+v)", name, file, v.Secret.Items)
		}
	}
	// A refused login waits for the Secret to change: restarted by
	// Kubernetes, tessera would try the refused password again and again.
	if got := env(c, "TESSERA_LOGIN_REFUSED"); got != "wait" {
		t.Errorf("TESSERA_LOGIN_REFUSED %q, want wait", got)
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			t.Errorf("%s comes from a Secret as a variable: passwords are read from files", e.Name)
		}
	}

	// The office's tessera.toml reaches the inbox as given.
	var conf struct {
		Inbox struct{ Imap, Smtp string }
	}
	if _, err := toml.Decode(o.configMaps[0].Data["tessera.toml"], &conf); err != nil {
		t.Fatalf("tessera.toml: %v", err)
	}
	if conf.Inbox.Imap != "imaps://anagrafe@imap.comune.esempio.it/INBOX" || conf.Inbox.Smtp == "" {
		t.Errorf("tessera.toml's inbox: %+v", conf.Inbox)
	}
	if mountOf(c, env(c, "TESSERA_CONFIG")) == nil {
		t.Errorf("TESSERA_CONFIG %q is on no mount", env(c, "TESSERA_CONFIG"))
	}
}

// TestChartInboxRelay: an SMTP relay that takes the office's mail
// without a login needs no smtp-password in the office's Secret (a key
// the pod's volume names and the Secret lacks stops the pod from
// starting); the IMAP password still comes from it.
func TestChartInboxRelay(t *testing.T) {
	vals := inboxOn()
	vals["inbox"].(map[string]any)["smtpAuth"] = false
	vals["config"].(map[string]any)["inbox"].(map[string]any)["smtp"] = "smtp://relay.comune.esempio.it:25"
	o := render(t, vals)
	if len(o.statefulSets) != 1 {
		t.Fatalf("%d StatefulSets, want the inbox's", len(o.statefulSets))
	}
	pod := o.statefulSets[0].Spec.Template.Spec
	c := pod.Containers[0]
	if got := env(c, "TESSERA_SMTP_PASSWORD_FILE"); got != "" {
		t.Errorf("TESSERA_SMTP_PASSWORD_FILE %q with no SMTP login", got)
	}
	file := env(c, "TESSERA_IMAP_PASSWORD_FILE")
	m := mountOf(c, file)
	if m == nil {
		t.Fatalf("TESSERA_IMAP_PASSWORD_FILE %q is on no mount", file)
	}
	v := volume(pod, m.Name)
	if v == nil || v.Secret == nil {
		t.Fatalf("the passwords' volume %+v is no Secret", v)
	}
	var keys []string
	for _, k := range v.Secret.Items {
		keys = append(keys, k.Key)
	}
	if !slices.Equal(keys, []string{"imap-password"}) {
		t.Errorf("the Secret's keys mounted: %q, want imap-password alone", keys)
	}

	// A user named for the relay would log in with no password.
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]any{
		{"smtp": "smtp://anagrafe@relay.comune.esempio.it:25"},
		{"smtp": "smtp://relay.comune.esempio.it:25", "smtp_user": "anagrafe"},
	} {
		vals := inboxOn()
		vals["inbox"].(map[string]any)["smtpAuth"] = false
		maps.Copy(vals["config"].(map[string]any)["inbox"].(map[string]any), bad)
		if _, err := renderFiles(ch, vals); err == nil || !strings.Contains(err.Error(), "smtpAuth") {
			t.Errorf("smtpAuth false with %v: %v, want a failure naming inbox.smtpAuth", bad, err)
		}
	}
}

// TestChartEverything renders every optional part: the Ingress reaches the
// Service, the NetworkPolicies let the page take traffic and open none,
// the inbox reach its mail servers only, the metrics stay off the Service,
// the batch CronJob is suspended unless scheduled and as locked down as
// the rest, and the files tessera.toml names lie beside it.
func TestChartEverything(t *testing.T) {
	o := render(t, everythingOn())
	if len(o.ingresses) != 1 || len(o.policies) != 2 || len(o.cronJobs) != 1 {
		t.Fatalf("%d Ingresses, %d NetworkPolicies, %d CronJobs; want 1, 2, 1", len(o.ingresses), len(o.policies), len(o.cronJobs))
	}
	d := o.deployments[0]
	checkServe(t, d)
	svc := o.services[slices.IndexFunc(o.services, func(s corev1.Service) bool { return s.Name == d.Name })]
	for _, r := range o.ingresses[0].Spec.Rules {
		for _, p := range r.HTTP.Paths {
			if b := p.Backend.Service; b == nil || b.Name != svc.Name || b.Port.Name != svc.Spec.Ports[0].Name {
				t.Errorf("Ingress path %s goes to %+v, want Service %s", p.Path, b, svc.Name)
			}
		}
	}
	for _, p := range svc.Spec.Ports {
		if p.TargetPort.String() == "metrics" {
			t.Error("the metrics are on the Service")
		}
	}
	c := d.Spec.Template.Spec.Containers[0]
	if env(c, "TESSERA_METRICS_ADDR") != ":9464" || env(c, "TESSERA_TRUSTED_PROXIES") != "10.0.0.0/8" {
		t.Errorf("metrics %q, trusted proxies %q", env(c, "TESSERA_METRICS_ADDR"), env(c, "TESSERA_TRUSTED_PROXIES"))
	}

	for _, np := range o.policies {
		if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) || !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) {
			t.Errorf("%s: policy types %v", np.Name, np.Spec.PolicyTypes)
		}
		sel := labels.SelectorFromSet(np.Spec.PodSelector.MatchLabels)
		switch {
		case sel.Matches(labels.Set(d.Spec.Template.Labels)):
			if len(np.Spec.Egress) != 0 {
				t.Errorf("%s: the page and API may open connections: %+v", np.Name, np.Spec.Egress)
			}
			if len(np.Spec.Ingress) != 2 || np.Spec.Ingress[0].Ports[0].Port.String() != "http" || np.Spec.Ingress[1].Ports[0].Port.String() != "metrics" {
				t.Errorf("%s: ingress %+v, want http from the controller and metrics from monitoring", np.Name, np.Spec.Ingress)
			}
		case sel.Matches(labels.Set(o.statefulSets[0].Spec.Template.Labels)):
			var ports []string
			for _, e := range np.Spec.Egress {
				for _, p := range e.Ports {
					ports = append(ports, p.Port.String())
				}
			}
			if !slices.Equal(ports, []string{"993", "143", "465", "587", "53", "53"}) {
				t.Errorf("%s: the inbox may reach ports %v, want the mail servers' and DNS", np.Name, ports)
			}
		default:
			t.Errorf("%s selects no tessera pod", np.Name)
		}
	}

	cj := o.cronJobs[0]
	if cj.Spec.Suspend == nil || !*cj.Spec.Suspend {
		t.Error("the batch runs on a schedule nobody set")
	}
	j := cj.Spec.JobTemplate.Spec
	checkPod(t, "batch", o.image, j.Template.Spec)
	if j.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("batch restartPolicy %s", j.Template.Spec.RestartPolicy)
	}
	jc := j.Template.Spec.Containers[0]
	if jc.Args[0] != "check" || mountOf(jc, "/data/report.html") == nil {
		t.Errorf("batch args %q, mounts %+v", jc.Args, jc.VolumeMounts)
	}

	// The logo tessera.toml names, relative to its folder, is there.
	cm := o.configMaps[0]
	var conf struct{ Office struct{ Logo string } }
	if _, err := toml.Decode(cm.Data["tessera.toml"], &conf); err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.Data[conf.Office.Logo]; !ok || conf.Office.Logo == "" {
		t.Errorf("office.logo %q is not beside tessera.toml (keys %v)", conf.Office.Logo, slices.Sorted(maps.Keys(cm.Data)))
	}
	if string(cm.BinaryData["logo.png"]) != "\x89PNG\r\n\x1a\n" {
		t.Errorf("binary file logo.png: %q", cm.BinaryData["logo.png"])
	}
}

// TestChartRefuses: values that would deploy something unsafe or
// unusable stop the rendering with a message naming the value.
func TestChartRefuses(t *testing.T) {
	tests := []struct {
		name, says string
		values     func() map[string]any
	}{
		{"inbox without its Secret", "existingSecret", func() map[string]any {
			v := inboxOn()
			v["inbox"].(map[string]any)["existingSecret"] = ""
			return v
		}},
		{"metrics open to every namespace", "metricsNamespaceSelector", func() map[string]any {
			v := everythingOn()
			v["networkPolicy"].(map[string]any)["metricsNamespaceSelector"] = map[string]any{}
			return v
		}},
		{"batch without its claim", "claimName", func() map[string]any {
			return map[string]any{"batch": map[string]any{"enabled": true}}
		}},
	}
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		if _, err := renderFiles(ch, tc.values()); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: rendered (error %v), want a failure naming %s", tc.name, err, tc.says)
		}
	}
}

// TestChartOneReplica: without autoscaling and with one replica, no
// PodDisruptionBudget (keeping one of one up would stop every node
// drain).
func TestChartOneReplica(t *testing.T) {
	o := render(t, map[string]any{"serve": map[string]any{"replicas": 1, "autoscaling": map[string]any{"enabled": false}}})
	if len(o.pdbs) != 0 || len(o.hpas) != 0 {
		t.Errorf("%d PDBs, %d HPAs with one replica", len(o.pdbs), len(o.hpas))
	}
	if r := o.deployments[0].Spec.Replicas; r == nil || *r != 1 {
		t.Errorf("replicas %v, want 1", r)
	}
}

// checkServe checks the page and API's Deployment: the probes on the
// port tessera listens on, and a memory limit that holds the Go heap's
// soft limit tessera sets from its budgets (cmd/tessera/gc.go: twice
// the memory budget plus the body budget).
func checkServe(t *testing.T, d appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("serve args %q", c.Args)
	}
	if env(c, "TESSERA_ADDR") != ":8080" || len(c.Ports) == 0 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("listens on %q, container ports %+v", env(c, "TESSERA_ADDR"), c.Ports)
	}
	probes := []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"readiness", c.ReadinessProbe, "/readyz"},
		{"liveness", c.LivenessProbe, "/healthz"},
		{"startup", c.StartupProbe, "/readyz"},
	}
	for _, p := range probes {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe %+v, want GET %s on http", p.name, p.probe, p.path)
		}
	}
	// A stopping replica answers while the endpoints drop it, then
	// finishes its requests (api.DefaultShutdownTimeout, 20 s), all
	// within the grace period (Kubernetes' default 30 s).
	const shutdown = 20 * time.Second
	grace := 30 * time.Second
	if g := pod.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if drain, err := time.ParseDuration(env(c, "TESSERA_DRAIN_DELAY")); err != nil || drain <= 0 || drain+shutdown > grace {
		t.Errorf("TESSERA_DRAIN_DELAY %q (%v): want a drain that, with %v for the requests in flight, fits the grace period of %v", env(c, "TESSERA_DRAIN_DELAY"), err, shutdown, grace)
	}
	budget, body := mb(t, env(c, "TESSERA_MEMORY_BUDGET_MB")), mb(t, env(c, "TESSERA_BODY_BUDGET_MB"))
	heap := resource.NewQuantity((2*budget+body)<<20, resource.BinarySI)
	if limit := c.Resources.Limits[corev1.ResourceMemory]; limit.Cmp(*heap) < 0 {
		t.Errorf("memory limit %s under the Go heap's soft limit %s (2 x %d + %d MiB)", limit.String(), heap.String(), budget, body)
	}
}

// checkPod checks what every tessera pod shares: non-root, no privilege
// escalation, every capability dropped, seccomp RuntimeDefault, a
// read-only root filesystem, CPU and memory requested and limited, no
// service account token, image (the chart's appVersion).
func checkPod(t *testing.T, what, image string, pod corev1.PodSpec) {
	t.Helper()
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("%s: pod security context %+v, want non-root", what, sc)
	}
	if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: seccomp %+v, want RuntimeDefault", what, sc)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the service account token is mounted; tessera calls no Kubernetes API", what)
	}
	for _, c := range pod.Containers {
		cs := c.SecurityContext
		switch {
		case cs == nil:
			t.Errorf("%s/%s: no security context", what, c.Name)
			continue
		case cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation:
			t.Errorf("%s/%s: privilege escalation allowed", what, c.Name)
		case cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem:
			t.Errorf("%s/%s: root filesystem writable", what, c.Name)
		case cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") || len(cs.Capabilities.Add) > 0:
			t.Errorf("%s/%s: capabilities %+v, want ALL dropped", what, c.Name, cs.Capabilities)
		case cs.Privileged != nil && *cs.Privileged:
			t.Errorf("%s/%s: privileged", what, c.Name)
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
			if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
				t.Errorf("%s/%s: %s request %s, limit %s", what, c.Name, r, req.String(), lim.String())
			}
		}
		if c.Image != image {
			t.Errorf("%s/%s: image %s, want %s", what, c.Name, c.Image, image)
		}
		if mountOf(c, "/tmp/x") == nil {
			t.Errorf("%s/%s: no writable /tmp beside the read-only root", what, c.Name)
		}
	}
}

// selects checks that selector picks d's pods.
func selects(t *testing.T, what string, selector map[string]string, d appsv1.Deployment) {
	t.Helper()
	if len(selector) == 0 || !labels.SelectorFromSet(selector).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("%s selector %v does not pick the pods labelled %v", what, selector, d.Spec.Template.Labels)
	}
	if !maps.Equal(selector, d.Spec.Selector.MatchLabels) {
		t.Errorf("%s selector %v, the Deployment's %v", what, selector, d.Spec.Selector.MatchLabels)
	}
}

// env is the value of c's variable name; "" when unset.
func env(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// mountOf is the mount of c under which file lies; nil if none.
func mountOf(c corev1.Container, file string) *corev1.VolumeMount {
	if file == "" {
		return nil
	}
	for i, m := range c.VolumeMounts {
		if rel, err := filepath.Rel(m.MountPath, file); err == nil && !strings.HasPrefix(rel, "..") && rel != "." {
			return &c.VolumeMounts[i]
		}
	}
	return nil
}

// volume is pod's volume name; nil if none.
func volume(pod corev1.PodSpec, name string) *corev1.Volume {
	for i, v := range pod.Volumes {
		if v.Name == name {
			return &pod.Volumes[i]
		}
	}
	return nil
}

// mb parses a whole number of MB from a variable.
func mb(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		t.Fatalf("%q: not a number of MB", s)
	}
	return n
}
