package dbops

import (
	"regexp"
	"strings"
)

// Class is what a statement does, for deciding whether it may run without
// asking.
type Class int

// The classes, from harmless to dangerous. Unknown statements are treated
// as writes: when in doubt, ask.
const (
	Read        Class = iota // SELECT, SHOW, DESCRIBE, EXPLAIN of a read ...
	SessionVar               // USE, SET of a session variable
	Transaction              // BEGIN, COMMIT, ROLLBACK, SAVEPOINT
	Write                    // changes rows, files or runs unknown code
	Schema                   // CREATE, ALTER, DROP, TRUNCATE, RENAME
	Admin                    // GRANT, KILL, FLUSH, LOCK, SHUTDOWN ...
)

func (c Class) String() string {
	return [...]string{"read", "session", "transaction", "write", "schema", "admin"}[c]
}

// NeedsConfirmation reports whether the pane must ask before running it.
func (c Class) NeedsConfirmation() bool { return c >= Write }

// token is a word or a punctuation mark outside strings and comments.
type token struct {
	word  string // upper-cased keyword or identifier; "" for punctuation
	punct byte
	depth int // parenthesis depth at the token
}

// tokens lexes a statement. Strings, quoted identifiers and comments are
// skipped (a string becomes the placeholder word "'"); the inside of an
// executable comment /*!NNNNN ... */ is lexed as code, because the server
// runs it.
func tokens(s string) []token { return lex(s, true) }

// lex is tokens with a choice for executable comments: as code (what a
// server new enough runs) or as comments (what an older one, or the other
// brand, skips). Callers that decide safety look at both readings.
func lex(s string, execAsCode bool) []token {
	var out []token
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c <= ' ' || c == 0x7f:
			i++
		case !execAsCode && (strings.HasPrefix(s[i:], "/*!") || strings.HasPrefix(s[i:], "/*M!")):
			if j := strings.Index(s[i+2:], "*/"); j >= 0 {
				i += 2 + j + 2
			} else {
				i = len(s)
			}
		case strings.HasPrefix(s[i:], "/*!") || strings.HasPrefix(s[i:], "/*M!"):
			i += strings.IndexByte(s[i:], '!') + 1
			for i < len(s) && s[i] >= '0' && s[i] <= '9' { // the version
				i++
			}
		case strings.HasPrefix(s[i:], "*/"):
			i += 2 // the end of an executable comment
		case c == '\'' || c == '"':
			i = skipQuotedOrComment(s, i)
			out = append(out, token{word: "'", depth: depth})
		case c == '`':
			j := skipQuotedOrComment(s, i)
			out = append(out, token{word: strings.ToUpper(strings.Trim(s[i:j], "`")), depth: depth})
			i = j
		case c == '#' || c == '-' || c == '/':
			if j := skipQuotedOrComment(s, i); j > i {
				i = j
				continue
			}
			out = append(out, token{punct: c, depth: depth})
			i++
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, token{word: strings.ToUpper(s[i:j]), depth: depth})
			i = j
		default:
			if c == ')' {
				depth--
			}
			out = append(out, token{punct: c, depth: depth})
			if c == '(' {
				depth++
			}
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c == '@' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// Classify says what one statement does. It reads the statement's tokens,
// not its first characters: comments before the verb, WITH clauses, EXPLAIN
// ANALYZE, executable comments and SELECT ... INTO OUTFILE are all seen
// through.
func Classify(stmt string) Class {
	// Executable comments read both ways; the stricter reading wins.
	return max(classifyTokens(lex(stmt, true)), classifyTokens(lex(stmt, false)))
}

func classifyTokens(toks []token) Class {
	// Leading parentheses: (SELECT ...) UNION ...
	for len(toks) > 0 && toks[0].punct == '(' {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return Read // nothing but comments: nothing runs
	}
	return classifyFrom(toks)
}

func classifyFrom(toks []token) Class {
	if len(toks) == 0 {
		return Write
	}
	first := toks[0].word
	rest := toks[1:]
	switch first {
	case "SELECT", "TABLE", "VALUES":
		return selectClass(toks)
	case "WITH":
		// The statement after the common table expressions decides.
		for i, t := range rest {
			if t.depth == toks[0].depth {
				switch t.word {
				case "SELECT", "TABLE", "VALUES":
					return max(selectClass(rest[i:]), anyWrite(rest[:i]))
				case "INSERT", "UPDATE", "DELETE", "REPLACE":
					return Write
				}
			}
		}
		return Write
	case "SHOW", "DESCRIBE", "DESC", "HELP":
		return Read
	case "EXPLAIN":
		// EXPLAIN ANALYZE runs the statement; plain EXPLAIN does not.
		if len(rest) > 0 && rest[0].word == "ANALYZE" {
			return classifyFrom(skipOptions(rest[1:]))
		}
		return Read
	case "ANALYZE":
		// MariaDB's ANALYZE <statement> executes it; ANALYZE TABLE is upkeep.
		if len(rest) > 0 && (rest[0].word == "TABLE" || rest[0].word == "NO_WRITE_TO_BINLOG" || rest[0].word == "LOCAL") {
			return Admin
		}
		return classifyFrom(skipOptions(rest))
	case "CHECK", "CHECKSUM":
		return Read
	case "USE":
		return SessionVar
	case "SET":
		// SET STATEMENT var=value FOR stmt: as careful as its statement.
		if len(rest) > 0 && rest[0].word == "STATEMENT" {
			for i, t := range rest {
				if t.word == "FOR" && t.depth == toks[0].depth {
					return max(setClass(rest[:i]), classifyFrom(rest[i+1:]))
				}
			}
			return Write
		}
		return setClass(rest)
	case "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START", "XA":
		if first == "BEGIN" && len(rest) > 0 && rest[0].word == "NOT" {
			return Write // BEGIN NOT ATOMIC: a compound statement, any code
		}
		if first == "START" && (len(rest) == 0 || rest[0].word != "TRANSACTION") {
			return Admin // START SLAVE / REPLICA / GROUP_REPLICATION
		}
		return Transaction
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD", "CALL", "DO", "HANDLER", "IMPORT":
		return Write
	case "CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME":
		if len(rest) > 0 && (rest[0].word == "USER" || rest[0].word == "ROLE") {
			return Admin
		}
		return Schema
	case "GRANT", "REVOKE", "KILL", "FLUSH", "LOCK", "UNLOCK", "SHUTDOWN", "RESTART", "INSTALL", "UNINSTALL",
		"RESET", "PURGE", "CHANGE", "STOP", "OPTIMIZE", "REPAIR", "CACHE", "BINLOG", "CLONE", "BACKUP":
		return Admin
	}
	// PREPARE/EXECUTE run text we cannot see; anything unknown asks.
	return Write
}

func skipOptions(toks []token) []token {
	for len(toks) > 0 && (toks[0].word == "FORMAT" || toks[0].word == "=" || toks[0].word == "TREE" || toks[0].word == "JSON" || toks[0].word == "TRADITIONAL" || toks[0].punct == '=') {
		toks = toks[1:]
	}
	return toks
}

// selectClass is Read unless the query writes a file or calls something
// that may write (INTO OUTFILE/DUMPFILE; a stored function cannot be seen
// through, but plain SELECT of functions is not flagged: that would make
// every query ask).
func selectClass(toks []token) Class {
	for i, t := range toks {
		if t.word == "INTO" && i+1 < len(toks) && (toks[i+1].word == "OUTFILE" || toks[i+1].word == "DUMPFILE") {
			return Write
		}
	}
	return Read
}

// anyWrite catches a write hidden in a CTE body (MySQL does not allow it,
// but a server that did would run it).
func anyWrite(toks []token) Class {
	for _, t := range toks {
		switch t.word {
		case "INSERT", "UPDATE", "DELETE", "REPLACE":
			return Write
		}
	}
	return Read
}

// setClass: SET of session variables is Session; SET PASSWORD, SET ROLE
// DEFAULT, SET GLOBAL and SET PERSIST change the server or accounts.
func setClass(rest []token) Class {
	if len(rest) > 0 && rest[0].word == "DEFAULT" {
		return Admin // SET DEFAULT ROLE: an account's setting
	}
	for _, t := range rest {
		switch t.word {
		case "PASSWORD", "GLOBAL", "PERSIST", "PERSIST_ONLY", "@@GLOBAL":
			return Admin
		}
		if strings.HasPrefix(t.word, "@@GLOBAL.") || strings.HasPrefix(t.word, "@@PERSIST") {
			return Admin
		}
	}
	return SessionVar
}

// LiftsReadOnly reports whether a statement would make a read-only session
// writable for what follows: SET [SESSION] TRANSACTION READ WRITE,
// tx_read_only / transaction_read_only, autocommit (which changes what a
// transaction is), START TRANSACTION READ WRITE, also inside SET STATEMENT.
// The pane refuses these: it asks for each write instead.
func LiftsReadOnly(stmt string) bool {
	return liftsReadOnly(lex(stmt, true)) || liftsReadOnly(lex(stmt, false))
}

func liftsReadOnly(toks []token) bool {
	if len(toks) == 0 {
		return false
	}
	switch toks[0].word {
	case "SET":
		for i, t := range toks {
			if t.word == "FOR" && len(toks) > 1 && toks[1].word == "STATEMENT" {
				return liftsIn(toks[:i]) || liftsRest(toks[i+1:])
			}
		}
		return liftsIn(toks)
	case "START":
		return liftsIn(toks)
	}
	return false
}

func liftsRest(toks []token) bool {
	if len(toks) == 0 {
		return false
	}
	switch toks[0].word {
	case "SET", "START":
		return liftsIn(toks)
	}
	return false
}

func liftsIn(toks []token) bool {
	for i, t := range toks {
		w := t.word
		switch {
		case strings.Contains(w, "TX_READ_ONLY"), strings.Contains(w, "TRANSACTION_READ_ONLY"),
			w == "AUTOCOMMIT", strings.HasSuffix(w, ".AUTOCOMMIT"), w == "@@AUTOCOMMIT":
			return true
		case w == "READ" && i+1 < len(toks) && toks[i+1].word == "WRITE":
			return true
		}
	}
	return false
}

// ContainsSecret reports whether a statement carries a password, so that it
// is never written to history: IDENTIFIED BY/WITH, PASSWORD(...), SET
// PASSWORD, and the master/source password options of replication.
func ContainsSecret(stmt string) bool {
	// user:password@ in a connection string (FEDERATED, SPIDER, CONNECT
	// tables) sits inside a quoted string, which the lexer does not read.
	if credentialsInURL.MatchString(stmt) {
		return true
	}
	return containsSecret(lex(stmt, true)) || containsSecret(lex(stmt, false))
}

// credentialsInURL matches scheme://user:password@ anywhere in the text.
var credentialsInURL = regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://[^/\s:@'"]+:[^@\s'"]*@`)

func containsSecret(toks []token) bool {
	for i, t := range toks {
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].word
		}
		switch {
		case t.word == "IDENTIFIED" && (next == "BY" || next == "WITH" || next == "VIA"):
			return true
		case t.word == "PASSWORD":
			return true
		case t.word == "MASTER_PASSWORD" || t.word == "SOURCE_PASSWORD":
			return true
		case t.word == "OPTION_LIST" || t.word == "CONNECTION" && i+1 < len(toks) && (toks[i+1].punct == '=' || toks[i+1].word == "'"):
			// CONNECT tables carry password=... in OPTION_LIST, FEDERATED
			// ones a URL in CONNECTION.
			return true
		}
	}
	return false
}
