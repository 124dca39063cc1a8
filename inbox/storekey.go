package inbox

// This file keeps the key of the store's hashes apart from the database:
// a copy of the database alone (a backup, a support ticket) then says
// nothing of who wrote or which message, since no address or Message-ID
// can be confirmed against its hashes without the key.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// StoreOptions say where the store's key is.
type StoreOptions struct {
	// Key is the key of the store's hashes, at least MinKeySize bytes;
	// nil: read from KeyFile.
	Key []byte
	// KeyFile holds the key in hex ("" is the state's path and ".key").
	// It is made, readable by its owner only, with a random key when the
	// state is new.
	KeyFile string
}

// Sizes of a store's key.
const (
	// MinKeySize is the shortest key accepted: 128 bits.
	MinKeySize = 16
	// newKeySize is the size of a key made: that of HMAC-SHA256's block
	// hash output (RFC 2104 section 3 recommends at least that).
	newKeySize = 32
)

// ErrStateKey is returned by OpenStore when the key is missing or is
// not the one the state was written with: its hashes could not be
// matched, so a message already answered would be answered again.
var ErrStateKey = errors.New("inbox: the state's key")

// meta keys of the store.
const (
	metaLegacySalt = "salt"      // the key, kept in the database before it had its own file
	metaKeyCheck   = "key_check" // proves a key is the state's own
	metaIDs        = "ids"       // "hmac" once Message-IDs are stored hashed
)

// keyCheck is what metaKeyCheck holds for key.
func keyCheck(key []byte) []byte {
	return []byte(hmacHex(key, "tessera inbox state key"))
}

// takeKey sets the store's key, from opts or its file, making it when
// the state is new; a key kept in the database by an older tessera is
// moved to the file, and Message-IDs kept in clear are hashed.
func (s *Store) takeKey(ctx context.Context, tx *sql.Tx, opts StoreOptions) error {
	meta := func(k string) ([]byte, error) {
		var v []byte
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, k).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return v, err
	}
	legacy, err := meta(metaLegacySalt)
	if err != nil {
		return err
	}
	check, err := meta(metaKeyCheck)
	if err != nil {
		return err
	}
	key := opts.Key
	if key == nil {
		key, err = readKey(opts.KeyFile)
		switch {
		case errors.Is(err, fs.ErrNotExist) && legacy == nil && check != nil:
			return fmt.Errorf("%w: %s is missing; restore it (without it, messages already answered would be answered again), or start a new state", ErrStateKey, opts.KeyFile)
		case errors.Is(err, fs.ErrNotExist):
			key = legacy
			if key == nil {
				key = make([]byte, newKeySize)
				rand.Read(key)
			}
			if err := writeKey(opts.KeyFile, key); err != nil {
				return err
			}
		case err != nil:
			return err
		}
	}
	if len(key) < MinKeySize {
		return fmt.Errorf("%w: %d bytes, want at least %d", ErrStateKey, len(key), MinKeySize)
	}
	if check != nil && !hmac.Equal(check, keyCheck(key)) || check == nil && legacy != nil && !bytes.Equal(legacy, key) {
		return fmt.Errorf("%w: not the key this state was written with", ErrStateKey)
	}
	s.key = key
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, metaKeyCheck, keyCheck(key)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaLegacySalt); err != nil {
		return err
	}
	ids, err := meta(metaIDs)
	if err != nil || string(ids) == "hmac" {
		return err
	}
	return s.hashIDs(ctx, tx)
}

// hashIDs replaces the Message-IDs an older tessera kept in clear by
// their hashes.
func (s *Store) hashIDs(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT message_id FROM messages WHERE message_id != ''`)
	if err != nil {
		return err
	}
	var clear []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		clear = append(clear, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range clear {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET message_id = ? WHERE message_id = ?`, s.idHash(id), id); err != nil {
			return fmt.Errorf("hash Message-IDs: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, 'hmac')`, metaIDs)
	return err
}

// readKey reads a key file, the key in hex, and makes it readable by its
// owner only.
func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inbox: state key: %w", err)
	}
	if err := tighten(path); err != nil {
		return nil, fmt.Errorf("inbox: state key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: not hex", ErrStateKey, path)
	}
	return key, nil
}

// writeKey writes key to a new file at path, readable by its owner only.
func writeKey(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("inbox: state key: %w", err)
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(key)); err != nil {
		f.Close()
		return fmt.Errorf("inbox: state key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("inbox: state key %s: %w", path, err)
	}
	return f.Close()
}

// ownerOnly makes the database at path, and its journal files when they
// are there, readable and writable by their owner only, creating the
// database file when missing: SQLite gives the files it makes beside it
// the database's own permissions.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("inbox: state: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := tighten(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("inbox: state: %w", err)
		}
	}
	return nil
}

// tighten makes the file at path readable and writable by its owner only
// when anyone else may read or write it.
func tighten(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return os.Chmod(path, 0o600)
	}
	return nil
}
