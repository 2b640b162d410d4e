package dbops

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Format is an output format for rows: CSV or JSON Lines.
type Format string

// The formats a result or an export can be written in.
const (
	CSV   Format = "csv"   // a header line, NULL as \N, binary as 0x-hex
	JSONL Format = "jsonl" // one object per row, NULL as null, binary as "0x..."
)

// ParseFormat accepts csv, json or jsonl.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "csv":
		return CSV, nil
	case "json", "jsonl":
		return JSONL, nil
	}
	return "", fmt.Errorf("format %q: use csv or jsonl", s)
}

// RowWriter writes rows in a Format. It keeps no row: each is encoded into
// a buffer and written through, so an export of any size runs in constant
// memory.
type RowWriter struct {
	w      *bufio.Writer
	format Format
	binary []bool
	buf    []byte
	keys   [][]byte // JSON-encoded column names, encoded once
	Bytes  int64    // bytes written so far
}

// NewRowWriter starts a RowWriter; for CSV it writes the header now.
func NewRowWriter(w io.Writer, f Format, columns []string, binary []bool) (*RowWriter, error) {
	rw := &RowWriter{w: bufio.NewWriterSize(w, 64<<10), format: f, binary: binary}
	switch f {
	case CSV:
		for i, c := range columns {
			if i > 0 {
				rw.buf = append(rw.buf, ',')
			}
			rw.buf = appendCSVField(rw.buf, []byte(c), false)
		}
		rw.buf = append(rw.buf, '\n')
		return rw, rw.flushLine()
	case JSONL:
		// Keys must be unique for a JSON object to keep every column:
		// SELECT a.id, b.id gives id and id_2.
		seen := map[string]bool{}
		for _, c := range columns {
			key := strings.ToValidUTF8(c, "\uFFFD")
			for n := 2; seen[key]; n++ {
				key = fmt.Sprintf("%s_%d", c, n)
			}
			seen[key] = true
			rw.keys = append(rw.keys, appendJSONString(nil, []byte(key)))
		}
		return rw, nil
	}
	return nil, fmt.Errorf("format %q: use csv or jsonl", f)
}

// Write encodes one row. A cell's Bytes are not retained.
func (rw *RowWriter) Write(row []Cell) error {
	rw.buf = rw.buf[:0]
	switch rw.format {
	case CSV:
		for i, c := range row {
			if i > 0 {
				rw.buf = append(rw.buf, ',')
			}
			switch {
			case c.Null:
				rw.buf = append(rw.buf, '\\', 'N')
			case rw.binary[i]:
				rw.buf = appendHex(rw.buf, c.Bytes)
			default:
				rw.buf = appendCSVField(rw.buf, c.Bytes, true)
			}
		}
		rw.buf = append(rw.buf, '\n')
	case JSONL:
		rw.buf = append(rw.buf, '{')
		for i, c := range row {
			if i > 0 {
				rw.buf = append(rw.buf, ',')
			}
			rw.buf = append(rw.buf, rw.keys[i]...)
			rw.buf = append(rw.buf, ':')
			switch {
			case c.Null:
				rw.buf = append(rw.buf, "null"...)
			case rw.binary[i] || !utf8.Valid(c.Bytes):
				rw.buf = append(rw.buf, '"')
				rw.buf = appendHex(rw.buf, c.Bytes)
				rw.buf = append(rw.buf, '"')
			default:
				rw.buf = appendJSONString(rw.buf, c.Bytes)
			}
		}
		rw.buf = append(rw.buf, '}', '\n')
	}
	return rw.flushLine()
}

func (rw *RowWriter) flushLine() error {
	n, err := rw.w.Write(rw.buf)
	rw.Bytes += int64(n)
	rw.buf = rw.buf[:0]
	return err
}

// Flush writes out what is buffered.
func (rw *RowWriter) Flush() error { return rw.w.Flush() }

// appendCSVField quotes a field when it must be (RFC 4180), and also a text
// value that reads as \N or starts with 0x, so that it stays distinct from
// NULL and from a binary value (written unquoted as 0x-hex).
func appendCSVField(dst, v []byte, text bool) []byte {
	quote := text && (len(v) == 2 && v[0] == '\\' && v[1] == 'N' || bytes.HasPrefix(v, []byte("0x")))
	for _, c := range v {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func appendHex(dst, v []byte) []byte {
	dst = append(dst, '0', 'x')
	return hex.AppendEncode(dst, v)
}

// appendJSONString writes valid UTF-8 as a JSON string.
func appendJSONString(dst, v []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i, c := range v {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, v[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, v[start:]...)
	return append(dst, '"')
}

// ExportProgress is how far an export has got.
type ExportProgress struct {
	Rows, Bytes int64
	Elapsed     time.Duration
}

// ErrNotAQuery says an export was asked of a statement that returns no
// rows or that is not a plain read.
var ErrNotAQuery = errors.New("only a read statement that returns rows can be exported")

// Export runs a read statement without the display cap and streams every
// row straight from the server's cursor to w, reporting progress at most
// every progressEvery. Nothing is kept between rows, so memory stays flat
// whatever the size. The session's display cap is lifted for the export
// and put back by the next Run.
func (s *Session) Export(ctx context.Context, stmt string, f Format, w io.Writer, progress func(ExportProgress)) (ExportProgress, error) {
	var p ExportProgress
	if Classify(stmt) != Read {
		return p, ErrNotAQuery
	}
	start := time.Now()
	if s.cap != 0 {
		if _, err := s.conn.ExecContext(ctx, "SET SESSION sql_select_limit = DEFAULT"); err != nil {
			return p, fmt.Errorf("lift the row cap: %w", classifyErr(err))
		}
		s.cap = 0
	}
	// An export of a big table outlasts the interactive time limit, which
	// guards against a forgotten WHERE in the grid, not against a dump the
	// user asked for (and can cancel).
	if s.readOnly {
		if _, err := s.conn.ExecContext(ctx, s.timeLimit(0)); err != nil {
			return p, fmt.Errorf("lift the time limit: %w", classifyErr(err))
		}
		defer s.conn.ExecContext(context.WithoutCancel(ctx), s.timeLimit(s.timeout))
	}
	rows, cols, err := s.query(ctx, stmt)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	if len(cols.names) == 0 {
		return p, ErrNotAQuery
	}
	rw, err := NewRowWriter(w, f, cols.names, cols.binary)
	if err != nil {
		return p, err
	}
	raw, ptrs := scanTargets(len(cols.names))
	row := make([]Cell, len(raw))
	last := start
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return p, classifyErr(err)
		}
		for i, b := range raw {
			row[i] = Cell{Null: b == nil, Bytes: b}
		}
		if err := rw.Write(row); err != nil {
			// Stop the query on the server: closing the cursor would make
			// the driver read the rest of it first.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			s.Cancel(cctx)
			cancel()
			return p, fmt.Errorf("write the export: %w", err)
		}
		p.Rows++
		// Look at the clock only now and then: it is the hot loop.
		if progress != nil && p.Rows&4095 == 0 {
			if now := time.Now(); now.Sub(last) >= progressEvery {
				last = now
				p.Bytes, p.Elapsed = rw.Bytes, now.Sub(start)
				progress(p)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return p, classifyErr(err)
	}
	if err := rw.Flush(); err != nil {
		return p, fmt.Errorf("write the export: %w", err)
	}
	p.Bytes, p.Elapsed = rw.Bytes, time.Since(start)
	if progress != nil {
		progress(p)
	}
	return p, nil
}

// progressEvery is how often an export reports.
const progressEvery = 100 * time.Millisecond
