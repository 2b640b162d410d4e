package dockerops

import (
	"errors"
	"strings"
	"testing"
)

func TestCredentialsResolveInImageOrder(t *testing.T) {
	files := map[string]string{"/run/secrets/app_pw": "from-secret\n", "/run/secrets/root_pw": "root-secret"}
	read := func(p string) (string, error) {
		if v, ok := files[p]; ok {
			return v, nil
		}
		return "", errors.New("no such file")
	}
	dotenv := map[string]string{"MYSQL_DATABASE": "tts", "MYSQL_USER": "tts", "MYSQL_PASSWORD": "from-dotenv", "MYSQL_ROOT_PASSWORD": "root-dotenv"}
	cases := []struct {
		name       string
		env        map[string]string
		root       bool
		user, pw   string
		source, db string
		err        string
	}{
		{name: "container env wins", env: map[string]string{"MYSQL_USER": "app", "MYSQL_PASSWORD": "from-env", "MYSQL_DATABASE": "appdb"},
			user: "app", pw: "from-env", source: "container env", db: "appdb"},
		{name: "secret file next", env: map[string]string{"MYSQL_PASSWORD_FILE": "/run/secrets/app_pw"},
			user: "tts", pw: "from-secret", source: "secret file /run/secrets/app_pw", db: "tts"},
		{name: "mariadb spelling", env: map[string]string{"MARIADB_USER": "m", "MARIADB_PASSWORD": "mp"},
			user: "m", pw: "mp", source: "container env", db: "tts"},
		{name: "env file last", env: map[string]string{}, user: "tts", pw: "from-dotenv", source: ".env", db: "tts"},
		{name: "root", env: map[string]string{"MYSQL_ROOT_PASSWORD_FILE": "/run/secrets/root_pw"}, root: true,
			user: "root", pw: "root-secret", source: "secret file /run/secrets/root_pw", db: "tts"},
		{name: "unreadable secret", env: map[string]string{"MYSQL_PASSWORD_FILE": "/nope"}, err: "MYSQL_PASSWORD_FILE (/nope)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var l DatabaseLogin
			err := credentials{env: tc.env, dotenv: dotenv, envName: ".env", readFile: read}.resolve(&l, tc.root)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.User != tc.user || l.Password != tc.pw || l.Source != tc.source || l.Database != tc.db {
				t.Fatalf("got %s/%s from %q db %q", l.User, l.Password, l.Source, l.Database)
			}
		})
	}
	var l DatabaseLogin
	err := credentials{env: map[string]string{}, dotenv: map[string]string{}, envName: ".env", readFile: read}.resolve(&l, false)
	if err == nil || !strings.Contains(err.Error(), "MYSQL_USER") {
		t.Fatalf("no credentials anywhere: %v", err)
	}
}

func TestPullFailuresSayWhatToDo(t *testing.T) {
	pull := errors.New(`Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.1:53: no such host`)
	if err := explainPull(pull); !errors.Is(err, pull) || !strings.Contains(err.Error(), "GO_IMAGE=ttsui-local/go:1.26") {
		t.Fatalf("pull failure: %v", err)
	}
	other := errors.New("service web: port already allocated")
	if err := explainPull(other); err != other {
		t.Fatalf("an unrelated error was dressed up: %v", err)
	}
	if explainPull(nil) != nil {
		t.Fatal("nil")
	}
}
