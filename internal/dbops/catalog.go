package dbops

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Catalog is what the schema browser and completion know about the server:
// the databases the user can see and the tables of the current one.
type Catalog struct {
	Database  string   // the current database ("" when none is selected)
	Databases []string // every database the user can see
	Tables    []Table  // the current database's tables, by name
}

// Table is one table or view with the server's estimates.
type Table struct {
	Name       string
	Kind       string // BASE TABLE, VIEW, ...
	Rows       int64  // the storage engine's estimate (InnoDB's is rough)
	DataBytes  int64
	IndexBytes int64
	Columns    []Column
	Indexes    []Index
}

// Column is one column of a table.
type Column struct {
	Name     string
	Type     string // as the server spells it, e.g. varchar(255)
	Nullable bool
	Key      string // PRI, UNI, MUL or ""
}

// Index is one index of a table.
type Index struct {
	Name    string
	Unique  bool
	Columns []string // in index order
}

// Table finds a table by name, case-insensitively as MySQL does on Linux
// for unquoted identifiers in completion.
func (c Catalog) Table(name string) (Table, bool) {
	for _, t := range c.Tables {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return Table{}, false
}

// Catalog reads the schema browser's view of the server from
// information_schema: every visible database, and the tables of database
// (none when empty) with their estimates, columns and indexes. It uses a
// pooled connection, not the pinned one, so it can run while a statement
// does; for the same reason it takes the database as an argument rather
// than reading the session's.
func (s *Session) Catalog(ctx context.Context, database string) (Catalog, error) {
	cat := Catalog{Database: database}
	err := s.each(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME", nil, func(r *sql.Rows) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		cat.Databases = append(cat.Databases, name)
		return nil
	})
	if err != nil || database == "" {
		return cat, err
	}
	index := map[string]int{}
	err = s.each(ctx, `SELECT TABLE_NAME, TABLE_TYPE, COALESCE(TABLE_ROWS, 0), COALESCE(DATA_LENGTH, 0), COALESCE(INDEX_LENGTH, 0)
		FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, []any{database}, func(r *sql.Rows) error {
		var t Table
		if err := r.Scan(&t.Name, &t.Kind, &t.Rows, &t.DataBytes, &t.IndexBytes); err != nil {
			return err
		}
		index[t.Name] = len(cat.Tables)
		cat.Tables = append(cat.Tables, t)
		return nil
	})
	if err != nil {
		return cat, err
	}
	err = s.each(ctx, `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`, []any{database}, func(r *sql.Rows) error {
		var table, nullable string
		var c Column
		if err := r.Scan(&table, &c.Name, &c.Type, &nullable, &c.Key); err != nil {
			return err
		}
		c.Nullable = nullable == "YES"
		if i, ok := index[table]; ok {
			cat.Tables[i].Columns = append(cat.Tables[i].Columns, c)
		}
		return nil
	})
	if err != nil {
		return cat, err
	}
	err = s.each(ctx, `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME
		FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX`, []any{database}, func(r *sql.Rows) error {
		var table, name string
		var column sql.NullString // NULL for a MySQL functional key part
		var nonUnique int
		if err := r.Scan(&table, &name, &nonUnique, &column); err != nil {
			return err
		}
		col := column.String
		if !column.Valid {
			col = "(expression)"
		}
		i, ok := index[table]
		if !ok {
			return nil
		}
		idx := cat.Tables[i].Indexes
		if n := len(idx); n > 0 && idx[n-1].Name == name {
			idx[n-1].Columns = append(idx[n-1].Columns, col)
		} else {
			cat.Tables[i].Indexes = append(idx, Index{Name: name, Unique: nonUnique == 0, Columns: []string{col}})
		}
		return nil
	})
	return cat, err
}

// each runs a catalog query on the pool and hands each row to fn.
func (s *Session) each(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read the catalog: %w", classifyErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("read the catalog: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the catalog: %w", classifyErr(err))
	}
	return nil
}
