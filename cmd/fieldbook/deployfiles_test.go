package main

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// configKeys are the environment variables the binary reads, found in its
// own source: every os.Getenv("…") and every name in a settings table.
func configKeys(t *testing.T) []string {
	t.Helper()
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"((?:DATABASE_URL)|(?:FIELDBOOK_[A-Z_]+))"`)
	seen := map[string]bool{}
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		src, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
		}
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) < 5 {
		t.Fatalf("found only %v in the config source", keys)
	}
	return keys
}

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// The compose file has the services, health checks and wiring the design
// asks for, and together with .env.example it covers every setting the
// binary reads (and none it does not). Only the one-shot migrate service
// holds the schema owner's URL.
func TestDeployFilesCoverConfig(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	for _, name := range []string{"db", "pgbouncer", "migrate", "app"} {
		if _, ok := cf.Services[name]; !ok {
			t.Fatalf("docker-compose.yml has no %q service", name)
		}
	}
	for _, name := range []string{"db", "pgbouncer", "app"} {
		if hc := cf.Services[name].Healthcheck; hc == nil || len(hc.Test) == 0 {
			t.Errorf("service %s has no healthcheck", name)
		}
	}
	if _, ok := cf.Volumes["pgdata"]; !ok {
		t.Error("PostgreSQL has no named volume")
	}
	app := cf.Services["app"]
	if len(app.Ports) != 1 || !strings.HasSuffix(app.Ports[0], ":8080") {
		t.Errorf("app ports %v", app.Ports)
	}
	if pb := cf.Services["pgbouncer"].Environment["POOL_MODE"]; pb != "transaction" {
		t.Errorf("PgBouncer pool mode %q, want transaction", pb)
	}
	if !strings.Contains(app.Environment["DATABASE_URL"], "@pgbouncer:") {
		t.Errorf("the app does not go through PgBouncer: %s", app.Environment["DATABASE_URL"])
	}
	if !strings.Contains(app.Environment["FIELDBOOK_LISTEN_DATABASE_URL"], "@db:") {
		t.Errorf("FIELDBOOK_LISTEN_DATABASE_URL must connect to PostgreSQL directly, not %q", app.Environment["FIELDBOOK_LISTEN_DATABASE_URL"])
	}
	if app.DependsOn["migrate"].Condition != "service_completed_successfully" {
		t.Error("the app does not wait for the migrations")
	}
	// Migrations are a one-shot step as the schema owner; the serving
	// process holds only fieldbook_app's credentials.
	migrate := cf.Services["migrate"]
	if len(migrate.Command) != 1 || migrate.Command[0] != "migrate" ||
		!strings.Contains(migrate.Environment["FIELDBOOK_MIGRATE_DATABASE_URL"], "fieldbook_owner:${FIELDBOOK_OWNER_PASSWORD}@db:") {
		t.Errorf("the migrate service must run `migrate` as the owner, directly: %v %v", migrate.Command, migrate.Environment)
	}
	for k, v := range app.Environment {
		if strings.Contains(v, "FIELDBOOK_OWNER_PASSWORD") || strings.Contains(v, "fieldbook_owner") {
			t.Errorf("the app gets the schema owner's credentials in %s", k)
		}
	}

	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	exampleKeys := map[string]bool{}
	for _, line := range strings.Split(string(example), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "#")
		if k, _, ok := strings.Cut(line, "="); ok && regexp.MustCompile(`^[A-Z_]+$`).MatchString(k) {
			exampleKeys[k] = true
		}
	}
	keys := configKeys(t)
	known := map[string]bool{}
	for _, k := range keys {
		known[k] = true
		if !exampleKeys[k] {
			t.Errorf(".env.example does not list %s", k)
		}
		_, inApp := app.Environment[k]
		_, inMigrate := migrate.Environment[k]
		if !inApp && !(k == "FIELDBOOK_MIGRATE_DATABASE_URL" && inMigrate) {
			t.Errorf("docker-compose.yml's app does not set %s", k)
		}
	}
	for k := range app.Environment {
		if !known[k] {
			t.Errorf("docker-compose.yml sets %s, which the binary does not read", k)
		}
	}
	for k := range exampleKeys {
		if strings.HasPrefix(k, "FIELDBOOK_") && !known[k] && k != "FIELDBOOK_OWNER_PASSWORD" && k != "FIELDBOOK_APP_PASSWORD" && k != "FIELDBOOK_PG_PORT" {
			t.Errorf(".env.example lists %s, which nothing reads", k)
		}
	}
}
