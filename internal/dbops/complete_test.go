package dbops

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

func complCatalog() Catalog {
	cols := func(names ...string) []Column {
		var out []Column
		for _, n := range names {
			out = append(out, Column{Name: n, Type: "int"})
		}
		return out
	}
	return Catalog{
		Database:  "shop",
		Databases: []string{"information_schema", "mysql", "shop", "shop_test"},
		Tables: []Table{
			{Name: "active_users", Kind: "VIEW", Columns: cols("id", "name")},
			{Name: "orders", Kind: "BASE TABLE", Columns: cols("id", "user_id", "total", "created_at")},
			{Name: "roles", Kind: "BASE TABLE", Columns: cols("id", "name")},
			{Name: "user_roles", Kind: "BASE TABLE", Columns: cols("user_id", "role_id")},
			{Name: "users", Kind: "BASE TABLE", Columns: cols("id", "name", "email", "created_at")},
		},
	}
}

// complAt splits a test input at its '|' cursor marker.
func complAt(t *testing.T, in string) (string, int) {
	t.Helper()
	i := strings.IndexByte(in, '|')
	if i < 0 || strings.Count(in, "|") != 1 {
		t.Fatalf("input %q needs exactly one | cursor marker", in)
	}
	return in[:i] + in[i+1:], i
}

var allTables = []string{"active_users", "orders", "roles", "user_roles", "users"}

func TestComplete(t *testing.T) {
	cat := complCatalog()
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		// Keywords follow the case being typed.
		{"keyword lower", "sel|", []string{"select"}},
		{"keyword upper", "SEL|", []string{"SELECT"}},
		{"keyword mixed is upper", "Sel|", []string{"SELECT"}},
		{"keyword function", "select coal|", []string{"coalesce"}},
		{"keywords after DESC sort", "SELECT * FROM users ORDER BY id DESC li|", []string{"like", "limit"}},
		{"keyword HAVING", "SELECT * FROM users GROUP BY name HAV|", []string{"HAVING"}},
		{"statement start is keywords only", "us|", []string{"use", "using"}},

		// Table names only, after the keywords that take a table.
		{"FROM", "SELECT * FROM u|", []string{"user_roles", "users"}},
		{"FROM empty prefix", "SELECT * FROM |", allTables},
		{"FROM offers no keywords", "SELECT * FROM wh|", nil},
		{"JOIN", "select * from users u join r|", []string{"roles"}},
		{"LEFT JOIN", "SELECT * FROM users LEFT JOIN o|", []string{"orders"}},
		{"UPDATE", "UPDATE o|", []string{"orders"}},
		{"UPDATE modifiers", "UPDATE LOW_PRIORITY IGNORE o|", []string{"orders"}},
		{"INSERT INTO", "INSERT INTO u|", []string{"user_roles", "users"}},
		{"REPLACE INTO", "REPLACE INTO r|", []string{"roles"}},
		{"DELETE FROM", "DELETE FROM o|", []string{"orders"}},
		{"FROM list", "SELECT * FROM users, o|", []string{"orders"}},
		{"DESC", "DESC u|", []string{"user_roles", "users"}},
		{"DESCRIBE", "describe r|", []string{"roles"}},
		{"TRUNCATE", "TRUNCATE r|", []string{"roles"}},
		{"TRUNCATE TABLE", "TRUNCATE TABLE r|", []string{"roles"}},
		{"ALTER TABLE", "ALTER TABLE o|", []string{"orders"}},
		{"DROP TABLE IF EXISTS", "DROP TABLE IF EXISTS r|", []string{"roles"}},
		{"DROP TABLE list", "DROP TABLE orders, r|", []string{"roles"}},
		{"TABLE statement", "TABLE a|", []string{"active_users"}},
		{"SHOW COLUMNS FROM", "SHOW COLUMNS FROM r|", []string{"roles"}},
		{"SHOW CREATE TABLE", "SHOW CREATE TABLE r|", []string{"roles"}},
		{"LOCK TABLES", "LOCK TABLES r|", []string{"roles"}},
		{"subquery FROM", "SELECT * FROM users WHERE id IN (SELECT user_id FROM o|", []string{"orders"}},
		{"EXTRACT's FROM is not a table position", "SELECT EXTRACT(YEAR FROM cr|) FROM orders", []string{"created_at", "create", "cross"}},
		{"SELECT INTO is not a table position", "SELECT id FROM users INTO @x|", nil},
		{"ON DUPLICATE KEY UPDATE takes columns", "INSERT INTO users (id) VALUES (1) ON DUPLICATE KEY UPDATE na|", []string{"name", "natural"}},

		// Databases.
		{"USE", "USE sh|", []string{"shop", "shop_test"}},
		{"USE empty prefix", "use |", []string{"information_schema", "mysql", "shop", "shop_test"}},
		{"DROP DATABASE", "DROP DATABASE IF EXISTS shop_|", []string{"shop_test"}},
		{"SHOW TABLES FROM", "SHOW TABLES FROM m|", []string{"mysql"}},

		// Columns after a qualifier.
		{"table qualifier", "SELECT users.| FROM users", []string{"id", "name", "email", "created_at"}},
		{"table qualifier any case", "SELECT USERS.E|", []string{"email"}},
		{"alias", "SELECT u.na| FROM users u", []string{"name"}},
		{"AS alias", "SELECT r.| FROM users u JOIN roles AS r ON r.id = u.id", []string{"id", "name"}},
		{"alias shadows a table", "SELECT roles.| FROM users roles", []string{"id", "name", "email", "created_at"}},
		{"backquoted qualifier", "SELECT `users`.em| FROM `users`", []string{"email"}},
		{"backquoted alias", "SELECT `u`.em| FROM users AS `u`", []string{"email"}},
		{"inside an opening backquote", "SELECT `users`.`em|", []string{"email"}},
		{"backquoted table name", "SELECT * FROM `us|", []string{"user_roles", "users"}},
		{"db.table.", "SELECT shop.users.e| FROM shop.users", []string{"email"}},
		{"alias of db.table", "SELECT x.e| FROM shop.users x", []string{"email"}},
		{"current database's tables", "SELECT * FROM shop.u|", []string{"user_roles", "users"}},
		{"other database", "SELECT * FROM mysql.|", nil},
		{"other database's table", "SELECT other.users.| FROM other.users", nil},
		{"alias of another database's table", "SELECT o.| FROM other.orders o", nil},
		{"unknown qualifier", "SELECT nope.|", nil},
		{"number is no qualifier", "SELECT 1.|", nil},

		// Anywhere else: referenced columns, then tables, then keywords.
		{"WHERE columns of both tables", "SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE cr|", []string{"created_at", "create", "cross"}},
		{"WHERE column then keyword", "SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE to|", []string{"total", "to"}},
		{"table referenced after the cursor", "SELECT na| FROM users", []string{"name", "natural"}},
		{"columns, tables, keywords", "SELECT * FROM orders WHERE us|", []string{"user_id", "user_roles", "users", "use", "using"}},
		{"names keep their case", "SELECT * FROM users WHERE EM|", []string{"email"}},
		{"UPDATE SET", "UPDATE users SET em|", []string{"email"}},
		{"subquery's table", "SELECT * FROM users WHERE id IN (SELECT user_id FROM orders WHERE to|)", []string{"total", "to"}},
		{"EXTRACT's FROM names no table", "SELECT EXTRACT(YEAR FROM orders) AS y, to| FROM users", []string{"to"}},

		// Strings, comments, variables.
		{"single-quoted string", "SELECT * FROM users WHERE name = 'us|", nil},
		{"double-quoted string", "SELECT * FROM users WHERE name = \"us|", nil},
		{"inside a closed string", "SELECT 'a' 'us|' FROM users", nil},
		{"line comment", "SELECT 1 -- us|", nil},
		{"hash comment", "SELECT 1 # us|", nil},
		{"block comment", "SELECT /* us|", nil},
		{"closed block comment", "SELECT /* x */ na| FROM users", []string{"name", "natural"}},
		{"after a line comment", "SELECT 1 -- c\n, na| FROM users", []string{"name", "natural"}},
		{"after a string", "SELECT * FROM users WHERE name = 'x' AND em|", []string{"email"}},
		{"after a doubled quote", "SELECT 'it''s', na| FROM users", []string{"name", "natural"}},
		{"system variable", "SELECT @@ver|", nil},
		{"user variable", "SELECT @na| FROM users", nil},

		// Empty prefix.
		{"empty buffer", "|", nil},
		{"empty after SELECT", "SELECT |", nil},
		{"empty in WHERE", "SELECT * FROM users WHERE |", nil},
		{"empty after a table", "SELECT * FROM users ORDER BY id DESC |", nil},

		// The statement at the cursor.
		{"middle statement", "SELECT * FROM orders;\nSELECT em| FROM users;\nSELECT * FROM roles", []string{"email"}},
		{"first statement", "SELECT to| FROM users; SELECT * FROM orders", []string{"to"}},
		{"aliases stay in their statement", "SELECT * FROM users u; SELECT u.| FROM orders", nil},
		{"new statement after ;", "SELECT * FROM users; SELECT * FROM |", allTables},
		{"just after ;", "SELECT * FROM users;|", nil},
		{"after ; is a fresh statement", "SELECT * FROM users JOIN; |", nil},
		{"after ; and a space", "SELECT * FROM users; |", nil},
		{"trailing blanks stay in the statement", "SELECT 1; SELECT * FROM users JOIN |", allTables},
		{"delimiter on its own line", "SELECT * FROM users WHERE em|\n;\nSELECT * FROM orders", []string{"email"}},
		{"DELIMITER", "DELIMITER //\nSELECT * FROM orders//\nSELECT to| FROM users//", []string{"to"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, cursor := complAt(t, tc.in)
			got := Complete(text, cursor, cat)
			if !slices.Equal(got.Items, tc.want) {
				t.Errorf("Complete(%q)\n got %q\nwant %q", tc.in, got.Items, tc.want)
			}
			if got.Start > cursor || got.Prefix != text[got.Start:cursor] {
				t.Errorf("Complete(%q): Start %d Prefix %q, cursor %d", tc.in, got.Start, got.Prefix, cursor)
			}
		})
	}
}

func TestCompleteWord(t *testing.T) {
	cat := complCatalog()
	for _, tc := range []struct {
		in         string
		wantStart  int
		wantPrefix string
	}{
		{"SELECT na|", 7, "na"},
		{"SELECT `users`.`em|", 16, "em"},        // after the opening backquote
		{"SELECT users.e|", 13, "e"},             // after the dot
		{"SELECT $x|", 7, "$x"},                  // $ is an identifier byte
		{"SELECT * FROM t WHERE a=b|c", 24, "b"}, // up to the cursor only
		{"SELECT |", 7, ""},
	} {
		text, cursor := complAt(t, tc.in)
		got := Complete(text, cursor, cat)
		if got.Start != tc.wantStart || got.Prefix != tc.wantPrefix {
			t.Errorf("Complete(%q): Start %d Prefix %q, want %d %q", tc.in, got.Start, got.Prefix, tc.wantStart, tc.wantPrefix)
		}
	}
}

func TestCompleteClampsCursor(t *testing.T) {
	cat := complCatalog()
	got := Complete("sel", 99, cat)
	if got.Start != 0 || got.Prefix != "sel" || !slices.Equal(got.Items, []string{"select"}) {
		t.Errorf("cursor past the end: %+v", got)
	}
	got = Complete("sel", -3, cat)
	if got.Start != 0 || got.Prefix != "" || got.Items != nil {
		t.Errorf("negative cursor: %+v", got)
	}
}

func TestCompleteKeywordList(t *testing.T) {
	if !sort.StringsAreSorted(complKeywords) {
		t.Error("complKeywords is not sorted")
	}
	for i, kw := range complKeywords {
		if kw != strings.ToUpper(kw) {
			t.Errorf("keyword %q is not upper-case", kw)
		}
		if i > 0 && complKeywords[i-1] == kw {
			t.Errorf("keyword %q twice", kw)
		}
	}
	for _, kw := range []string{"SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "JOIN", "LEFT",
		"INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "SHOW", "DESCRIBE", "EXPLAIN", "COUNT", "NULL",
		"IS", "NOT", "LIKE", "BETWEEN", "DISTINCT", "HAVING", "UNION", "WITH", "NOW", "CONCAT", "COALESCE", "IFNULL"} {
		if _, ok := slices.BinarySearch(complKeywords, kw); !ok {
			t.Errorf("keyword %s missing", kw)
		}
	}
}

// The general position lexes the statement in two halves around the word;
// glued back they must be what lexing it whole gives, depths included.
func TestCompleteStatementTokens(t *testing.T) {
	for _, in := range []string{
		"SELECT (a, (b)) FROM t WHERE x IN (1, |2) AND y",
		"SELECT ((|x", "SELECT x)) |y (z", "|SELECT 1", "SELECT 1 |", "a`b`|c", "SELECT 'x'|y",
	} {
		text, cursor := complAt(t, in)
		st := complStmt{0, len(text), 0}
		got := complStatementTokens(text, st, cursor, tokens(text[:cursor]))
		if want := tokens(text); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %v\nwant %v", in, got, want)
		}
	}
}

// bigCompletionCase is a 500-table catalog and a buffer of about 100 KB.
func bigCompletionCase() (Catalog, string, int) {
	var cat Catalog
	cat.Database = "big"
	for i := range 500 {
		t := Table{Name: fmt.Sprintf("table_%03d", i)}
		for j := range 20 {
			t.Columns = append(t.Columns, Column{Name: fmt.Sprintf("col_%03d_%02d", i, j)})
		}
		cat.Tables = append(cat.Tables, t)
	}
	var b strings.Builder
	for i := 0; b.Len() < 50_000; i++ {
		fmt.Fprintf(&b, "SELECT a.col_%03d_01, 'a;b' FROM table_%03d a JOIN table_%03d b ON a.id = b.id; -- x;\n", i%500, i%500, (i+1)%500)
	}
	cursor := b.Len()
	b.WriteString("SELECT * FROM table_007 t WHERE t.col_007_1")
	cursor = b.Len()
	b.WriteString(" = 1;\nINSERT INTO table_001 VALUES ")
	for b.Len() < 100_000 {
		b.WriteString("(1, 'x', 2),")
	}
	b.WriteString("(0, '', 0);")
	return cat, b.String(), cursor
}

func TestCompleteBigBuffer(t *testing.T) {
	cat, text, cursor := bigCompletionCase()
	got := Complete(text, cursor, cat)
	want := []string{"col_007_10", "col_007_11", "col_007_12", "col_007_13", "col_007_14",
		"col_007_15", "col_007_16", "col_007_17", "col_007_18", "col_007_19"}
	if !slices.Equal(got.Items, want) {
		t.Errorf("got %q, want %q", got.Items, want)
	}
	// The end of a long INSERT: a general position with many commas behind.
	got = Complete(text+" SELECT * FROM table_001 WHERE col_001_0", len(text)+40, cat)
	if len(got.Items) != 10 || got.Items[0] != "col_001_00" {
		t.Errorf("after a long statement: got %q", got.Items)
	}
}

func BenchmarkComplete(b *testing.B) {
	cat, text, cursor := bigCompletionCase()
	for b.Loop() {
		Complete(text, cursor, cat)
	}
}

func FuzzComplete(f *testing.F) {
	for _, s := range []string{
		"", "sel", "SELECT * FROM u", "SELECT u.na FROM users u", "SELECT `users`.`em",
		"SELECT 'x", "SELECT 1 -- c", "SELECT /* c", "USE sh", "DROP TABLE IF EXISTS ",
		"SELECT * FROM users; SELECT * FROM ", "DELIMITER $$\nSELECT 1$$SEL", "SELECT @@v",
		"SELECT EXTRACT(YEAR FROM x), (SELECT a FROM b", "a.b.c.`d`.e", "'\\", "`", "--", "é.ü",
	} {
		f.Add(s, len(s))
		f.Add(s, len(s)/2)
	}
	cat := complCatalog()
	f.Fuzz(func(t *testing.T, text string, cursor int) {
		got := Complete(text, cursor, cat)
		cursor = min(max(cursor, 0), len(text))
		if got.Start < 0 || got.Start > cursor || got.Prefix != text[got.Start:cursor] {
			t.Fatalf("Complete(%q, %d): Start %d Prefix %q", text, cursor, got.Start, got.Prefix)
		}
		seen := map[string]bool{}
		for _, it := range got.Items {
			if it == "" || seen[strings.ToLower(it)] {
				t.Fatalf("Complete(%q, %d): empty or duplicate item in %q", text, cursor, got.Items)
			}
			seen[strings.ToLower(it)] = true
		}
	})
}
