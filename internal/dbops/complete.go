package dbops

import (
	"sort"
	"strings"
)

// Completion is what tab offers at the cursor.
type Completion struct {
	Start  int      // byte offset in the text where the word being completed starts
	Prefix string   // text[Start:cursor]
	Items  []string // candidates, best first, no duplicates
}

// Complete says what tab offers at cursor (a byte offset, clamped to the
// text) in an SQL buffer. It is pure and cheap enough to run on every key.
//
// The word being completed is the run of identifier bytes ending at the
// cursor. What is offered depends on what comes before it in the statement
// around the cursor:
//   - after `name.` (name may be backquoted, a table or an alias declared in
//     the statement): that table's columns;
//   - after FROM, JOIN, UPDATE, INTO, TABLE, DESCRIBE, TRUNCATE, ALTER TABLE,
//     DROP TABLE [IF EXISTS] and in a FROM list: table names only;
//   - after USE, DROP DATABASE and SHOW ... FROM: database names only;
//   - at the start of a statement: keywords only;
//   - anywhere else: the columns of the tables the statement names, then
//     table names, then keywords.
//
// Matching is a case-insensitive prefix match; keywords follow the case the
// user is typing in, names keep their own. An empty prefix offers names
// where only a name can follow and nothing elsewhere, so that tab after a
// space does not dump every keyword. Inside a string or comment nothing is
// offered; inside an opening backquote only names are.
func Complete(text string, cursor int, cat Catalog) Completion {
	cursor = min(max(cursor, 0), len(text))
	start := cursor
	for start > 0 && complIdentByte(text[start-1]) {
		start--
	}
	c := Completion{Start: start, Prefix: text[start:cursor]}
	if start > 0 && text[start-1] == '@' {
		return c // a user or system variable: nothing we know names those
	}

	st := complStatementAt(text, cursor)
	backtick := false
	switch quote, at := complOpenQuote(text, st.scan, cursor); {
	case quote == 0:
	case quote == '`' && at == start-1:
		// `FROM `us| is still a table name; only the quote is extra.
		backtick = true
	default:
		return c
	}
	lead := start // where the identifier begins, its opening quote included
	if backtick {
		lead--
	}

	col := complCollector{prefix: c.Prefix}
	if lead > st.start && text[lead-1] == '.' {
		col.qualified(text, lead-1, st, cat)
		c.Items = col.items
		return c
	}

	var before []token
	if lead >= st.start {
		before = tokens(text[st.start:lead])
	}
	switch complContext(before) {
	case complTables:
		col.tables(cat)
	case complDatabases:
		for _, db := range cat.Databases {
			col.add(db)
		}
	case complStart:
		// Only a keyword can begin a statement; a name there is a typo.
		if !backtick && c.Prefix != "" {
			col.keywords()
		}
	default:
		if c.Prefix == "" && !backtick {
			break
		}
		refs := complRefs(complStatementTokens(text, st, lead, before), cat)
		for _, t := range refs.tables {
			col.columns(t)
		}
		col.tables(cat)
		if !backtick {
			col.keywords()
		}
	}
	c.Items = col.items
	return c
}

// complKeywords are the words offered outside a name-only position: the
// statements, clauses and operators people type daily plus the common
// functions. Sorted and upper-case; a test keeps it so.
var complKeywords = []string{
	"ABS", "ADD", "AFTER", "ALGORITHM", "ALL", "ALTER", "ANALYZE", "AND", "ANY", "AS", "ASC",
	"AUTO_INCREMENT", "AVG", "BEFORE", "BEGIN", "BETWEEN", "BIGINT", "BINARY", "BLOB",
	"BOOLEAN", "BOTH", "BY", "CALL", "CASCADE", "CASE", "CAST", "CEIL", "CHANGE", "CHAR",
	"CHARACTER", "CHARSET", "CHAR_LENGTH", "CHECK", "COALESCE", "COLLATE", "COLUMN",
	"COLUMNS", "COMMENT", "COMMIT", "COMMITTED", "CONCAT", "CONCAT_WS", "CONSTRAINT",
	"CONVERT", "COUNT", "CREATE", "CROSS", "CURDATE", "CURRENT_DATE", "CURRENT_TIMESTAMP",
	"CURRENT_USER", "DATABASE", "DATABASES", "DATE", "DATEDIFF", "DATETIME", "DATE_ADD",
	"DATE_FORMAT", "DATE_SUB", "DAY", "DECIMAL", "DEFAULT", "DELETE", "DENSE_RANK", "DESC",
	"DESCRIBE", "DISTINCT", "DIV", "DO", "DOUBLE", "DROP", "DUAL", "DUPLICATE", "ELSE",
	"END", "ENGINE", "ENGINES", "ENUM", "ESCAPE", "EVENTS", "EXCEPT", "EXISTS", "EXPLAIN",
	"EXTRACT", "FALSE", "FIELDS", "FIND_IN_SET", "FIRST", "FLOAT", "FLOOR", "FLUSH", "FOR",
	"FOREIGN", "FORMAT", "FROM", "FULL", "FULLTEXT", "FUNCTION", "GRANT", "GRANTS",
	"GREATEST", "GROUP", "GROUP_CONCAT", "HAVING", "HEX", "HOUR", "IF", "IFNULL", "IGNORE",
	"IN", "INDEX", "INDEXES", "INNER", "INSERT", "INT", "INTEGER", "INTERSECT", "INTERVAL",
	"INTO", "IS", "ISOLATION", "JOIN", "JSON", "JSON_ARRAY", "JSON_EXTRACT", "JSON_OBJECT",
	"JSON_UNQUOTE", "KEY", "KEYS", "KILL", "LAG", "LAST_INSERT_ID", "LEAD", "LEAST", "LEFT",
	"LENGTH", "LIKE", "LIMIT", "LOCK", "LONGTEXT", "LOWER", "LTRIM", "MAX", "MEDIUMTEXT",
	"MIN", "MINUTE", "MOD", "MODIFY", "MONTH", "NATURAL", "NOT", "NOW", "NULL", "NULLIF",
	"OFFSET", "ON", "OPTIMIZE", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "PRIMARY",
	"PROCEDURE", "PROCESSLIST", "RANK", "RECURSIVE", "REFERENCES", "REGEXP", "RENAME",
	"REPLACE", "RIGHT", "ROLLBACK", "ROLLUP", "ROUND", "ROW_NUMBER", "RTRIM", "SCHEMA",
	"SECOND", "SELECT", "SESSION", "SET", "SHOW", "SMALLINT", "START", "STATUS",
	"STRAIGHT_JOIN", "SUBSTRING", "SUBSTRING_INDEX", "SUM", "TABLE", "TABLES", "TEMPORARY",
	"TEXT", "THEN", "TIME", "TIMESTAMP", "TIMESTAMPDIFF", "TINYINT", "TO", "TRANSACTION",
	"TRIGGER", "TRIM", "TRUE", "TRUNCATE", "UNION", "UNIQUE", "UNIX_TIMESTAMP", "UNSIGNED",
	"UPDATE", "UPPER", "USE", "USING", "UUID", "VALUES", "VARCHAR", "VARIABLES", "VIEW",
	"WARNINGS", "WHEN", "WHERE", "WINDOW", "WITH", "XOR", "YEAR",
}

// complIdentByte is what an unquoted identifier is made of. Unlike
// isWordByte it excludes '@', so that @@sql_mode is not mistaken for a
// name; bytes of multi-byte runes count, as MySQL allows them.
func complIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// complStmt locates the statement around the cursor. scan is a position
// known to be outside any quote, from which to look for one.
type complStmt struct{ start, end, scan int }

func complStatementAt(text string, cursor int) complStmt {
	stmts := Split(text)
	i := sort.Search(len(stmts), func(i int) bool { return stmts[i].Start > cursor }) - 1
	if i < 0 {
		return complStmt{cursor, cursor, 0}
	}
	s := stmts[i]
	// Split trims, so trailing blanks (or comments) still belong to the
	// statement, but anything else past its end is the delimiter.
	if cursor <= s.End || onlyComments(text[s.End:cursor]) {
		return complStmt{s.Start, s.End, s.Start}
	}
	return complStmt{cursor, cursor, s.Start}
}

// complOpenQuote returns the quote or comment opener the cursor is inside
// of, and where it starts; 0 when the cursor is in code.
func complOpenQuote(text string, from, cursor int) (byte, int) {
	for i := from; i < cursor; {
		n := skipQuotedOrComment(text, i)
		if n == i {
			i++
			continue
		}
		// Running to the end of the buffer is ambiguous: a string closed by
		// its last byte, or one never closed. Adding a newline tells them
		// apart (it also ends a -- comment, which then reaches past it).
		if n > cursor || n == len(text) && skipQuotedOrComment(text[i:]+"\n", 0) > len(text)-i {
			return text[i], i
		}
		i = n
	}
	return 0, 0
}

// complStatementTokens lexes the whole statement given the tokens before
// lead, lexing only the rest: a pasted INSERT can be 100 KB, and lexing it
// twice per keystroke is the bulk of the cost. lead is at a token boundary.
func complStatementTokens(text string, st complStmt, lead int, before []token) []token {
	if lead < st.start {
		return tokens(text[st.start:st.end])
	}
	if lead >= st.end {
		return before
	}
	depth := 0
	if n := len(before); n > 0 {
		depth = before[n-1].depth
		if before[n-1].punct == '(' {
			depth++
		}
	}
	after := tokens(text[lead:st.end])
	for i := range after {
		after[i].depth += depth
	}
	return append(before, after...)
}

// complIdentBefore reads the identifier, plain or backquoted, that ends
// at end, not looking before floor.
func complIdentBefore(s string, end, floor int) (name string, at int, ok bool) {
	if end-1 >= floor && s[end-1] == '`' {
		open := strings.LastIndexByte(s[floor:end-1], '`')
		if open < 0 {
			return "", 0, false
		}
		return s[floor+open+1 : end-1], floor + open, true
	}
	j := end
	for j > floor && complIdentByte(s[j-1]) {
		j--
	}
	return s[j:end], j, j < end
}

type complKind int

const (
	complGeneral complKind = iota
	complStart
	complTables
	complDatabases
)

// complContext decides what may follow the tokens before the word.
func complContext(ts []token) complKind { return complContextWith(ts, complFromIsClause) }

// complContextWith is complContext with a way to tell a FROM clause from a
// function's FROM, so that complRefs can answer that in one pass.
func complContextWith(ts []token, fromIsClause func(ts []token, i int) bool) complKind {
	n := len(ts)
	if n == 0 {
		return complStart
	}
	// DROP TABLE IF [NOT] EXISTS t and UPDATE LOW_PRIORITY IGNORE t: the
	// table keyword is further back.
	if ts[n-1].word == "EXISTS" {
		m := n - 1
		if m > 0 && ts[m-1].word == "NOT" {
			m--
		}
		if m > 0 && ts[m-1].word == "IF" {
			n = m - 1
		}
	}
	if m := n; m > 0 {
		for m > 0 && (ts[m-1].word == "LOW_PRIORITY" || ts[m-1].word == "IGNORE") {
			m--
		}
		if m < n && m > 0 && ts[m-1].word == "UPDATE" {
			n = m
		}
	}
	if n == 0 {
		return complGeneral
	}
	first, last := ts[0].word, ts[n-1]
	prev := ""
	if n >= 2 {
		prev = ts[n-2].word
	}
	if last.punct == ',' {
		return complListContext(ts[:n], fromIsClause)
	}
	switch last.word {
	case "FROM":
		if first == "SHOW" {
			return complShowFrom(ts[:n])
		}
		if fromIsClause(ts, n-1) {
			return complTables
		}
	case "IN":
		if first == "SHOW" {
			return complShowFrom(ts[:n])
		}
	case "JOIN":
		return complTables
	case "STRAIGHT_JOIN":
		if n >= 2 && prev != "SELECT" { // SELECT STRAIGHT_JOIN is a modifier
			return complTables
		}
	case "UPDATE":
		// ON DUPLICATE KEY UPDATE and FOR UPDATE are followed by columns.
		if prev != "KEY" && prev != "FOR" {
			return complTables
		}
	case "INTO":
		// SELECT ... INTO names variables or files.
		if first == "INSERT" || first == "REPLACE" {
			return complTables
		}
	case "TABLE":
		if first == "CREATE" && complCreatesName(ts[1:n-1]) {
			return complGeneral // a new name: offering existing ones is noise
		}
		if first == "SHOW" && n == 2 {
			return complGeneral // SHOW TABLE STATUS
		}
		return complTables
	case "TABLES":
		if first != "SHOW" {
			return complTables // LOCK TABLES, FLUSH TABLES
		}
	case "VIEW":
		if first == "DROP" || first == "ALTER" || first == "SHOW" {
			return complTables
		}
	case "DESCRIBE", "DESC", "TRUNCATE":
		// Only as the verb: ORDER BY x DESC is followed by keywords.
		if n == 1 {
			return complTables
		}
	case "USE":
		if n == 1 {
			return complDatabases
		}
	case "DATABASE", "SCHEMA":
		if first == "DROP" || first == "ALTER" || first == "SHOW" {
			return complDatabases
		}
	}
	return complGeneral
}

// complCreatesName reports whether the words between CREATE and TABLE are
// only CREATE's own modifiers, i.e. the next word is a new table's name.
func complCreatesName(ts []token) bool {
	if len(ts) > 3 { // CREATE OR REPLACE TEMPORARY TABLE is the longest
		return false
	}
	for _, t := range ts {
		if t.word != "TEMPORARY" && t.word != "OR" && t.word != "REPLACE" {
			return false
		}
	}
	return true
}

// complFromIsClause tells a query's FROM from the one inside EXTRACT(YEAR
// FROM d), TRIM(x FROM s) or SUBSTRING(s FROM 2): inside parentheses it is
// a clause only when the parentheses hold a query.
func complFromIsClause(ts []token, i int) bool {
	d := ts[i].depth
	if d <= 0 {
		return true
	}
	for j := i - 1; j >= 0; j-- {
		if ts[j].depth < d {
			return false
		}
		if ts[j].depth == d && (ts[j].word == "SELECT" || ts[j].word == "DELETE") {
			return true
		}
	}
	return true
}

// complShowFrom: SHOW COLUMNS/INDEX FROM takes a table, every other SHOW
// ... FROM/IN (and the second FROM of SHOW COLUMNS) a database.
func complShowFrom(ts []token) complKind {
	i := 1
	for i < len(ts) && (ts[i].word == "FULL" || ts[i].word == "EXTENDED") {
		i++
	}
	if i < len(ts) {
		switch ts[i].word {
		case "COLUMNS", "FIELDS", "INDEX", "INDEXES", "KEYS":
			for _, t := range ts[i+1 : len(ts)-1] {
				if t.word == "FROM" || t.word == "IN" {
					return complDatabases
				}
			}
			return complTables
		}
	}
	return complDatabases
}

// complClauseWords start the lists a comma can continue.
var complClauseWords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "SET": true, "ON": true, "USING": true,
	"GROUP": true, "ORDER": true, "BY": true, "HAVING": true, "LIMIT": true, "VALUES": true,
	"VALUE": true, "UPDATE": true, "JOIN": true, "INTO": true, "TABLE": true, "TABLES": true,
	"WINDOW": true, "PARTITION": true, "RETURNING": true, "UNION": true, "DUPLICATE": true,
}

// complListContext: after a comma, the clause that began the list at this
// parenthesis depth decides (FROM a, | wants a table; SELECT a, | does not).
func complListContext(ts []token, fromIsClause func([]token, int) bool) complKind {
	d := ts[len(ts)-1].depth
	for j := len(ts) - 2; j >= 0; j-- {
		t := ts[j]
		if t.depth < d {
			break
		}
		if t.depth == d && complClauseWords[t.word] {
			return complContextWith(ts[:j+1], fromIsClause)
		}
	}
	return complGeneral
}

// complRefSet is what a statement says about tables: the catalog tables it
// names, in order, and its aliases (to the catalog name, or "" when the
// alias stands for something we do not know, which must still shadow a
// table of that name).
type complRefSet struct {
	tables  []Table
	aliases map[string]string // upper-case alias -> catalog table name
	looked  map[string]string // upper-case name -> catalog name or "": a cache
}

// complListStarters are the words complContext may find a table list
// after; checking them first keeps the scan linear.
var complListStarters = map[string]bool{
	"FROM": true, "JOIN": true, "STRAIGHT_JOIN": true, "UPDATE": true, "INTO": true, "TABLE": true,
	"TABLES": true, "VIEW": true, "DESCRIBE": true, "DESC": true, "TRUNCATE": true,
}

// complNotAlias are words that may follow a table name without being its
// alias: the next clause, a join, an index hint, an ALTER action.
var complNotAlias = map[string]bool{
	"WHERE": true, "JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true, "CROSS": true,
	"NATURAL": true, "STRAIGHT_JOIN": true, "FULL": true, "OUTER": true, "ON": true, "USING": true,
	"SET": true, "ORDER": true, "GROUP": true, "HAVING": true, "LIMIT": true, "OFFSET": true,
	"UNION": true, "EXCEPT": true, "INTERSECT": true, "MINUS": true, "WINDOW": true, "FOR": true,
	"LOCK": true, "INTO": true, "VALUES": true, "VALUE": true, "SELECT": true, "PARTITION": true,
	"USE": true, "IGNORE": true, "FORCE": true, "READ": true, "WRITE": true, "LOW_PRIORITY": true,
	"ADD": true, "DROP": true, "MODIFY": true, "CHANGE": true, "ALTER": true, "RENAME": true,
	"ENGINE": true, "CONVERT": true, "DEFAULT": true, "CHARACTER": true, "CHARSET": true,
	"COLLATE": true, "COMMENT": true, "AUTO_INCREMENT": true, "ALGORITHM": true, "TO": true,
	"LIKE": true, "WITH": true, "RETURNING": true, "PROCEDURE": true, "CASCADE": true,
	"RESTRICT": true, "IN": true, "FROM": true, "WAIT": true, "NOWAIT": true, "DISABLE": true,
	"ENABLE": true, "DISCARD": true, "IMPORT": true, "OPTIMIZE": true, "ANALYZE": true,
	"CHECK": true, "REPAIR": true, "REMOVE": true, "TRUNCATE": true, "COALESCE": true,
	"REORGANIZE": true, "EXCHANGE": true, "QUICK": true, "EXTENDED": true,
}

// complRefs finds the tables a statement names. It is one pass over the
// tokens: complFromIsClause's walk back for every FROM would make a long
// statement quadratic, so whether each open parenthesis holds a query is
// tracked as it goes.
func complRefs(ts []token, cat Catalog) complRefSet {
	r := complRefSet{aliases: map[string]string{}, looked: map[string]string{}}
	var query []bool // query[d]: the parenthesis open at depth d holds a query
	for i, t := range ts {
		d := t.depth
		switch {
		case t.punct == '(' && d+1 > 0:
			for len(query) <= d+1 {
				query = append(query, false)
			}
			query[d+1] = false
		case (t.word == "SELECT" || t.word == "DELETE") && d > 0 && d < len(query):
			query[d] = true
		}
		if !complListStarters[t.word] {
			continue
		}
		clause := d <= 0 || d < len(query) && query[d]
		if complContextWith(ts[:i+1], func([]token, int) bool { return clause }) == complTables {
			r.readList(ts, i+1, cat)
		}
	}
	return r
}

// readList reads `[db.]name [[AS] alias] [, ...]` from j.
func (r *complRefSet) readList(ts []token, j int, cat Catalog) {
	for j < len(ts) {
		for j < len(ts) && complListNoise(ts[j].word) {
			j++
		}
		if j >= len(ts) || ts[j].word == "" || ts[j].word == "'" {
			return
		}
		db, name := "", ts[j].word
		j++
		if j+1 < len(ts) && ts[j].punct == '.' && ts[j+1].word != "" {
			db, name = name, ts[j+1].word
			j += 2
		}
		found := ""
		if db == "" || strings.EqualFold(db, cat.Database) {
			var seen bool
			if found, seen = r.looked[name]; !seen {
				if tb, ok := cat.Table(name); ok {
					found = tb.Name
					r.tables = append(r.tables, tb)
				}
				r.looked[name] = found
			}
		}
		alias := ""
		switch {
		case j < len(ts) && ts[j].word == "AS":
			j++
			if j < len(ts) && ts[j].word != "" && ts[j].word != "'" {
				alias = ts[j].word
				j++
			}
		case j < len(ts) && ts[j].word != "" && ts[j].word != "'" && !complNotAlias[ts[j].word]:
			alias = ts[j].word
			j++
		}
		if alias != "" {
			r.aliases[alias] = found
		}
		if j < len(ts) && ts[j].punct == ',' {
			j++
			continue
		}
		return
	}
}

// complListNoise are the modifiers between a table keyword and the table.
func complListNoise(w string) bool {
	switch w {
	case "IF", "NOT", "EXISTS", "LOW_PRIORITY", "IGNORE", "QUICK", "ONLY":
		return true
	}
	return false
}

// complCollector gathers candidates in order, dropping those that do not
// match and those already offered in another case (a column `status` and
// the keyword STATUS would insert the same text).
type complCollector struct {
	prefix string
	seen   map[string]struct{}
	items  []string
}

func (c *complCollector) add(s string) {
	if s == "" || len(s) < len(c.prefix) || !strings.EqualFold(s[:len(c.prefix)], c.prefix) {
		return
	}
	k := strings.ToLower(s)
	if _, dup := c.seen[k]; dup {
		return
	}
	if c.seen == nil {
		c.seen = map[string]struct{}{}
	}
	c.seen[k] = struct{}{}
	c.items = append(c.items, s)
}

func (c *complCollector) columns(t Table) {
	for _, col := range t.Columns {
		c.add(col.Name)
	}
}

func (c *complCollector) tables(cat Catalog) {
	for _, t := range cat.Tables {
		c.add(t.Name)
	}
}

func (c *complCollector) keywords() {
	lower := complLowerCase(c.prefix)
	for _, kw := range complKeywords {
		if lower {
			kw = strings.ToLower(kw)
		}
		c.add(kw)
	}
}

// qualified offers what can follow `name.` (or `db.name.`) whose dot is
// at dot: an alias's or a table's columns, or the current database's
// tables. Other databases' tables are unknown, so they get nothing.
func (c *complCollector) qualified(text string, dot int, st complStmt, cat Catalog) {
	name, at, ok := complIdentBefore(text, dot, st.start)
	if !ok {
		return
	}
	db := ""
	if at > st.start && text[at-1] == '.' {
		if db, _, ok = complIdentBefore(text, at-1, st.start); !ok {
			return
		}
	}
	if db == "" {
		refs := complRefs(tokens(text[st.start:st.end]), cat)
		if table, ok := refs.aliases[strings.ToUpper(name)]; ok {
			if t, ok := cat.Table(table); ok && table != "" {
				c.columns(t)
			}
			return
		}
	}
	if db == "" || strings.EqualFold(db, cat.Database) {
		if t, ok := cat.Table(name); ok {
			c.columns(t)
			return
		}
	}
	if db == "" && cat.Database != "" && strings.EqualFold(name, cat.Database) {
		c.tables(cat)
	}
}

// complLowerCase reports whether the user is typing keywords in lower
// case: some lower-case letter and no upper-case one.
func complLowerCase(p string) bool {
	lower := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case 'A' <= c && c <= 'Z':
			return false
		case 'a' <= c && c <= 'z':
			lower = true
		}
	}
	return lower
}
