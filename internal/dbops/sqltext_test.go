package dbops

import (
	"strings"
	"testing"
)

func texts(st []Statement) []string {
	var out []string
	for _, s := range st {
		out = append(out, s.Text)
	}
	return out
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"SELECT 1; SELECT 2;", []string{"SELECT 1", "SELECT 2"}},
		{"SELECT ';' AS a; SELECT \"x;y\"", []string{"SELECT ';' AS a", `SELECT "x;y"`}},
		{"SELECT `we;ird` FROM t", []string{"SELECT `we;ird` FROM t"}},
		{"SELECT 'it''s; fine'; SELECT 'a\\';b'", []string{"SELECT 'it''s; fine'", `SELECT 'a\';b'`}},
		{"SELECT 1 -- a comment; not a split\n; SELECT 2", []string{"SELECT 1 -- a comment; not a split", "SELECT 2"}},
		{"SELECT 1 # hash; comment\n;", []string{"SELECT 1 # hash; comment"}},
		{"SELECT 1 /* block; */ + 1;", []string{"SELECT 1 /* block; */ + 1"}},
		{"SELECT 5--1;", []string{"SELECT 5--1"}}, // "--" without a space is minus minus
		{";;  ; -- only a comment\n", nil},
		{"DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\nDELIMITER ;\nSELECT 3;",
			[]string{"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "SELECT 3"}},
		{"SELECT 'unterminated; still one", []string{"SELECT 'unterminated; still one"}},
	} {
		got := texts(Split(tc.in))
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Split(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	// Offsets point at the statement in the buffer.
	buf := "  SELECT 1 ;\n\n  UPDATE t SET a=1"
	for _, s := range Split(buf) {
		if buf[s.Start:s.End] != s.Text {
			t.Errorf("offsets %d..%d give %q, not %q", s.Start, s.End, buf[s.Start:s.End], s.Text)
		}
	}
}

func TestClassify(t *testing.T) {
	for stmt, want := range map[string]Class{
		"SELECT * FROM users": Read,
		"SET STATEMENT max_statement_time=1 FOR DELETE FROM t": Write,
		"SET STATEMENT max_statement_time=1 FOR SELECT 1":      SessionVar,
		"SET STATEMENT x=1":                               Write,
		"BEGIN NOT ATOMIC DELETE FROM t; END":             Write,
		"select 1":                                        Read,
		"(SELECT 1) UNION (SELECT 2)":                     Read,
		"SHOW TABLES":                                     Read,
		"DESCRIBE users":                                  Read,
		"EXPLAIN DELETE FROM users":                       Read,
		"EXPLAIN ANALYZE DELETE FROM users":               Write,
		"EXPLAIN FORMAT=JSON SELECT 1":                    Read,
		"ANALYZE DELETE FROM users":                       Write, // MariaDB runs it
		"ANALYZE TABLE users":                             Admin,
		"/* harmless */ DELETE FROM users":                Write,
		"-- note\nDELETE FROM users":                      Write,
		"# note\nUPDATE users SET x=1":                    Write,
		"/*!50000 DELETE FROM users */":                   Write,
		"/*M!100100 DROP TABLE users */":                  Schema,
		"WITH x AS (SELECT 1) SELECT * FROM x":            Read,
		"WITH x AS (SELECT id FROM t) DELETE FROM users":  Write,
		"WITH RECURSIVE r AS (SELECT 1) UPDATE t SET a=1": Write,
		"SELECT * FROM users INTO OUTFILE '/tmp/x'":       Write,
		"SELECT 1 INTO DUMPFILE '/tmp/x'":                 Write,
		"SELECT 1 INTO @v":                                Read,
		"SELECT 'DELETE FROM users'":                      Read,
		"SELECT `delete` FROM t":                          Read,
		"INSERT INTO t VALUES (1)":                        Write,
		"REPLACE INTO t VALUES (1)":                       Write,
		"LOAD DATA INFILE 'x' INTO TABLE t":               Write,
		"CALL cleanup()":                                  Write,
		"CREATE TABLE t (a INT)":                          Schema,
		"ALTER TABLE t ADD b INT":                         Schema,
		"DROP DATABASE tts":                               Schema,
		"TRUNCATE t":                                      Schema,
		"CREATE USER x IDENTIFIED BY 'y'":                 Admin,
		"GRANT ALL ON *.* TO x":                           Admin,
		"KILL QUERY 12":                                   Admin,
		"SET @a = 1":                                      SessionVar,
		"SET SESSION sql_mode = ''":                       SessionVar,
		"SET GLOBAL max_connections = 10":                 Admin,
		"SET @@GLOBAL.max_connections = 10":               Admin,
		"SET PASSWORD = 'x'":                              Admin,
		"USE tts":                                         SessionVar,
		"BEGIN":                                           Transaction,
		"START TRANSACTION READ ONLY":                     Transaction,
		"START SLAVE":                                     Admin,
		"ROLLBACK":                                        Transaction,
		"PREPARE s FROM 'DELETE FROM t'":                  Write,
		"EXECUTE s":                                       Write,
		"frobnicate the database":                         Write,
		"":                                                Read,
		"-- nothing":                                      Read,
	} {
		if got := Classify(stmt); got != want {
			t.Errorf("Classify(%q) = %s, want %s", stmt, got, want)
		}
	}
}

func TestContainsSecret(t *testing.T) {
	for stmt, want := range map[string]bool{
		"CREATE USER a IDENTIFIED BY 'hunter2'":                                         true,
		"ALTER USER a IDENTIFIED WITH mysql_native_password BY 'x'":                     true,
		"SET PASSWORD FOR a = PASSWORD('x')":                                            true,
		"SELECT PASSWORD('x')":                                                          true,
		"CHANGE MASTER TO MASTER_PASSWORD='x'":                                          true,
		"SELECT password_hash FROM users":                                               false,
		"SELECT * FROM users":                                                           false,
		"SELECT 'identified by' AS s":                                                   false,
		"CREATE USER u --\v '\nIDENTIFIED BY 'secret' -- '":                             true,
		"CREATE TABLE f (a INT) ENGINE=FEDERATED CONNECTION='mysql://u:pw@h:3306/db/t'": true,
		"CREATE TABLE c (a INT) ENGINE=CONNECT OPTION_LIST='user=u,password=pw'":        true,
		"SELECT 'see http://example.com/a@b' AS url":                                    false,
		"KILL CONNECTION 5":                                                             false,
	} {
		if got := ContainsSecret(stmt); got != want {
			t.Errorf("ContainsSecret(%q) = %v, want %v", stmt, got, want)
		}
	}
}

func FuzzSplitAndClassify(f *testing.F) {
	for _, s := range []string{"SELECT 1; DELETE FROM t", "/*!50000 DROP */", "'", "`", "--", "/*", "DELIMITER //\nx//", "WITH a AS (SELECT 1) DELETE FROM t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, buf string) {
		stmts := Split(buf)
		prev := 0
		for _, s := range stmts {
			if s.Start < prev || s.End < s.Start || s.End > len(buf) || buf[s.Start:s.End] != s.Text || s.Text == "" {
				t.Fatalf("bad statement %+v in %q", s, buf)
			}
			prev = s.End
			c := Classify(s.Text)
			// A statement whose first word is a writing verb is never a read,
			// whatever surrounds it.
			if f := strings.Fields(strings.ToUpper(s.Text)); len(f) > 0 && (f[0] == "DELETE" || f[0] == "UPDATE" || f[0] == "INSERT" || f[0] == "DROP") && c < Write {
				t.Fatalf("%q classified %s", s.Text, c)
			}
			ContainsSecret(s.Text)
		}
	})
}

func TestRenderCell(t *testing.T) {
	for _, tc := range []struct {
		c      Cell
		binary bool
		max    int
		want   string
	}{
		{Cell{Null: true}, false, 0, "NULL"},
		{Cell{Bytes: []byte{}}, false, 0, "''"},
		{Cell{Bytes: []byte("NULL")}, false, 0, "NULL"}, // the string, as typed
		{Cell{Bytes: []byte{0, 0xff}}, true, 0, "0x00ff"},
		{Cell{Bytes: []byte{0xff, 'a'}}, false, 0, "0xff61"}, // not UTF-8: hex
		{Cell{Bytes: []byte("héllo")}, false, 2, "h…"},       // cut inside é: no hex
		{Cell{Bytes: []byte("a\tb\x1b]0;x\x07")}, false, 0, "a   b␛]0;x␇"},
	} {
		if got := RenderCell(tc.c, tc.binary, tc.max); got != tc.want {
			t.Errorf("RenderCell(%q, %v, %d) = %q, want %q", tc.c.Bytes, tc.binary, tc.max, got, tc.want)
		}
	}
}
