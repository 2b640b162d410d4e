package logtext

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxLineBytes bounds one joined log line; the rest of a longer line is
// dropped and the line marked Truncated.
const MaxLineBytes = 64 << 10

// lineJoiner rebuilds whole lines from the engine's chunks. The engine splits
// a line longer than 16 KB into several messages, each with its own timestamp
// and only the last ending in a newline.
type lineJoiner struct {
	stream    Stream
	buf       []byte
	first     time.Time // timestamp of the first chunk of the pending line
	truncated bool
	emit      func(LogLine)
}

func (j *lineJoiner) add(ts time.Time, chunk []byte) {
	for len(chunk) > 0 {
		if len(j.buf) == 0 && !j.truncated {
			j.first = ts
		}
		i := bytes.IndexByte(chunk, '\n')
		part := chunk
		if i >= 0 {
			part = chunk[:i]
		}
		if room := MaxLineBytes - len(j.buf); room > 0 {
			j.buf = append(j.buf, part[:min(room, len(part))]...)
		}
		if len(j.buf)+len(part) > MaxLineBytes {
			j.truncated = true
		}
		if i < 0 {
			return
		}
		j.flush()
		chunk = chunk[i+1:]
	}
}

func (j *lineJoiner) flush() {
	if len(j.buf) == 0 && !j.truncated {
		j.emit(LogLine{Stream: j.stream, Time: j.first})
		return
	}
	text := bytes.TrimSuffix(j.buf, []byte("\r"))
	j.emit(LogLine{Stream: j.stream, Time: j.first, Text: Sanitize(string(text)), Truncated: j.truncated})
	j.buf, j.truncated, j.first = j.buf[:0], false, time.Time{}
}

// splitTimestamp removes the RFC 3339 timestamp the engine puts before each
// message when asked for timestamps.
func splitTimestamp(b []byte) (time.Time, []byte) {
	sp := bytes.IndexByte(b, ' ')
	if sp < 20 || sp > 40 {
		return time.Time{}, b
	}
	ts, err := time.Parse(time.RFC3339Nano, string(b[:sp]))
	if err != nil {
		return time.Time{}, b
	}
	return ts, b[sp+1:]
}

// ReadLogStream reads a container's log stream until EOF or error and emits
// every complete, sanitised line. For containers without a TTY the engine
// multiplexes stdout and stderr in frames (an 8-byte header: stream, three
// zero bytes, big-endian length); with a TTY the stream is raw stdout. A
// final line without a newline is emitted at EOF.
func ReadLogStream(r io.Reader, tty, timestamps bool, emit func(LogLine)) error {
	joiners := map[Stream]*lineJoiner{
		Stdout: {stream: Stdout, emit: emit},
		Stderr: {stream: Stderr, emit: emit},
	}
	finish := func() {
		for _, s := range []Stream{Stdout, Stderr} {
			if j := joiners[s]; len(j.buf) > 0 || j.truncated {
				j.flush()
			}
		}
	}
	if tty {
		br := bufio.NewReaderSize(r, 32<<10)
		for {
			line, err := br.ReadSlice('\n')
			if len(line) > 0 {
				j := joiners[Stdout]
				var ts time.Time
				if timestamps && len(j.buf) == 0 && !j.truncated { // only a line's first read starts with one
					ts, line = splitTimestamp(line)
				}
				j.add(ts, line)
			}
			switch {
			case err == nil, errors.Is(err, bufio.ErrBufferFull):
				continue
			case errors.Is(err, io.EOF):
				finish()
				return nil
			default:
				finish()
				return err
			}
		}
	}
	br := bufio.NewReaderSize(r, 32<<10)
	var hdr [8]byte
	payload := make([]byte, 0, 16<<10)
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			finish()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("log stream ended inside a frame header: %w", err)
			}
			return err
		}
		stream := Stream(hdr[0])
		size := binary.BigEndian.Uint32(hdr[4:])
		if stream == 0 || stream > Stderr {
			// stdin (0) never carries logs; anything else means we lost sync.
			if stream != 0 {
				finish()
				return fmt.Errorf("log stream: unexpected frame type %d (is this a TTY container?)", hdr[0])
			}
		}
		if size > 1<<24 {
			finish()
			return fmt.Errorf("log stream: frame of %d bytes is not plausible", size)
		}
		if cap(payload) < int(size) {
			payload = make([]byte, size)
		}
		payload = payload[:size]
		if _, err := io.ReadFull(br, payload); err != nil {
			finish()
			return fmt.Errorf("log stream ended inside a frame: %w", err)
		}
		if stream == 0 {
			continue
		}
		ts, text := time.Time{}, payload
		if timestamps {
			ts, text = splitTimestamp(payload)
		}
		joiners[stream].add(ts, text)
	}
}
