package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"ecinema/culture/ticketing"
)

const ticketkeyUsage = `usage:
  ecinema ticketkey generate FILE
writes a new random key to FILE (mode 0600, never overwriting). The server
reads it from ECINEMA_TICKET_KEY_FILE and seals every venue's Ed25519 ticket
signing key with it (AES-256-GCM) in the database; without the file the
sealed keys cannot be opened, so keep a copy as safe as the database backup.`

func cmdTicketKey(ctx context.Context, env *cmdEnv, args []string) error {
	if len(args) != 2 || args[0] != "generate" {
		return usagef("%s", ticketkeyUsage)
	}
	return writeTicketKey(args[1])
}

// writeTicketKey creates a ticket key file (0600), refusing to overwrite one.
func writeTicketKey(file string) error {
	k, err := ticketing.GenerateMasterKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("ticketkey: %s exists; refusing to overwrite a key that seals signing keys", file)
	}
	if err != nil {
		return fmt.Errorf("ticketkey: %w", err)
	}
	if _, err := f.WriteString(k); err != nil {
		f.Close()
		os.Remove(file)
		return fmt.Errorf("ticketkey: write %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("ticketkey: write %s: %w", file, err)
	}
	return nil
}

// loadTicketSealer reads ECINEMA_TICKET_KEY_FILE; an empty name gives nil.
func loadTicketSealer(file string) (*ticketing.Sealer, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("ECINEMA_TICKET_KEY_FILE: %w", err)
	}
	s, err := ticketing.NewSealer(string(b))
	if err != nil {
		return nil, fmt.Errorf("ECINEMA_TICKET_KEY_FILE %s: %w", file, err)
	}
	return s, nil
}
